// npm run bench:dashboard — the dashboard and samples webviews in headless Chromium, fed like the extension feeds them.
//  1. Latency from a metrics event appended to events.jsonl to the point drawn on the reward chart, and on the last of
//     the charts in view to draw it (each of them gets the point; they are redrawn a few per frame), at 20 events/s: the real RunStore tails the file (as the extension does: 1 s poll + fs.watch of running runs; the poll alone,
//     as before the watch; and a fast poll to show the rest of the path),
//     DashboardFeed turns the store's events into an append message (the coalescing of extension/panels/dashboardPanel.ts,
//     which needs vscode, is repeated here), the built bundle draws it. Printed split into file -> message posted and
//     posted -> drawn, with the renderer's CPU time per event (SystemInfo: not inflated by other work on the machine).
//  2. Frame times with 100,000 steps of every metric loaded (2.2M points) while live points stream in, the pointer
//     hovers and the page scrolls; and the cost of a zoom (every visible chart redrawn).
//  3. The samples viewer with 10,000 samples in one step: render time, search/sort time, frame times while scrolling.
// Options: --seconds N (latency phase, default 15), --poll MODE[,MODE] where MODE is a poll period in ms, with
// "+watch" for fs.watch on top (default 1000+watch,1000,50), --only PHASE[,PHASE] of latency,dashboard,samples.
// --peer REF (default efa5d2c, the dashboard before its level-of-detail cache; "none" to skip) builds that commit's
// dashboard bundle from git and measures it beside the current one in the same invocation, alternating A B / B A for
// --rounds N (default 2), and prints the medians and their ratio (current / peer) for the 1 s poll + fs.watch latency
// and the streaming frames (only the webview bundle differs: both sides read the file with this checkout's RunStore, so
// read-path changes show in the "file appended -> append message posted" split, not in the ratio). Issue 14's targets
// are printed against the current bundle's medians: event -> point p95 under 100 ms at 20 events/s, on the reward chart
// and on the last chart in view to show the point, and frame p95 under 33 ms while points stream into 100k-point charts.
// --profile FILE samples the renderer's main thread (CDP Profiler) during the current bundle's latency runs, writes
// the .cpuprofile to FILE (and a Chromium trace beside it, categories from RLSTUDIO_TRACE_CATEGORIES) and prints the
// functions with the most self time and the trace events with the most time per event.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { performance } from 'node:perf_hooks';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { startHarness, openPanel, type Harness, type OpenedPage } from '../webview/helpers/webviewPage';
import { RunsFolder } from '../webview/helpers/runFixture';
import { runStartedEvent, stepEvents, makeSamples, type RecordedRunOptions } from '../webview/helpers/recordedRun';
import { DashboardFeed } from '../../extension/panels/dashboardFeed';
import { DEFAULT_HEALTH_THRESHOLDS } from '../../extension/runs/health';
import { RunStore } from '../../extension/runs/runStore';
import type { SeriesData } from '../../webview/protocol';
import type { TrainerEvent } from '../../schemas/generated/trainerEvent';

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const SECONDS = Number(arg('seconds', '15'));
const MODES = arg('poll', '1000+watch,1000,50').split(',').map((m) => ({ pollMs: parseInt(m, 10), watch: m.endsWith('+watch') }));
const ONLY = arg('only', 'latency,dashboard,samples').split(',');
const PEER = arg('peer', 'efa5d2c');
const ROUNDS = Number(arg('rounds', '2'));
const PROFILE = arg('profile', '');
const TARGETS = { latencyP95Ms: 100, streamingFrameP95Ms: 33 };
const verdicts: string[] = [];
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

