// The run-health alerts list: what is wrong and what to try.
import type { HealthAlert } from '../protocol';
import { h } from '../shared/dom';

export function renderAlerts(byRun: { runId: string; alerts: HealthAlert[] }[], compare: boolean): HTMLElement {
  const items: HTMLElement[] = [];
  for (const { runId, alerts } of byRun) for (const a of alerts) {
    items.push(h('li', { class: `alert alert-${a.level}`, 'data-code': a.code, role: a.level === 'error' ? 'alert' : undefined },
      h('span', { class: 'alert-level' }, a.level),
      h('div', { class: 'alert-body' },
        h('div', { class: 'alert-message' }, compare ? `${runId}: ${a.message}` : a.message,
          a.step !== null ? h('span', { class: 'alert-step' }, ` (step ${a.step})`) : null,
          a.source === 'trainer' ? h('span', { class: 'alert-source' }, ' · from the trainer') : null),
        a.hint ? h('div', { class: 'alert-hint' }, `Try: ${a.hint}`) : null)));
  }
  if (!items.length) return h('div', { class: 'alerts alerts-none' }, 'No run-health alerts.');
  return h('ul', { class: 'alerts', 'aria-label': 'Run-health alerts' }, ...items);
}
