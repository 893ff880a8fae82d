// One chart card: a chart.js line chart of a few metrics (of one run, or of several when comparing), drawn from a
// decimated copy of the visible step range. Hover values, drag-to-zoom, log scale and PNG export live here.
import {
  Chart, LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Filler, Legend,
  type ChartDataset, type Plugin,
} from 'chart.js';
import { h, formatNumber } from '../shared/dom';
import type { CardSpec, LineSpec } from './chartGroups';
import type { RawSeries } from './rawSeries';
import { decimate, type Point } from './decimation';
import { band, type SeriesStore } from './seriesStore';
import { withAlpha, type ChartTheme } from './theme';
import { flatSeriesBounds, tickDigits } from './axes';
import { isWarmStartSeries } from '../../extension/runs/metricNames';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Filler, Legend);

export interface CardContext {
  store: SeriesStore;
  runIds(): string[];
  smoothing(): number;
  range(): [number, number] | null;
  isLog(cardId: string): boolean;
  theme(): ChartTheme;
  onZoom(from: number, to: number): void;
  onResetZoom(): void;
  onLogToggle(cardId: string, on: boolean): void;
  onExport(fileName: string, dataUrl: string): void;
}

type LineDataset = ChartDataset<'line', Point[]> & { rlRole?: 'band' | 'raw' | 'line' };
const DASHES = [[], [6, 3], [2, 2], [8, 3, 2, 3]];
// Pixels per decimation column (each column keeps up to 5 points: first, lowest, highest, last, first gap). Drawing
// cost grows with the zig-zag of min/max points far more than with the pixels covered: in headless Chromium the
// 12-dataset reward card at 100k steps took ~40 ms to rasterise with 1-pixel columns and ~5 ms with these (and its
// chart.js update ~16 ms -> ~4 ms). Two pixels still show every spike; a translucent band needs less.
const LINE_COLUMN_PX = 2;
const COUNT_FORMAT = new Intl.NumberFormat('en-US');
const BAND_COLUMN_PX = 8;
// Lines are 1 px wide: Skia draws a 1-pixel line (at device pixel ratio 1) as a hairline, while any wider line is
// stroked as a polygon. In software raster (no GPU: headless Chromium, VMs, remote desktops) three 420-point lines
// took ~0.4 ms at 1 px and ~13 ms at 1.6 px, and a chart redraw cost half the renderer CPU (20 -> 10 ms).
const LINE_WIDTH_PX = 1;

