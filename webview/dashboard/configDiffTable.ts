// Compare Runs opens with what differs between the runs' configs: one row per setting, one column per run (in the
// runs' colours). Values are config text, inserted as text.
import type { ConfigDifference } from '../protocol';
import { h } from '../shared/dom';

export function renderConfigDiff(runIds: string[], colors: (string | null)[], diff: ConfigDifference[]): HTMLElement {
  const head = h('tr', {}, h('th', {}, 'setting'), ...runIds.map((id, i) => {
    const th = h('th', { class: 'diff-run' });
    if (colors[i]) { const sw = h('span', { class: 'swatch' }); sw.style.background = colors[i]!; th.append(sw); }
    th.append(id);
    return th;
  }));
  const rows = diff.map((d) => h('tr', { 'data-path': d.path }, h('th', { class: 'diff-path', scope: 'row' }, d.path),
    ...d.values.map((v) => h('td', { class: v === null ? 'diff-value diff-unset' : 'diff-value' }, v === null ? 'not set' : v))));
  return h('section', { class: 'config-diff', 'aria-label': 'Config differences' },
    h('h2', { class: 'group-title' }, diff.length ? `Config differences (${diff.length})` : 'Config differences'),
    diff.length ? h('table', { class: 'diff-table' }, h('thead', {}, head), h('tbody', {}, ...rows))
      : h('p', { class: 'empty' }, 'The runs\' resolved configs are identical: any difference in the curves comes from randomness or the code.'));
}
