// Dashboard webview: live metric charts of one run (or several overlaid), header, run-health alerts.
import '../shared/elements';
import '../shared/base.css';
import './dashboard.css';
import { isToDashboard, type ConfigDifference, type FromDashboard, type HealthAlert, type RunHeader, type ToDashboard } from '../protocol';
import { channel, listen } from '../shared/vscodeApi';
import { h } from '../shared/dom';
import { SeriesStore } from './seriesStore';
import { buildCards, GROUPS, type CardSpec } from './chartGroups';
import { ChartCard, type CardContext } from './chartCard';
import { readTheme, type ChartTheme } from './theme';
import { renderHeader } from './header';
import { renderConfigDiff } from './configDiffTable';
import { renderAlerts } from './alerts';
import { Toolbar } from './toolbar';
import { latestStepTiming, stepTimeReading, TIMING_PREFIX } from './stepTime';

interface DashboardState {
  runIds: string[];
  smoothing: number;
  range: [number, number] | null;
  logCards: string[];
}

const ch = channel<FromDashboard, DashboardState>();
const saved = ch.getState();
const state: DashboardState = {
  runIds: Array.isArray(saved?.runIds) ? saved.runIds : [],
  smoothing: typeof saved?.smoothing === 'number' ? saved.smoothing : 0.6,
  range: Array.isArray(saved?.range) && saved.range.length === 2 ? saved.range : null,
  logCards: Array.isArray(saved?.logCards) ? saved.logCards : [],
};
const persist = () => ch.setState(state);

const store = new SeriesStore();
const headers = new Map<string, RunHeader>();
const alerts = new Map<string, HealthAlert[]>();
const cards = new Map<string, ChartCard>();
let configDiff: ConfigDifference[] | undefined;
let theme: ChartTheme = readTheme();

const app = document.getElementById('app')!;
const headerEl = h('div', { class: 'headers' });
const alertsEl = h('div', { class: 'alerts-section' });
const toolbar = new Toolbar({
  onSmoothing: (w) => { state.smoothing = w; persist(); renderAll(); },
  onRange: (r) => setRange(r),
});
const groupsEl = h('div', { class: 'groups' });
const emptyEl = h('p', { class: 'empty' }, 'Waiting for the run\'s first metrics…');
app.append(headerEl, alertsEl, toolbar.el, emptyEl, groupsEl);
toolbar.show(state.smoothing, state.range);

const observers = {
  // cards within 300 px of the viewport are drawn, so a scroll finds them ready
  near: new IntersectionObserver((entries) => {
    for (const e of entries) e.target.dispatchEvent(new CustomEvent('rlstudio-visible', { detail: e.isIntersecting }));
  }, { rootMargin: '300px 0px' }),
  // cards in the viewport itself are redrawn as points arrive; the others near it now and then, or as they come in
  inView: new IntersectionObserver((entries) => {
    for (const e of entries) {
      e.target.dispatchEvent(new CustomEvent('rlstudio-in-view', { detail: e.isIntersecting }));
      const card = e.isIntersecting ? cards.get((e.target as HTMLElement).dataset.card ?? '') : undefined;
      if (card?.stale) scheduleRender([card]);
    }
  }),
};

const cardContext: CardContext = {
  store,
  runIds: () => state.runIds,
  smoothing: () => state.smoothing,
  range: () => state.range,
  isLog: (id) => state.logCards.includes(id),
  theme: () => theme,
  onZoom: (a, b) => setRange([a, b]),
  onResetZoom: () => setRange(null),
  onLogToggle: (id, on) => {
    state.logCards = on ? [...new Set([...state.logCards, id])] : state.logCards.filter((x) => x !== id);
    persist();
    cards.get(id)?.render(true);
  },
  onExport: (fileName, dataUrl) => { toolbar.say(`Exporting ${fileName}…`); ch.post({ type: 'exportPng', fileName, dataUrl }); },
};

function setRange(r: [number, number] | null): void {
  state.range = r;
  persist();
  toolbar.show(state.smoothing, state.range);
  renderAll();
}

function runColor(runId: string): string | null {
  const i = state.runIds.indexOf(runId);
  return state.runIds.length > 1 && i >= 0 ? theme.palette[i % theme.palette.length] : null;
}