function verdict(what: string, p95: number, target: number): void {
  verdicts.push(`${p95 < target ? 'MET    ' : 'MISSED '} ${what}: p95 ${p95.toFixed(1)} ms (target < ${target} ms)`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A bundle to measure: the current build, or the peer commit's dashboard built into a temporary folder. */
interface Side { label: string; dist: string }
const ROOT = path.resolve(__dirname, '../../..');
const CURRENT: Side = { label: 'current', dist: path.join(ROOT, 'dist', 'webview') };

async function buildPeer(ref: string): Promise<Side & { dispose(): void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rlstudio-peer-'));
  const tar = execFileSync('git', ['archive', ref, 'webview', 'extension', 'schemas'], { cwd: ROOT, maxBuffer: 1 << 28 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  await esbuild.build({ entryPoints: [path.join(dir, 'webview/dashboard/main.ts')], outfile: path.join(dir, 'dist/dashboard.js'), bundle: true,
    platform: 'browser', format: 'iife', target: 'es2022', nodePaths: [path.join(ROOT, 'node_modules')], logLevel: 'warning' });
  return { label: `peer ${ref}`, dist: path.join(dir, 'dist'), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => quantile(s, p);
  return `median ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms (n=${s.length})`;
}

/** Share of the time spent in frames longer than two vsyncs (over 34 ms): a p95 of frame intervals counts one 300 ms
 * stall as one frame and ten 50 ms frames as ten, so a page that redraws rarely but for long can beat one that redraws
 * often and briefly. */
function slowShare(frames: number[]): string {
  const total = frames.reduce((a, b) => a + b, 0);
  const slow = frames.filter((f) => f > 34).reduce((a, b) => a + b, 0);
  return `${((100 * slow) / Math.max(1, total)).toFixed(0)}% of the time in frames over 34 ms`;
}

/** Records when the reward chart's last drawn step changes (set right after chart.js drew the canvas), and the same for
 * every chart in the viewport (the last of them to show a point is what a user watching the whole page waits for). */
async function watchDrawn(p: OpenedPage): Promise<void> {
  await p.page.evaluate(() => {
    const g = globalThis as any;
    g.__drawn = [];
    const card = g.document.querySelector('.card[data-card="reward"]');
    new g.MutationObserver(() => g.__drawn.push([Number(card.dataset.lastStep), g.performance.timeOrigin + g.performance.now()]))
      .observe(card, { attributes: true, attributeFilter: ['data-last-step'] });
    g.__drawnInView = [];
    for (const c of g.document.querySelectorAll('.card')) {
      const r = c.getBoundingClientRect();
      if (r.bottom <= 0 || r.top >= g.innerHeight) continue;
      const log: number[][] = [];
      g.__drawnInView.push(log);
      new g.MutationObserver(() => log.push([Number(c.dataset.lastStep), g.performance.timeOrigin + g.performance.now()]))
        .observe(c, { attributes: true, attributeFilter: ['data-last-step'] });
    }
    // every card's redraws, to read the renderer's CPU time per redraw (per event depends on how many events one
    // redraw covers)
    g.__redraws = 0;
    const all = new g.MutationObserver((list: unknown[]) => { g.__redraws += list.length; });
    for (const c of g.document.querySelectorAll('.card')) all.observe(c, { attributes: true, attributeFilter: ['data-drawn'] });
  });
}

/** CPU seconds used so far by the browser's renderer processes (the page's): unlike wall-clock figures, a machine
 * busy with other work does not inflate it. */
async function rendererCpu(h: Harness): Promise<number> {
  const cdp = await h.browser.newBrowserCDPSession();
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  await cdp.detach();
  return processInfo.filter((p) => p.type === 'renderer').reduce((sum, p) => sum + p.cpuTime, 0);
}

/** Frame-to-frame times for `ms` while `during` runs. */
async function frameTimes(p: OpenedPage, ms: number, during: () => Promise<void>): Promise<number[]> {
  await p.page.evaluate(() => {
    const g = globalThis as any;
    g.__frames = [];
    g.__framesOn = true;
    let last = g.performance.now();
    const tick = (t: number) => { g.__frames.push(t - last); last = t; if (g.__framesOn) g.requestAnimationFrame(tick); };
    g.requestAnimationFrame(tick);
  });
  const end = Date.now() + ms;
  await Promise.all([during(), sleep(ms)]);
  while (Date.now() < end) await sleep(20);
  return p.page.evaluate(() => { const g = globalThis as any; g.__framesOn = false; return g.__frames.slice(1); });
}

async function latency({ pollMs, watch }: { pollMs: number; watch: boolean }, side: Side = CURRENT): Promise<number> {
  const h = await startHarness(side.dist);
  const runs = new RunsFolder();
  const o: RecordedRunOptions = { runId: 'bench-live', maxSteps: 100_000, seed: 5 };
  // with a pid, like the real trainer: the store sees a live run (and watches it when asked to)
  runs.write(o.runId, [{ ...runStartedEvent(o), pid: process.pid } as TrainerEvent, ...stepEvents(o, 1, 1000)]);
  const store = new RunStore({ roots: [runs.root], pollIntervalMs: pollMs, watch, isPidAlive: () => true });
  await store.start();
  const feed = new DashboardFeed(store, o.runId, DEFAULT_HEALTH_THRESHOLDS);
  const p = await openPanel(h, 'dashboard', { height: 900 });
  await p.send({ type: 'init', runs: [feed.snapshot()] });
  await p.page.waitForSelector('.card[data-card="reward"][data-drawn]');
  await watchDrawn(p);
  // The extension's DashboardPanel: coalesce one store read into one message.
  let pending: any[] = [];
  let timer: NodeJS.Timeout | undefined;
  const posted = new Map<number, number>(); // step -> when its append message left the extension side
  store.onDidChangeRun(({ runId, events }) => {
    if (runId !== o.runId) return;
    pending.push(...events);
    timer ??= setTimeout(() => {
      timer = undefined;
      const u = feed.update(pending);
      pending = [];
      if (u.kind !== 'append') return;
      for (const step of u.series.reward?.steps ?? []) posted.set(step, now());
      void p.send({ type: 'append', runId: o.runId, series: u.series });
    }, 0);
  });
  const written = new Map<number, number>();
  const total = SECONDS * 20;
  const profiler = PROFILE && side === CURRENT ? await startProfile(h, p) : undefined;
  const cpu0 = await rendererCpu(h);
  const redraws0: number = await p.page.evaluate(() => (globalThis as any).__redraws);
  const t0 = now();
  for (let i = 1; i <= total; i++) {
    const step = 1000 + i;
    while (now() < t0 + i * 50) await sleep(1);
    runs.append(o.runId, stepEvents(o, step, step));
    written.set(step, now());
  }
  await p.page.waitForFunction((last) => (globalThis as any).__drawnInView.every((log: number[][]) => log.some((d) => d[0] >= last)),
    1000 + total, { timeout: pollMs * 3 + 5000 });
  const cpu = (await rendererCpu(h)) - cpu0;
  const redraws = (await p.page.evaluate(() => (globalThis as any).__redraws)) - redraws0;
  if (profiler) await profiler.stop(total);
  const drawn: [number, number][] = await p.page.evaluate(() => (globalThis as any).__drawn);
  const inView: [number, number][][] = await p.page.evaluate(() => (globalThis as any).__drawnInView);
  const lat: number[] = [], read: number[] = [], draw: number[] = [], lastLat: number[] = [];
  for (const [step, at] of written) {
    const first = drawn.find((d) => d[0] >= step);
    if (first) lat.push(first[1] - at);
    const shown = inView.map((log) => log.find((d) => d[0] >= step)?.[1]);
    if (shown.every((t) => t !== undefined)) lastLat.push(Math.max(...(shown as number[])) - at);
    const sent = posted.get(step);
    if (sent !== undefined) read.push(sent - at);
    if (first && sent !== undefined) draw.push(first[1] - sent);
  }
  const mode = `store poll ${pollMs} ms${watch ? ' + fs.watch' : ' only'}`;
  console.log(`[${side.label}] event appended -> point drawn, 20 events/s for ${SECONDS}s, ${mode}: ${stats(lat)}`);
  console.log(`  on the last of the ${inView.length} charts in view to show it: ${stats(lastLat)}`);
  // where the time went: tailing the file (store read, feed), then the message to the webview and its redraw
  console.log(`  of which file appended -> append message posted: ${stats(read)}; posted -> drawn: ${stats(draw)}; ` +
    `renderer CPU ${(cpu * 1000 / total).toFixed(1)} ms per event; ${(redraws / total).toFixed(1)} chart redraws per event, ` +
    `${(cpu * 1000 / Math.max(1, redraws)).toFixed(1)} ms of renderer CPU per redraw`);
  store.dispose();
  runs.dispose();
  await h.close();
  lastInViewP95.get(side.label)?.push(quantile(lastLat, 0.95));
  return quantile(lat, 0.95);
}
/** p95 of event -> point on the last chart in view to show it, per side, for the 1 s poll + fs.watch runs. */
const lastInViewP95 = new Map<string, number[]>();

/** Samples the page's main thread until stop(), then writes the profile to PROFILE and prints where the time went. */
async function startProfile(h: Harness, p: OpenedPage): Promise<{ stop(events: number): Promise<void> }> {
  await h.browser.startTracing(p.page, { categories: (process.env.RLSTUDIO_TRACE_CATEGORIES ?? 'devtools.timeline,disabled-by-default-devtools.timeline').split(',') });
  const cdp = await p.page.context().newCDPSession(p.page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return {
    async stop(events) {
      const { profile } = await cdp.send('Profiler.stop');
      await cdp.detach();
      // Top-level tasks' children on the renderer's threads, by name: where the time outside JavaScript goes.
      const traceText = (await h.browser.stopTracing()).toString();
      writeFileSync(PROFILE.replace(/(\.cpuprofile)?$/, '.trace.json'), traceText);
      const trace = JSON.parse(traceText) as { traceEvents: any[] };
      const threads = new Map<string, string>();
      for (const e of trace.traceEvents) if (e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args.name);
      const byName = new Map<string, number>();
      for (const e of trace.traceEvents) {
        if (e.ph !== 'X' || !e.dur) continue;
        const key = `${threads.get(`${e.pid}:${e.tid}`) ?? e.tid} ${e.name}`;
        byName.set(key, (byName.get(key) ?? 0) + e.dur / 1000);
      }
      const topTrace = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 30);
      console.log('  trace, inclusive time per event (ms):\n    ' + topTrace.map(([k, ms]) => `${(ms / events).toFixed(2)} ${k}`).join('\n    '));
      writeFileSync(PROFILE, JSON.stringify(profile));
      const self = new Map<string, number>();
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const dt = profile.timeDeltas ?? [];
      (profile.samples ?? []).forEach((id, i) => {
        const f = byId.get(id)!.callFrame;
        const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
        self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
      });
      const top = [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 25);
      console.log(`  profile written to ${PROFILE}; self time per event (ms):\n    ` + top.map(([k, ms]) => `${(ms / events).toFixed(2)} ${k}`).join('\n    '));
    },
  };
}

function bigSeries(steps: number): Record<string, SeriesData> {
  const o: RecordedRunOptions = { runId: 'bench-big', maxSteps: steps, seed: 9 };
  const out: Record<string, SeriesData> = {};
  const chunk = 1000;
  for (let from = 1; from <= steps; from += chunk) {
    for (const e of stepEvents(o, from, Math.min(steps, from + chunk - 1))) {
      if (e.type !== 'metrics') continue;
      for (const [k, v] of Object.entries(e.metrics)) {
        const s = (out[k] ??= { steps: [], values: [] });
        s.steps.push(e.step);
        s.values.push(v);
      }
    }
  }
  return out;
}

async function bigDashboard(side: Side = CURRENT): Promise<number> {
  const h = await startHarness(side.dist);
  const N = 100_000;
  const series = bigSeries(N);
  const points = Object.values(series).reduce((n, s) => n + s.steps.length, 0);
  const p = await openPanel(h, 'dashboard', { height: 900 });
  const t = now();
  await p.send({
    type: 'init', runs: [{ header: { id: 'bench-big', status: 'running', step: N, maxSteps: 2 * N, algorithm: 'grpo', model: 'builtin:tiny', device: 'cpu',
      startedAt: Date.now() / 1000 - 3600, finishedAt: null, lastEventAt: Date.now() / 1000, configSummary: [], hasConfig: false, error: null }, series, alerts: [] }],
  });
  await p.page.waitForSelector('.card[data-card="reward"][data-drawn]');
  console.log(`[${side.label}] dashboard: ${N.toLocaleString('en-US')} steps x ${Object.keys(series).length} metrics = ${points.toLocaleString('en-US')} points; init message to first charts drawn ${(now() - t).toFixed(0)} ms`);
  const o: RecordedRunOptions = { runId: 'bench-big', maxSteps: N * 2, seed: 9 };
  let step = N;
  const live = async () => {
    for (let i = 0; i < 100; i++) {
      step++;
      const e = stepEvents(o, step, step)[0] as any;
      const s: Record<string, SeriesData> = {};
      for (const [k, v] of Object.entries(e.metrics)) s[k] = { steps: [step], values: [v as number] };
      await p.send({ type: 'append', runId: 'bench-big', series: s });
      await sleep(50);
    }
  };
  // How busy the renderer's main thread was (CDP Performance metrics: wall-clock time inside tasks, so a busy machine
  // inflates it too) and how many chart redraws that bought.
  const cdp = await p.page.context().newCDPSession(p.page);
  await cdp.send('Performance.enable');
  const busy = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  await p.page.evaluate(() => {
    const g = globalThis as any;
    g.__redraws = 0;
    g.__redrawWatch = new g.MutationObserver((list: unknown[]) => { g.__redraws += list.length; });
    for (const c of g.document.querySelectorAll('.card')) g.__redrawWatch.observe(c, { attributes: true, attributeFilter: ['data-drawn'] });
  });
  const before = await busy();
  const cpu0 = await rendererCpu(h);
  const t0 = now();
  const streaming = await frameTimes(p, 5000, live);
  const after = await busy();
  const cpu = (await rendererCpu(h)) - cpu0;
  const wall = (now() - t0) / 1000;
  const ms = (k: string) => ((after[k] - before[k]) * 1000) / wall;
  console.log(`  frames while 20 points/s stream in: ${stats(streaming)}, ${slowShare(streaming)}; renderer CPU ${(cpu * 1000 / wall).toFixed(0)} ms per second (${(cpu * 10).toFixed(1)} ms per point of each metric)`);
  const redraws: number = await p.page.evaluate(() => { const g = globalThis as any; g.__redrawWatch.disconnect(); return g.__redraws; });
  console.log(`  renderer main thread while streaming: ${ms('TaskDuration').toFixed(0)} ms busy per second (script ${ms('ScriptDuration').toFixed(0)}, ` +
    `layout + style ${(ms('LayoutDuration') + ms('RecalcStyleDuration')).toFixed(0)}); ${redraws} chart redraws, ` +
    `${((after.TaskDuration - before.TaskDuration) * 1000 / Math.max(1, redraws)).toFixed(1)} ms of main-thread time per redraw`);
  const hover = async () => {
    const box = (await p.page.locator('.card[data-card="reward"] canvas').boundingBox())!;
    for (let i = 0; i < 120; i++) { await p.page.mouse.move(box.x + 50 + (i * 7) % (box.width - 100), box.y + box.height / 2); await sleep(16); }
  };
  console.log(`  frames while hovering (live values): ${stats(await frameTimes(p, 3000, hover))}`);
  const scroll = async () => { for (let i = 0; i < 60; i++) { await p.page.mouse.wheel(0, i < 30 ? 120 : -120); await sleep(40); } };
  console.log(`  frames while scrolling through the chart groups: ${stats(await frameTimes(p, 3000, scroll))}`);
  const zoom: number[] = [];
  for (const r of [[20_000, 60_000], [1, N], [50_000, 50_500], null]) {
    const t1 = now();
    await p.page.evaluate((range) => {
      const g = globalThis as any;
      const from = g.document.querySelector('.range-from'), to = g.document.querySelector('.range-to');
      if (range) { from.value = String(range[0]); to.value = String(range[1]); from.dispatchEvent(new g.Event('change')); }
      else g.document.querySelector('.reset-zoom').click();
      return new Promise((res) => g.requestAnimationFrame(() => g.requestAnimationFrame(res)));
    }, r);
    zoom.push(now() - t1);
  }
  console.log(`  zoom to a step range (all visible charts redrawn): ${stats(zoom)}`);
  await h.close();
  return quantile(streaming, 0.95);
}

async function bigSamples(): Promise<void> {
  const h = await startHarness();
  const samples = makeSamples({ runId: 'bench-samples', maxSteps: 10, seed: 4, groups: 625, perGroup: 16 }, 10);
  const p = await openPanel(h, 'samples', { height: 900 });
  await p.send({ type: 'init', runId: 'bench-samples', steps: [10], evalSteps: [], running: false, logCompletions: true, completionsSteps: 10 });
  await p.waitForPosted('requestSamples');
  const t = now();
  await p.send({ type: 'samples', runId: 'bench-samples', step: 10, source: 'train', samples });
  await p.page.waitForFunction(() => /10000 of 10000 completions/.test((globalThis as any).document.querySelector('.summary').textContent));
  await p.page.evaluate(() => new Promise((res) => (globalThis as any).requestAnimationFrame(res)));
  console.log(`samples: ${samples.length.toLocaleString('en-US')} samples in one step; message to table shown ${(now() - t).toFixed(0)} ms`);
  const scroll = async () => { for (let i = 0; i < 80; i++) { await p.page.mouse.wheel(0, 600); await sleep(30); } };
  console.log(`  frames while scrolling (groups added as they come into view): ${stats(await frameTimes(p, 3500, scroll))}`);
  console.log(`  rows in the page after scrolling: ${await p.page.locator('.sample-row').count()}`);
  const ops: number[] = [];
  for (const [sel, value, ev] of [['vscode-textfield.search', 'Question 12', 'input'], ['vscode-single-select.sort-select', 'reward-desc', 'change'], ['vscode-textfield.search', '', 'input']]) {
    const t1 = now();
    await p.page.evaluate(([s, v, e]) => {
      const g = globalThis as any;
      const el = g.document.querySelector(s);
      el.value = v;
      el.dispatchEvent(new g.Event(e));
    }, [sel, value, ev]);
    await p.page.waitForFunction((v) => (globalThis as any).__state?.search === v || (globalThis as any).__state?.sort === v, value);
    await p.page.evaluate(() => new Promise((res) => (globalThis as any).requestAnimationFrame(res)));
    ops.push(now() - t1);
  }
  console.log(`  search / sort / clear search over 10,000 samples (incl. 120 ms typing debounce for search): ${ops.map((x) => x.toFixed(0)).join(' / ')} ms`);
  await h.close();
}

/** Runs `measure` on the current bundle and the peer, alternating the order each round; prints medians and ratio. */
async function sideBySide(what: string, sides: Side[], measure: (side: Side) => Promise<number>, target: number): Promise<void> {
  const got = new Map<string, number[]>(sides.map((s) => [s.label, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const side of r % 2 ? [...sides].reverse() : sides) got.get(side.label)!.push(await measure(side));
  }
  const cur = median(got.get(CURRENT.label)!);
  const peer = sides.length > 1 ? median(got.get(sides[1].label)!) : null;
  const parts = [...got].map(([label, xs]) => `${label} p95 median ${median(xs).toFixed(1)} ms (${xs.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`== ${what}: ${parts.join('; ')}${peer ? `; current / peer ${(cur / peer).toFixed(2)}` : ''}`);
  verdict(what, cur, target);
}

(async () => {
  console.log(`dashboard bench on ${process.platform}, node ${process.version}, chromium headless, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`);
  const peer = PEER === 'none' ? undefined : await buildPeer(PEER);
  const sides = peer ? [CURRENT, peer] : [CURRENT];
  try {
    if (ONLY.includes('latency')) {
      for (const mode of MODES.filter((m) => !(m.pollMs === 1000 && m.watch))) await latency(mode);
      if (MODES.some((m) => m.pollMs === 1000 && m.watch)) {
        for (const s of sides) lastInViewP95.set(s.label, []);
        await sideBySide('event -> point at 20 events/s (store poll 1000 ms + fs.watch, as the extension runs)', sides,
          (side) => latency({ pollMs: 1000, watch: true }, side), TARGETS.latencyP95Ms);
        console.log(`== the same on the last chart in view to show the point: ${[...lastInViewP95].map(([label, xs]) =>
          `${label} p95 median ${median(xs).toFixed(1)} ms (${xs.map((x) => x.toFixed(0)).join(', ')})`).join('; ')}`);
        verdict('event -> point on the last chart in view to show it', median(lastInViewP95.get(CURRENT.label)!), TARGETS.latencyP95Ms);
        lastInViewP95.clear();
      }
    }
    if (ONLY.includes('dashboard')) await sideBySide('frames while streaming into 100,000-point charts', sides, bigDashboard, TARGETS.streamingFrameP95Ms);
    if (ONLY.includes('samples')) await bigSamples();
  } finally {
    peer?.dispose();
  }
  if (verdicts.length) console.log(`issue 14 targets (current bundle, medians over ${ROUNDS} rounds; machine: ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}):\n  ${verdicts.join('\n  ')}`);
})().catch((e) => { console.error(e); process.exit(1); });
