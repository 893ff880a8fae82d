// Reward Results webview: one reward test's samples with each function's score (beside the score a run recorded,
// when re-scoring), errors with a link to the failing line, filters, sorting, and a histogram per function.
import '../shared/base.css';
import './rewardResults.css';
import type { FunctionReport, SampleReport } from '../../schemas/generated/rewardTest';
import { channel, listen } from '../shared/vscodeApi';
import { h, formatNumber } from '../shared/dom';
import { isToRewardResults, type FromRewardResults, type ShowResults } from './protocol';
import { arrangeRows, FILTER_LABELS, type RowFilter } from './model';

interface ResultsState { filter: RowFilter; sort: string; fn: string }

const ch = channel<FromRewardResults, ResultsState>();
const saved = ch.getState();
const state: ResultsState = {
  filter: saved?.filter && saved.filter in FILTER_LABELS ? saved.filter : 'all',
  sort: typeof saved?.sort === 'string' ? saved.sort : 'index',
  fn: typeof saved?.fn === 'string' ? saved.fn : '',
};
let current: ShowResults | null = null;

const app = document.getElementById('app')!;
const title = h('h2', { class: 'rr-title' }, 'Reward Results');
const filterSelect = h('select', { class: 'rr-filter', 'aria-label': 'Filter' });
for (const [k, label] of Object.entries(FILTER_LABELS)) filterSelect.append(h('option', { value: k }, label));
const fnSelect = h('select', { class: 'rr-fn-select', 'aria-label': 'Function' });
const sortSelect = h('select', { class: 'rr-sort', 'aria-label': 'Sort' });
const summary = h('span', { class: 'rr-summary', role: 'status' });
const banner = h('div', { class: 'rr-error-banner', hidden: true });
const functions = h('div', { class: 'rr-functions' });
const table = h('table', { class: 'rr-table' });
app.append(h('div', { class: 'rr-toolbar' }, title, h('label', {}, 'Show ', filterSelect), h('label', {}, 'of ', fnSelect),
  h('label', {}, 'Sort ', sortSelect), summary), banner, functions, table);

const persist = (): void => ch.setState(state);
filterSelect.addEventListener('change', () => { state.filter = filterSelect.value as RowFilter; persist(); renderTable(); });
fnSelect.addEventListener('change', () => { state.fn = fnSelect.value; persist(); renderTable(); });
sortSelect.addEventListener('change', () => { state.sort = sortSelect.value; persist(); renderTable(); });

function openLink(file: string, line: number | undefined, text: string): HTMLElement {
  const b = h('button', { class: 'link', title: `${file}${line ? `:${line}` : ''}` }, text);
  b.addEventListener('click', () => ch.post({ type: 'openLocation', file, line }));
  return b;
}

function functionCard(f: FunctionReport): HTMLElement {
  const s = f.summary;
  const failed = Boolean(f.error) || s.share_error > 0;
  const pct = (x: number): string => `${Math.round(x * 100)}%`;
  const stats = `mean ${formatNumber(s.mean)} · min ${formatNumber(s.min)} · max ${formatNumber(s.max)} · std ${formatNumber(s.std)}`;
  const shares = `None ${pct(s.share_none)} · zero ${pct(s.share_zero)} · errors ${pct(s.share_error)} · r(length) ${formatNumber(s.length_correlation, 2)}`;
  const bins = s.histogram ?? [];
  const top = Math.max(1, ...bins.map((b) => b.count));
  const hist = h('div', { class: 'rr-hist', role: 'img', 'aria-label': `histogram of ${f.name}: ${bins.map((b) => b.count).join(', ')}` },
    ...bins.map((b) => {
      const bar = h('div', { class: 'bar', title: `${formatNumber(b.from)} – ${formatNumber(b.to)}: ${b.count}` });
      bar.style.height = `${(100 * b.count) / top}%`;
      return bar;
    }));
  return h('div', { class: `rr-fn${failed ? ' failed' : ''}`, 'data-fn': f.name },
    h('h3', {}, `${f.name} (×${formatNumber(f.weight)})`), h('div', { class: 'stats' }, stats), h('div', { class: 'stats' }, shares),
    f.error ? h('div', { class: 'err' }, f.error.file ? openLink(f.error.file, f.error.line, f.error.message.split('\n')[0]) : f.error.message) : null,
    hist);
}

function scoreCell(s: SampleReport, fn: string): HTMLElement {
  const r = s.results[fn];
  const td = h('td', { class: 'num', 'data-fn': fn });
  if (!r) return td;
  if (r.error) {
    td.classList.add('err');
    td.append(r.error.file ? openLink(r.error.file, r.error.line, 'error') : 'error');
    td.title = r.error.message;
    return td;
  }
  td.append(r.score === null ? 'None' : formatNumber(r.score));
  if (r.recorded !== undefined && r.recorded !== r.score) td.append(h('span', { class: 'was' }, ` (run: ${r.recorded === null ? 'None' : formatNumber(r.recorded)})`));
  return td;
}

function renderTable(): void {
  if (!current) return;
  const fnNames = current.response.functions.map((f) => f.name);
  const rows = arrangeRows(current.response.samples, state.filter, state.sort, state.fn && fnNames.includes(state.fn) ? [state.fn] : fnNames);
  summary.textContent = `${rows.length} of ${current.response.samples.length} samples`;
  const head = h('tr', {}, h('th', {}, '#'), h('th', {}, 'Sample'), h('th', {}, 'Prompt'), h('th', {}, 'Completion'),
    ...fnNames.map((n) => h('th', { class: 'num' }, n)), h('th', { class: 'num' }, 'Total'));
  table.replaceChildren(h('thead', {}, head), h('tbody', {}, ...rows.map((s) => h('tr', { class: 'rr-row', 'data-index': s.index },
    h('td', { class: 'num' }, String(s.index + 1)), h('td', {}, s.name ?? ''),
    h('td', {}, h('span', { class: 'text prompt' }, s.prompt)), h('td', {}, h('span', { class: 'text completion' }, s.completion)),
    ...fnNames.map((n) => scoreCell(s, n)),
    h('td', { class: 'num' }, s.total === null || s.total === undefined ? '–' : formatNumber(s.total),
      s.recorded_total !== undefined && s.recorded_total !== null && s.recorded_total !== s.total ? h('span', { class: 'was' }, ` (run: ${formatNumber(s.recorded_total)})`) : null)))));
}

function render(): void {
  if (!current) return;
  const { response } = current;
  title.textContent = current.title;
  banner.hidden = !response.error;
  banner.replaceChildren();
  if (response.error) banner.append(response.error.file ? openLink(response.error.file, response.error.line, response.error.message) : response.error.message);
  functions.replaceChildren(...response.functions.map(functionCard));
  fnSelect.replaceChildren(h('option', { value: '' }, 'any function'), ...response.functions.map((f) => h('option', { value: f.name }, f.name)));
  sortSelect.replaceChildren(h('option', { value: 'index' }, 'in order'), ...response.functions.flatMap((f) => [
    h('option', { value: `score:${f.name}:desc` }, `${f.name}: highest first`), h('option', { value: `score:${f.name}:asc` }, `${f.name}: lowest first`)]));
  filterSelect.value = state.filter;
  fnSelect.value = state.fn;
  sortSelect.value = state.sort;
  if (sortSelect.value !== state.sort) state.sort = sortSelect.value = 'index';
  renderTable();
}

listen(isToRewardResults, (m) => {
  current = m;
  app.removeAttribute('aria-busy');
  render();
}, () => ch.post({ type: 'ready' }));