function renderHeaders(): void {
  const now = Date.now() / 1000;
  const actions = {
    openConfig: (runId: string) => ch.post({ type: 'openConfig', runId }),
    openSamples: (runId: string) => ch.post({ type: 'openSamples', runId }),
  };
  const compare = state.runIds.length > 1;
  // Comparing: what differs between the configs comes first; each run's header then leaves out its config summary.
  // before the first chart, say what the run is doing (loading the model, or its warm start's progress)
  const warming = [...headers.values()].find((r) => r.status === 'running' && r.warmStart && !r.warmStart.finished);
  emptyEl.textContent = warming?.warmStart
    ? `Warm start ${warming.warmStart.step}/${warming.warmStart.steps}: its charts appear with its first logged steps, the RL charts after it.`
    : 'Waiting for the run\'s first metrics…';
  headerEl.replaceChildren(
    compare && configDiff ? renderConfigDiff(state.runIds, state.runIds.map(runColor), configDiff) : '',
    ...state.runIds.map((id) => headers.get(id)).filter((x): x is RunHeader => !!x)
      .map((r) => renderHeader(r, runColor(r.id), actions, now, compare)));
}

function renderAlertList(): void {
  alertsEl.replaceChildren(renderAlerts(state.runIds.map((runId) => ({ runId, alerts: alerts.get(runId) ?? [] })), state.runIds.length > 1));
}

/** The speed group's one-line reading of where each shown run's latest step went. */
const speedReading = h('div', { class: 'group-reading', 'aria-live': 'polite' });
function renderSpeedReading(): void {
  const names = store.names(state.runIds);
  const lines = state.runIds.map((id) => {
    const text = stepTimeReading(names, latestStepTiming(names, (m) => store.get(id, m)));
    return text ? h('p', { class: 'step-time-reading', 'data-run': id }, state.runIds.length > 1 ? `${id}: ${text}` : `Latest step: ${text}`) : null;
  }).filter((x): x is HTMLParagraphElement => x !== null);
  speedReading.replaceChildren(...lines);
}

/** Adds cards for new metrics and drops cards whose metrics are gone, keeping group order. */
function syncCards(): void {
  const specs = buildCards(store.names(state.runIds), state.runIds.map((id) => headers.get(id)?.algorithm ?? null));
  const wanted = new Map<string, CardSpec>(specs.map((s) => [s.id, s]));
  for (const [id, card] of cards) {
    if (JSON.stringify(wanted.get(id)) !== JSON.stringify(card.spec)) { card.destroy(); cards.delete(id); }
  }
  const sections = GROUPS.map((g) => {
    const inGroup = specs.filter((s) => s.group === g.id);
    if (!inGroup.length) return null;
    const grid = h('div', { class: 'cards' });
    for (const spec of inGroup) {
      let card = cards.get(spec.id);
      if (!card) { card = new ChartCard(spec, cardContext, observers); cards.set(spec.id, card); }
      grid.append(card.el);
    }
    return h('section', { class: 'group', 'data-group': g.id }, h('h2', { class: 'group-title' }, g.title), g.id === 'speed' ? speedReading : null, grid);
  }).filter((x): x is HTMLElement => x !== null);
  groupsEl.replaceChildren(...sections);
  emptyEl.hidden = cards.size > 0;
  renderSpeedReading();
}

let frame = 0;
let timer = 0;
/** When the pending timer fires (performance.now()). */
let timerAt = 0;
/** No redraw starts before this time (performance.now()). */
let paceUntil = 0;
/** No redraw of cards outside the viewport starts before this time. */
let nearbyAt = 0;
const dirtyCards = new Set<ChartCard>();
/** Time a frame may spend redrawing cards before the rest wait for a later frame (at least one card per frame). Half
 * a 60 Hz frame: the canvas paint after the script costs about as much again, and with 12 ms the frames that drew
 * charts ran into a second vsync (bench:dashboard, load 5-6: streaming frame p95 33 -> 17 ms, event-to-point p95
 * 193 -> 145 ms, as a later frame now starts the next charts sooner). */
const FRAME_BUDGET_MS = 8;
/** Dirty cards outside the viewport (the 300 px margin drawn ahead of a scroll) are redrawn at most this often, and
 * only when no card in view waits: redrawing them on every point cost a third more per point for nothing the user
 * sees, and a card that scrolls in while stale is redrawn then. */
const NEARBY_INTERVAL_MS = 1000;
/** Redraws dirty cards a few per frame, the ones in the viewport first: on a busy machine a redraw of every card in
 * view can take longer than a frame. A card that changes again while it waits keeps its place; one redrawn goes to
 * the back of the queue. */