/** Fills the canvas with the editor background so an exported PNG is not transparent. */
const backgroundPlugin: Plugin<'line'> = {
  id: 'rlstudioBackground',
  beforeDraw(chart) {
    const bg = (chart.options.plugins as { rlstudioBackground?: { color?: string } }).rlstudioBackground?.color;
    if (!bg) return;
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = bg;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

export class ChartCard {
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly tooltip: HTMLElement;
  private readonly selection: HTMLElement;
  private readonly countLabel: HTMLElement;
  private readonly logBox: HTMLElement & { checked: boolean };
  private chart: Chart<'line', Point[]> | undefined;
  private structure = '';
  private onScreen = false;
  /** In the viewport itself (onScreen also counts the margin above and below, drawn ahead of a scroll). */
  inView = false;
  private dirty = true;
  private dragFrom: number | null = null;
  private hoverX: number | null = null;

  constructor(readonly spec: CardSpec, private readonly ctx: CardContext, observers: { near: IntersectionObserver; inView: IntersectionObserver }) {
    this.canvas = h('canvas', { role: 'img', 'aria-label': spec.title });
    this.tooltip = h('div', { class: 'chart-tooltip', hidden: true });
    this.selection = h('div', { class: 'chart-selection', hidden: true });
    this.countLabel = h('span', { class: 'card-count' });
    this.logBox = h('vscode-checkbox', { label: 'log', class: 'card-log' }) as HTMLElement & { checked: boolean };
    this.logBox.checked = ctx.isLog(spec.id);
    this.logBox.addEventListener('change', () => ctx.onLogToggle(spec.id, this.logBox.checked));
    const exportBtn = h('vscode-button', { secondary: true, class: 'card-export', title: 'Export this chart as PNG' }, 'PNG');
    exportBtn.addEventListener('click', () => this.export());
    this.el = h('section', { class: 'card', 'data-card': spec.id },
      h('header', { class: 'card-header' }, h('h3', {}, spec.title), this.countLabel, this.logBox, exportBtn),
      h('div', { class: 'card-canvas' }, this.canvas, this.selection, this.tooltip));
    this.el.addEventListener('rlstudio-visible', ((e: CustomEvent<boolean>) => {
      this.onScreen = e.detail;
      if (this.onScreen && this.dirty) this.render();
    }) as EventListener);
    this.el.addEventListener('rlstudio-in-view', ((e: CustomEvent<boolean>) => { this.inView = e.detail; }) as EventListener);
    observers.near.observe(this.el);
    observers.inView.observe(this.el);
    this.bindPointer();
  }

  markDirty(): void { this.dirty = true; }

  /** Changed since it was last drawn. */
  get stale(): boolean { return this.dirty; }

  /** Redraws now if on screen; otherwise when it scrolls into view. */
  render(force = false): void {
    if (!this.onScreen && !force) { this.dirty = true; return; }
    this.dirty = false;
    const theme = this.ctx.theme();
    const runIds = this.ctx.runIds();
    const smoothing = this.smoothing();
    const compare = runIds.length > 1;
    // chart.js keeps the canvas size (it watches resizes); reading clientWidth here would force a layout of the whole
    // page per card, since the card drawn before changed its point count.
    const width = Math.max(50, Math.round(this.chart?.width || this.canvas.clientWidth || 600));
    const columns = Math.max(25, Math.round(width / LINE_COLUMN_PX));
    const range = this.range(runIds);
    let lo = Infinity, hi = -Infinity;
    const datasets: LineDataset[] = [];
    const drawn: Record<string, number> = {};
    const raw: Record<string, number> = {};
    let lastStep = -Infinity;

    runIds.forEach((runId, r) => {
      this.spec.lines.forEach((line, l) => {
        const series = this.ctx.store.get(runId, line.metric);
        if (!series || !series.length) return;
        const color = theme.palette[(compare ? r : l) % theme.palette.length];
        // lines of one card differ by dash as well as colour: blue and orange blur together for some eyes and themes
        const dash = DASHES[l % DASHES.length];
        const label = compare ? `${runId} · ${line.label}` : line.label;
        const values = series.smoothed(smoothing);
        const main = decimate(series, values, range[0], range[1], columns);
        this.pushBand(datasets, runId, line, series, smoothing, range, Math.max(10, Math.round(width / BAND_COLUMN_PX)), color);
        if (smoothing > 0) datasets.push(this.dataset(`${label} (raw)`, decimate(series, series.values, range[0], range[1], columns), withAlpha(color, 0.28), dash, LINE_WIDTH_PX, 'raw'));
        datasets.push(this.dataset(label, main, color, dash, LINE_WIDTH_PX, 'line'));
        drawn[label] = main.length;
        raw[label] = series.length;
        for (const p of main) if (p.y !== null && Number.isFinite(p.y)) { lo = Math.min(lo, p.y); hi = Math.max(hi, p.y); }
        if (main.length) lastStep = Math.max(lastStep, main[main.length - 1].x);
      });
    });

    const key = datasets.map((d) => `${d.label}|${d.rlRole}`).join(';') + `|${this.ctx.isLog(this.spec.id)}|${theme.foreground}|${theme.background}`;
    if (!this.chart || key !== this.structure) {
      this.chart?.destroy();
      // chart.js's option typings do not narrow through the helper; the config is a plain line chart.
      this.chart = new Chart(this.canvas, { type: 'line', data: { datasets }, options: this.options(theme) as never, plugins: [backgroundPlugin] }) as Chart<'line', Point[]>;
      this.structure = key;
    } else {
      this.chart.data.datasets.forEach((d, i) => { d.data = datasets[i].data; });
    }
    const { x, y } = this.chart.options.scales as { x: { min?: number; max?: number }; y: { min?: number; max?: number } };
    x.min = Number.isFinite(range[0]) ? range[0] : undefined;
    x.max = Number.isFinite(range[1]) ? range[1] : undefined;
    const flat = this.ctx.isLog(this.spec.id) ? undefined : flatSeriesBounds(lo, hi);
    y.min = flat?.min;
    y.max = flat?.max;
    this.chart.update('none');
    this.el.dataset.xRange = JSON.stringify([x.min ?? null, x.max ?? null]);

    const total = Object.values(raw).reduce((a, b) => a + b, 0);
    const count = `${COUNT_FORMAT.format(total)} points`;
    if (this.countLabel.textContent !== count) this.countLabel.textContent = count;
    this.el.dataset.drawn = JSON.stringify(drawn);
    this.el.dataset.points = JSON.stringify(raw);
    if (Number.isFinite(lastStep)) this.el.dataset.lastStep = String(lastStep);
    if (this.hoverX !== null) this.showTooltip(this.hoverX);
  }

  /** Sparse series (evaluations) are drawn as measured: smoothing would hide a peak between two evaluations. */
  private smoothing(): number {
    return this.spec.smooth ? this.ctx.smoothing() : 0;
  }

  /** The card's x range. RL charts share the zoom, else the runs' RL-step extent, so they line up under each other;
   * warm-start charts span the warm start's own steps (its 200 supervised steps must not squash a 20-step run). */
  private range(runIds: string[]): [number, number] {
    const warm = this.spec.axis === 'warm_start';
    const zoom = warm ? null : this.ctx.range();
    return zoom ?? this.ctx.store.stepExtent(runIds, (name) => isWarmStartSeries(name) === warm) ?? [-Infinity, Infinity];
  }

  private pushBand(out: LineDataset[], runId: string, line: LineSpec, series: RawSeries, smoothing: number,
    range: [number, number], columns: number, color: string): void {
    const std = line.std ? this.ctx.store.get(runId, line.std) : undefined;
    if (!std || !std.length) return;
    const b = band(series, series.smoothed(smoothing), std, std.smoothed(smoothing));
    out.push(this.dataset('', decimate(series, b.upper, range[0], range[1], columns), 'transparent', [], 0, 'band'));
    const lower = this.dataset('', decimate(series, b.lower, range[0], range[1], columns), 'transparent', [], 0, 'band');
    lower.fill = '-1';
    lower.backgroundColor = withAlpha(color, 0.16);
    out.push(lower);
  }

  private dataset(label: string, data: Point[], color: string, dash: number[], width: number, role: LineDataset['rlRole']): LineDataset {
    return {
      label, data, rlRole: role, borderColor: color, backgroundColor: color, borderWidth: width, borderDash: dash,
      pointRadius: role === 'line' && (data.length <= 40 || !this.spec.smooth) ? 2 : 0, pointHoverRadius: 0, fill: false, spanGaps: false,
      parsing: false, normalized: true, tension: 0,
    } as LineDataset;
  }

  private options(theme: ChartTheme) {
    const log = this.ctx.isLog(this.spec.id);
    const tick = { color: theme.foreground, font: { family: theme.font, size: 11 } };
    return {
      animation: false as const,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false as const,
      normalized: true,
      events: [] as never[],
      scales: {
        // steps are whole numbers: a 2-step run gets ticks 0, 1, 2 rather than 0.2, 0.4, ...
        x: { type: 'linear' as const, title: { display: true, text: this.spec.axis === 'warm_start' ? 'warm-start step' : 'step', color: theme.foreground },
          ticks: { ...tick, precision: 0 }, grid: { color: theme.grid } },
        y: { type: log ? ('logarithmic' as const) : ('linear' as const), grid: { color: theme.grid },
          ticks: { ...tick, callback: (v: number | string, i: number, ticks: { value: number }[]) =>
            formatNumber(Number(v), tickDigits(Number(v), ticks.length > 1 ? Math.abs(ticks[1].value - ticks[0].value) : 0)) } },
      },
      plugins: {
        legend: {
          display: true, position: 'bottom' as const,
          labels: {
            color: theme.foreground, boxWidth: 12, boxHeight: 2, font: { family: theme.font, size: 11 },
            filter: (item: { datasetIndex?: number }, data: { datasets: LineDataset[] }) => data.datasets[item.datasetIndex ?? 0]?.rlRole === 'line',
          },
        },
        tooltip: { enabled: false },
        rlstudioBackground: { color: theme.background },
      },
    };
  }

  private bindPointer(): void {
    const c = this.canvas;
    c.addEventListener('mousemove', (e) => {
      this.hoverX = e.offsetX;
      this.showTooltip(e.offsetX);
      if (this.dragFrom !== null) {
        const left = Math.min(this.dragFrom, e.offsetX), w = Math.abs(e.offsetX - this.dragFrom);
        Object.assign(this.selection.style, { left: `${left}px`, width: `${w}px` });
        this.selection.hidden = w < 3;
      }
    });
    c.addEventListener('mouseleave', () => { this.hoverX = null; this.tooltip.hidden = true; this.dragFrom = null; this.selection.hidden = true; });
    c.addEventListener('mousedown', (e) => { if (e.button === 0) this.dragFrom = e.offsetX; });
    c.addEventListener('mouseup', (e) => {
      const from = this.dragFrom;
      this.dragFrom = null;
      this.selection.hidden = true;
      if (from === null || !this.chart || Math.abs(e.offsetX - from) < 5) return;
      const scale = this.chart.scales.x;
      const a = scale.getValueForPixel(Math.min(from, e.offsetX)) ?? 0;
      const b = scale.getValueForPixel(Math.max(from, e.offsetX)) ?? 0;
      this.ctx.onZoom(Math.floor(a), Math.ceil(b));
    });
    c.addEventListener('dblclick', () => this.ctx.onResetZoom());
  }

  /** Values under the pointer, read from the raw series (not the decimated copy), as text. */
  private showTooltip(px: number): void {
    const chart = this.chart;
    if (!chart) return;
    const area = chart.chartArea;
    if (px < area.left || px > area.right) { this.tooltip.hidden = true; return; }
    const step = chart.scales.x.getValueForPixel(px) ?? 0;
    const runIds = this.ctx.runIds();
    const theme = this.ctx.theme();
    const smoothing = this.smoothing();
    const rows: HTMLElement[] = [];
    let shownStep: number | null = null;
    runIds.forEach((runId, r) => this.spec.lines.forEach((line, l) => {
      const s = this.ctx.store.get(runId, line.metric);
      const hit = s?.nearest(step);
      if (!s || !hit) return;
      shownStep ??= hit.step;
      const color = theme.palette[(runIds.length > 1 ? r : l) % theme.palette.length];
      const label = runIds.length > 1 ? `${runId} · ${line.label}` : line.label;
      const smoothed = smoothing > 0 ? ` (smoothed ${formatNumber(s.smoothed(smoothing)[hit.index])})` : '';
      const swatch = h('span', { class: 'swatch' });
      swatch.style.background = color;
      rows.push(h('div', { class: 'tooltip-row' }, swatch, `${label}: ${formatNumber(Number.isNaN(hit.value) ? null : hit.value)}${smoothed}`,
        runIds.length > 1 || hit.step !== shownStep ? ` @${hit.step}` : ''));
    }));
    if (!rows.length) { this.tooltip.hidden = true; return; }
    this.tooltip.replaceChildren(h('div', { class: 'tooltip-title' }, `step ${shownStep}`), ...rows);
    this.tooltip.hidden = false;
    const w = this.canvas.clientWidth;
    this.tooltip.style.left = px > w / 2 ? '' : `${px + 14}px`;
    this.tooltip.style.right = px > w / 2 ? `${w - px + 14}px` : '';
  }

  private export(): void {
    if (!this.chart) return;
    const runs = this.ctx.runIds().join('_vs_');
    this.ctx.onExport(`${runs}-${this.spec.id.replace(/[^A-Za-z0-9_-]+/g, '_')}.png`, this.chart.toBase64Image('image/png', 1));
  }

  destroy(): void {
    this.chart?.destroy();
    this.el.remove();
  }
}
