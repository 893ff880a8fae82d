// One prompt group as a table: per completion the total reward, each reward function (n/a for null), advantage,
// length, truncated, the columns reward functions added with log_extra, the text, and on click the tokens with the loss mask. All model text goes in as Text nodes, with
// hidden bidi and zero-width characters shown as marks (modelText) rather than obeyed.
import { h, formatNumber, modelText } from '../shared/dom';
import type { Columns, SampleGroup } from './model';
import { extraCell, tokenView } from './model';

export function sampleKey(group: number, position: number): string {
  return `${group}:${position}`;
}

/** Whitespace made visible in the token view, where a token of spaces would otherwise be invisible. */
function visibleToken(text: string): string {
  return text.replace(/ /g, '\u00b7').replace(/\n/g, '\u21b5\n').replace(/\t/g, '\u2192');
}

function tokenRow(s: SampleGroup['samples'][number], columns: number): HTMLElement {
  const view = tokenView(s);
  const cell = h('td', { colspan: columns, class: 'tokens-cell' });
  if (!view) {
    cell.append(h('div', { class: 'tokens-none' }, 'No token data: the trainer did not record tokens for this sample.'));
  } else {
    const box = h('div', { class: 'tokens', role: 'list', 'aria-label': 'Completion tokens' });
    for (const t of view.tokens) {
      box.append(h('span', {
        class: t.trained ? 'tok tok-trained' : 'tok tok-masked', role: 'listitem',
        title: `${t.id !== null ? `id ${t.id} · ` : ''}${t.trained ? 'trained' : 'not trained (loss mask 0)'}`,
      }, ...modelText(visibleToken(t.text))));
    }
    cell.append(
      h('div', { class: 'tokens-legend' },
        h('span', { class: 'tok tok-trained' }, 'trained'), ' ', h('span', { class: 'tok tok-masked' }, 'not trained'),
        ` ${view.trained} of ${view.tokens.length} tokens trained`),
      box);
  }
  return h('tr', { class: 'token-row' }, cell);
}

/** A log_extra cell: what a reward function logged for this completion, as text (it may hold model output). */
function extraTd(column: string, v: string | number | boolean | null | undefined): HTMLElement {
  const cell = extraCell(v);
  if (!cell) return h('td', { class: 'na extra', 'data-extra': column }, '—');
  if (cell.numeric) return h('td', { class: 'num extra', 'data-extra': column }, formatNumber(v as number));
  return h('td', { class: 'extra', 'data-extra': column, title: cell.text }, ...modelText(cell.text));
}

export function renderGroup(g: SampleGroup, cols: Columns, expanded: Set<string>, onToggle: (key: string, open: boolean) => void): HTMLElement {
  const rewardCols = cols.rewards;
  const head = h('tr', {},
    h('th', {}, '#'), h('th', { class: 'num' }, 'reward'),
    ...rewardCols.map((c) => h('th', { class: 'num reward-col', 'data-reward': c }, c)),
    h('th', { class: 'num' }, 'advantage'), h('th', { class: 'num' }, 'length'), h('th', {}, 'truncated'),
    ...cols.extras.map((c) => h('th', { class: 'extra-col', 'data-extra': c, title: 'logged by a reward function (log_extra)' }, ...modelText(c))),
    h('th', { class: 'completion-col' }, 'completion'));
  const columns = 6 + rewardCols.length + cols.extras.length;
  const body = h('tbody');
  for (const s of g.samples) {
    const key = sampleKey(g.group, s.position);
    const adv = s.advantage;
    const row = h('tr', { class: 'sample-row', 'data-key': key, tabindex: 0, 'aria-expanded': expanded.has(key) ? 'true' : 'false' },
      h('td', { class: 'num' }, String(s.position)),
      h('td', { class: 'num reward' }, formatNumber(s.reward)),
      ...rewardCols.map((c) => {
        const v = s.rewards?.[c];
        return v === null || v === undefined ? h('td', { class: 'num na', 'data-reward': c }, 'n/a') : h('td', { class: 'num', 'data-reward': c }, formatNumber(v));
      }),
      h('td', { class: `num advantage ${adv > 0 ? 'pos' : adv < 0 ? 'neg' : ''}` }, formatNumber(adv)),
      h('td', { class: 'num' }, String(s.length)),
      h('td', { class: s.truncated ? 'truncated yes' : 'truncated' }, s.truncated ? 'yes' : 'no'),
      ...cols.extras.map((c) => extraTd(c, s.extra?.[c])),
      h('td', { class: 'completion-col' }, h('pre', { class: 'completion' }, ...modelText(s.completion))));
    body.append(row);
    let tokens: HTMLElement | null = expanded.has(key) ? tokenRow(s, columns) : null;
    if (tokens) body.append(tokens);
    const toggle = () => {
      if (tokens) { tokens.remove(); tokens = null; } else { tokens = tokenRow(s, columns); row.after(tokens); }
      row.setAttribute('aria-expanded', tokens ? 'true' : 'false');
      onToggle(key, tokens !== null);
    };
    row.addEventListener('click', toggle);
    row.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); } });
  }
  return h('section', { class: 'group-box', 'data-group': g.group },
    h('header', { class: 'group-head' }, h('h3', {}, `Group ${g.group}`), h('span', { class: 'group-count' }, `${g.samples.length} completions`)),
    h('pre', { class: 'prompt' }, ...modelText(g.prompt)),
    h('table', { class: 'samples-table' }, h('thead', {}, head), body));
}
