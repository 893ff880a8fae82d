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

export function etaSeconds(r: RunHeader, nowSec: number): number | null {
  const elapsed = elapsedSeconds(r, nowSec);
  if (r.status !== 'running' || elapsed === null || !r.maxSteps || r.step <= 0) return null;
  return (elapsed / r.step) * Math.max(0, r.maxSteps - r.step);
}

function field(label: string, value: string, cls = ''): HTMLElement {
  return h('div', { class: `field ${cls}` }, h('span', { class: 'field-label' }, label), h('span', { class: 'field-value' }, value));
}

export function renderHeader(r: RunHeader, color: string | null, actions: HeaderActions, nowSec: number): HTMLElement {
  const progress = h('vscode-progress-bar', { 'aria-label': `step ${r.step}` }) as HTMLElement & { value?: number; max: number };
  if (r.maxSteps) { progress.max = r.maxSteps; progress.value = Math.min(r.step, r.maxSteps); }
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
      field('step', `${r.step}${r.maxSteps ? ` / ${r.maxSteps}` : ''}`, 'field-step'),
      field('elapsed', formatDuration(elapsedSeconds(r, nowSec)), 'field-elapsed'),
      field('ETA', formatDuration(etaSeconds(r, nowSec)), 'field-eta'),
      field('algorithm', r.algorithm ?? '—'),
      field('device', r.device ?? '—', 'field-device'),
      field('model', r.model ?? '—')),
    r.maxSteps ? progress : null,
    r.error ? h('div', { class: 'run-error' }, r.error) : null,
    r.configSummary.length ? config : null);
}
