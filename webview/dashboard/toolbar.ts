// Dashboard controls: smoothing, the zoomed step range, and a status line (e.g. "Saved chart.png").
import { h } from '../shared/dom';

export interface ToolbarHandlers {
  onSmoothing(weight: number): void;
  onRange(range: [number, number] | null): void;
}

type TextField = HTMLElement & { value: string };

export class Toolbar {
  readonly el: HTMLElement;
  private readonly smoothing: HTMLInputElement;
  private readonly smoothingValue: HTMLElement;
  private readonly from: TextField;
  private readonly to: TextField;
  private readonly status: HTMLElement;

  constructor(private readonly handlers: ToolbarHandlers) {
    this.smoothing = h('input', { type: 'range', min: 0, max: 0.99, step: 0.01, class: 'smoothing', 'aria-label': 'Smoothing' });
    this.smoothingValue = h('span', { class: 'smoothing-value' });
    this.smoothing.addEventListener('input', () => {
      const w = Number(this.smoothing.value);
      this.smoothingValue.textContent = w.toFixed(2);
      handlers.onSmoothing(w);
    });
    this.from = h('vscode-textfield', { type: 'number', class: 'range-from', placeholder: 'from', 'aria-label': 'From step' }) as TextField;
    this.to = h('vscode-textfield', { type: 'number', class: 'range-to', placeholder: 'to', 'aria-label': 'To step' }) as TextField;
    const apply = () => {
      const a = this.from.value === '' ? NaN : Number(this.from.value);
      const b = this.to.value === '' ? NaN : Number(this.to.value);
      if (Number.isFinite(a) && Number.isFinite(b) && b > a) handlers.onRange([a, b]);
      else if (this.from.value === '' && this.to.value === '') handlers.onRange(null);
    };
    this.from.addEventListener('change', apply);
    this.to.addEventListener('change', apply);
    const reset = h('vscode-button', { secondary: true, class: 'reset-zoom' }, 'Reset zoom');
    reset.addEventListener('click', () => handlers.onRange(null));
    this.status = h('span', { class: 'toolbar-status', role: 'status' });
    this.el = h('div', { class: 'toolbar' },
      h('label', { class: 'toolbar-item' }, 'Smoothing ', this.smoothing, this.smoothingValue),
      h('span', { class: 'toolbar-item' }, 'Steps ', this.from, ' – ', this.to, reset),
      h('span', { class: 'toolbar-hint' }, 'Drag across a chart to zoom; double-click to reset.'),
      this.status);
  }

  show(smoothing: number, range: [number, number] | null): void {
    this.smoothing.value = String(smoothing);
    this.smoothingValue.textContent = smoothing.toFixed(2);
    this.from.value = range ? String(range[0]) : '';
    this.to.value = range ? String(range[1]) : '';
  }

  say(text: string): void { this.status.textContent = text; }
}
