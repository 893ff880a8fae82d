// Samples viewer webview: one step's prompts with their groups of completions, rewards and trained tokens.
import '../shared/elements';
import '../shared/base.css';
import './samples.css';
import type { Sample } from '../../schemas/generated/trainerEvent';
import { isToSamples, type FromSamples, type SampleSource, type SampleSteps, type ToSamples } from '../protocol';
import { channel, listen } from '../shared/vscodeApi';
import { h } from '../shared/dom';
import { arrange, columnsOf, type Columns, SORT_LABELS, type SortKey, emptyMessage, sampleChoices, choiceKey, latestChoice, type SampleChoice } from './model';
import { renderGroup } from './table';

interface SamplesState {
  runIds: string[];
  step: number | null;
  /** Training samples of the step, or the samples of its evaluation. */
  source: SampleSource;
  follow: boolean;
  sort: SortKey;
  search: string;
  expanded: string[];
}

const ch = channel<FromSamples, SamplesState>();
const saved = ch.getState();
const state: SamplesState = {
  runIds: Array.isArray(saved?.runIds) ? saved.runIds : [],
  step: typeof saved?.step === 'number' ? saved.step : null,
  source: saved?.source === 'eval' ? 'eval' : 'train',
  follow: saved?.follow ?? true,
  sort: saved?.sort && saved.sort in SORT_LABELS ? saved.sort : 'group',
  search: typeof saved?.search === 'string' ? saved.search : '',
  expanded: Array.isArray(saved?.expanded) ? saved.expanded : [],
};
const persist = () => ch.setState(state);

let offered: SampleSteps | null = null;
/** Newest first: each training step, and each evaluation after the training step it followed. */
let choices: SampleChoice[] = [];
let current: { step: number; source: SampleSource; samples: Sample[] } | null = null;

type Select = HTMLElement & { value: string };
type Check = HTMLElement & { checked: boolean };
type Field = HTMLElement & { value: string };

const app = document.getElementById('app')!;
const title = h('h2', { class: 'samples-title' }, 'Samples');
const stepSelect = h('vscode-single-select', { class: 'step-select', 'aria-label': 'Step', combobox: true }) as Select;
const follow = h('vscode-checkbox', { label: 'Follow latest step', class: 'follow' }) as Check;
const sortSelect = h('vscode-single-select', { class: 'sort-select', 'aria-label': 'Sort' }) as Select;
for (const [k, label] of Object.entries(SORT_LABELS)) sortSelect.append(h('vscode-option', { value: k }, label));
const search = h('vscode-textfield', { class: 'search', placeholder: 'Search prompts and completions', 'aria-label': 'Search' }) as Field;
const summary = h('span', { class: 'summary', role: 'status' });
const list = h('div', { class: 'groups' });
app.append(h('div', { class: 'samples-toolbar' }, title,
  h('label', { class: 'tb-item' }, 'Step ', stepSelect), follow,
  h('label', { class: 'tb-item' }, 'Sort ', sortSelect), search, summary), list);

follow.checked = state.follow;
sortSelect.value = state.sort;
search.value = state.search;

function selectStep(choice: SampleChoice): void {
  state.step = choice.step;
  state.source = choice.source;
  persist();
  stepSelect.value = choiceKey(choice);
  ch.post({ type: 'requestSamples', step: choice.step, source: choice.source });
  summary.textContent = `Loading ${choice.label}…`;
}

function fillSteps(): void {
  stepSelect.replaceChildren(...choices.map((c) => h('vscode-option', { value: choiceKey(c) }, c.label)));
  if (state.step !== null) stepSelect.value = choiceKey({ step: state.step, source: state.source });
}

function render(): void {
  if (!current) {
    list.replaceChildren(h('p', { class: 'empty' }, choices.length ? 'Loading…' : emptyMessage(offered)));
    summary.textContent = '';
    return;
  }
  const cols = columnsOf(current.samples);
  const groups = arrange(current.samples, state.sort, state.search);
  const expanded = new Set(state.expanded);
  const shown = groups.reduce((n, g) => n + g.samples.length, 0);
  list.replaceChildren();
  renderChunk(groups, 0, cols, expanded);
  if (!groups.length) list.append(h('p', { class: 'empty' }, current.samples.length ? 'No completion matches the search.' : 'This step has no samples.'));
  summary.textContent = `${current.source === 'eval' ? 'eval at ' : ''}step ${current.step}: ${shown} of ${current.samples.length} completions in ${groups.length} groups`;
}

/** Groups are added in chunks as the user scrolls near the end, so a step with 10,000 samples opens at once. */
const CHUNK = 40;
let moreObserver: IntersectionObserver | undefined;
function renderChunk(groups: ReturnType<typeof arrange>, from: number, cols: Columns, expanded: Set<string>): void {
  moreObserver?.disconnect();
  const frag = document.createDocumentFragment();
  for (const g of groups.slice(from, from + CHUNK)) frag.append(renderGroup(g, cols, expanded, onToggle));
  list.append(frag);
  if (from + CHUNK >= groups.length) return;
  const sentinel = h('div', { class: 'more' }, `${groups.length - from - CHUNK} more groups…`);
  list.append(sentinel);
  moreObserver = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    sentinel.remove();
    renderChunk(groups, from + CHUNK, cols, expanded);
  }, { rootMargin: '1500px 0px' });
  moreObserver.observe(sentinel);
}

function onToggle(key: string, open: boolean): void {
  state.expanded = open ? [...new Set([...state.expanded, key])] : state.expanded.filter((k) => k !== key);
  persist();
}

stepSelect.addEventListener('change', () => {
  const choice = choices.find((c) => choiceKey(c) === stepSelect.value);
  if (!choice || (choice.step === state.step && choice.source === state.source)) return;
  state.follow = choice === latestChoice(choices) && state.follow;
  follow.checked = state.follow;
  state.expanded = [];
  selectStep(choice);
});
follow.addEventListener('change', () => {
  state.follow = follow.checked;
  persist();
  const latest = latestChoice(choices);
  if (state.follow && latest) selectStep(latest);
});
sortSelect.addEventListener('change', () => { state.sort = sortSelect.value as SortKey; persist(); render(); });
let searchTimer = 0;
search.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => { state.search = search.value; persist(); render(); }, 120);
});

function onMessage(m: ToSamples): void {
  if (m.type === 'init' || m.type === 'steps') {
    if (m.type === 'init') { state.runIds = [m.runId]; title.textContent = `Samples: ${m.runId}`; }
    offered = m;
    choices = sampleChoices(m.steps, m.evalSteps);
    fillSteps();
    if (m.type === 'init') app.setAttribute('aria-busy', 'false');
    const kept = choices.find((c) => c.step === state.step && c.source === state.source);
    const want = state.follow || !kept ? latestChoice(choices) : kept;
    if (want && (want.step !== current?.step || want.source !== current?.source || m.type === 'init')) selectStep(want);
    else if (!want) render();
    persist();
  } else if (m.type === 'samples') {
    if (m.step !== state.step || m.source !== state.source) return;
    current = { step: m.step, source: m.source, samples: m.samples };
    render();
  }
}

listen(isToSamples, onMessage, () => ch.post({ type: 'ready' }));
