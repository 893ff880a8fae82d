// The run header: status, progress, elapsed/ETA, device, algorithm, model and the config summary.
import type { RunHeader } from '../protocol';
import { h, formatDuration } from '../shared/dom';

export interface HeaderActions {
  openConfig(runId: string): void;
  openSamples(runId: string): void;
}

/** Seconds since start: to now while running, to the end otherwise. */
export function elapsedSeconds(r: RunHeader, nowSec: number): number | null {
  if (r.startedAt === null) return null;
  const end = r.status === 'running' ? nowSec : (r.finishedAt ?? r.lastEventAt ?? nowSec);
  return Math.max(0, end - r.startedAt);
}

/** Remaining RL steps at the RL pace (model loading and the warm start do not count). */
export function etaSeconds(r: RunHeader): number | null {
  if (r.status !== 'running' || !r.maxSteps || r.rlStepSeconds === null) return null;
  return r.rlStepSeconds * Math.max(0, r.maxSteps - r.step);
}

/** The warm start while it runs, else the RL steps: what the progress bar and the step field follow. */
export function progressOf(r: RunHeader): { label: string; text: string; value: number; max: number | null } {
  const ws = r.warmStart;
  if (r.status === 'running' && ws && !ws.finished) return { label: 'warm start', text: `${ws.step} / ${ws.steps}`, value: ws.step, max: ws.steps };
  return { label: 'step', text: `${r.step}${r.maxSteps ? ` / ${r.maxSteps}` : ''}`, value: r.step, max: r.maxSteps };
}

function fmt(v: number): string {
  return String(Number(v.toPrecision(4)));
}

function field(label: string, value: string, cls = ''): HTMLElement {
  return h('div', { class: `field ${cls}` }, h('span', { class: 'field-label' }, label), h('span', { class: 'field-value' }, value));
}

/** compact: without the config summary (Compare Runs shows the config differences instead). */
export function renderHeader(r: RunHeader, color: string | null, actions: HeaderActions, nowSec: number, compact = false): HTMLElement {
  const p = progressOf(r);
  const progress = h('vscode-progress-bar', { 'aria-label': `${p.label} ${p.text}` }) as HTMLElement & { value?: number; max: number };
  if (p.max) { progress.max = p.max; progress.value = Math.min(p.value, p.max); }
  const title = h('h2', { class: 'run-title' });
  if (color) { const sw = h('span', { class: 'swatch run-swatch' }); sw.style.background = color; title.append(sw); }
  title.append(r.id);
  const openConfig = h('vscode-button', { secondary: true, disabled: !r.hasConfig, class: 'open-config' }, 'Open config');
  openConfig.addEventListener('click', () => actions.openConfig(r.id));
  const openSamples = h('vscode-button', { secondary: true, class: 'open-samples' }, 'Samples');
  openSamples.addEventListener('click', () => actions.openSamples(r.id));
  const config = h('dl', { class: 'config-summary' });
  for (const [k, v] of r.configSummary) config.append(h('dt', {}, k), h('dd', {}, v));
  return h('div', { class: 'run-header', 'data-run': r.id, 'data-status': r.status },
    h('div', { class: 'run-title-row' }, title,
      h('span', { class: `status status-${r.status}` }, r.status), openConfig, openSamples),
    h('div', { class: 'fields' },
      field(p.label, p.text, 'field-step'),
      typeof r.reward === 'number' ? field(r.status === 'running' ? 'reward' : 'final reward', fmt(r.reward), 'field-reward') : null,
      r.bestEval ? field(`best ${r.bestEval.metric}`, `${fmt(r.bestEval.value)} @ step ${r.bestEval.step}`, 'field-best') : null,
      field('elapsed', formatDuration(elapsedSeconds(r, nowSec)), 'field-elapsed'),
      field('ETA', formatDuration(etaSeconds(r)), 'field-eta'),
      field('algorithm', r.algorithm ?? '—'),
      field('device', r.device ?? '—', 'field-device'),
      field('model', r.model ?? '—')),
    p.max ? progress : null,
    r.error ? h('div', { class: 'run-error' }, r.error) : null,
    r.configSummary.length && !compact ? config : null);
}