function scheduleRender(which: Iterable<ChartCard>): void {
  for (const c of which) { c.markDirty(); dirtyCards.add(c); }
  if (frame || !dirtyCards.size) return;
  const now = performance.now();
  const at = Math.max(paceUntil, [...dirtyCards].some((c) => c.inView) ? now : nearbyAt);
  if (timer && timerAt <= at) return;
  if (timer) window.clearTimeout(timer);
  timer = 0;
  if (at <= now) { frame = requestAnimationFrame(runRender); return; }
  timerAt = at;
  timer = window.setTimeout(() => { timer = 0; frame = requestAnimationFrame(runRender); }, at - now);
}
function runRender(): void {
  const start = performance.now();
  const inView = [...dirtyCards].filter((c) => c.inView);
  if (!inView.length) nearbyAt = start + NEARBY_INTERVAL_MS;
  // render() leaves a card far from the viewport dirty, to be drawn when it comes near
  for (const c of inView.length ? inView : [...dirtyCards]) {
    dirtyCards.delete(c);
    c.render();
    if (performance.now() - start >= FRAME_BUDGET_MS) break;
  }
  const script = performance.now() - start;
  // A redraw's cost includes the canvas paint after this callback, so it is read at the next frame; paceFactor
  // decides how much of it is left idle before the next redraw.
  frame = requestAnimationFrame(() => {
    frame = 0;
    const now = performance.now();
    const cost = Math.max(script, now - start - 1000 / 60);
    paceUntil = now + paceFactor(now) * cost;
    scheduleRender([]);
  });
}
function renderAll(): void { scheduleRender(cards.values()); }
/** When the user last scrolled, moved the pointer, clicked or typed in the page (performance.now()). */
let lastInputAt = -Infinity;
/** How long after the last input the page counts as in use: pacing leaves it room to respond. */
const IN_USE_MS = 1000;
for (const type of ['pointermove', 'pointerdown', 'wheel', 'scroll', 'keydown']) {
  window.addEventListener(type, () => { lastInputAt = performance.now(); }, { capture: true, passive: true });
}
/** Idle time left after a redraw, as a multiple of its cost: twice while the page is in use, so live points never
 * take more than a third of its time from scrolling and hovering; none while nobody touches it, where the only other
 * work is the next point (the frame budget still keeps each frame within a vsync). */
function paceFactor(now: number): number { return now - lastInputAt < IN_USE_MS ? 2 : 0; }

function onMessage(m: ToDashboard): void {
  switch (m.type) {
    case 'init':
      state.runIds = m.runs.map((r) => r.header.id);
      persist();
      headers.clear(); alerts.clear();
      configDiff = m.configDiff;
      for (const r of m.runs) { store.reset(r.header.id, r.series); headers.set(r.header.id, r.header); alerts.set(r.header.id, r.alerts); }
      renderHeaders(); renderAlertList(); syncCards(); renderAll();
      app.setAttribute('aria-busy', 'false');
      break;
    case 'append': {
      if (!state.runIds.includes(m.runId)) return;
      const { changed, newNames } = store.append(m.runId, m.series);
      if (newNames) { syncCards(); renderAll(); return; }
      const names = new Set(changed);
      if (changed.some((n) => n === 'step_time' || n.startsWith(TIMING_PREFIX))) renderSpeedReading();
      scheduleRender([...cards.values()].filter((c) => c.spec.lines.some((l) => names.has(l.metric) || (l.std && names.has(l.std)))));
      break;
    }
    case 'header': {
      const algorithmChanged = headers.get(m.header.id)?.algorithm !== m.header.algorithm;
      headers.set(m.header.id, m.header);
      renderHeaders();
      if (algorithmChanged) { syncCards(); renderAll(); }
      break;
    }
    case 'alerts':
      alerts.set(m.runId, m.alerts);
      renderAlertList();
      break;
    case 'exported':
      toolbar.say(m.message);
      break;
  }
}

// Elapsed and ETA move while a run is running.
setInterval(() => { if ([...headers.values()].some((r) => r.status === 'running')) renderHeaders(); }, 1000);

// VS Code switches the body class (vscode-light / vscode-dark / vscode-high-contrast) when the theme changes.
const themeObserver = new MutationObserver(() => { theme = readTheme(); renderHeaders(); renderAll(); });
themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

listen(isToDashboard, onMessage, () => ch.post({ type: 'ready' }));
