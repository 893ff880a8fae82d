// What a new user's first, short run looks like in the panels (light, dark and high contrast; screenshots kept in
// test-artifacts/webview/first-run-*): the dashboard of a 20-step run after a 200-step warm start spans the RL steps
// and gives the warm start its own section; the header shows warm start n/N while it runs, then the final reward
// and the best eval; the samples viewer shows snake_case code unclipped and bidi control characters as marks, and
// offers the eval samples.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPanel, type Harness } from './helpers/webviewPage';
import { THEMES } from './helpers/themes';
import { RunsFolder } from './helpers/runFixture';
import { runStartedEvent, stepEvents, makeSamples, type RecordedRunOptions } from './helpers/recordedRun';
import { DashboardFeed } from '../../extension/panels/dashboardFeed';
import { DEFAULT_HEALTH_THRESHOLDS } from '../../extension/runs/health';
import { sampleStepsOf } from '../../extension/panels/sampleSteps';
import type { Sample, TrainerEvent } from '../../schemas/generated/trainerEvent';

const T0 = Math.floor(Date.now() / 1000) - 90;
const SHORT: RecordedRunOptions = { t0: T0, runId: 'arithmetic-short', maxSteps: 20, seed: 5, samplesEvery: 10 };
const WARM_STEPS = 200;
// Trojan Source: RLO ... PDI make "admin" code read differently from what it is; LRI/PDI, ZWSP and a BOM too.
const BIDI = 'if access_level != "user\u202e \u2066// check if admin\u2069 \u2066" {\u200b\ufeff';
const SNAKE = 'window.__pwned = max_completion_length_tokens';

function warmStart(o: RecordedRunOptions, upTo: number, finished: boolean): TrainerEvent[] {
  const out: TrainerEvent[] = [{ type: 'phase', time: T0 + 1, step: 0, phase: 'warm_start', status: 'started', steps: WARM_STEPS }];
  for (let s = 10; s <= upTo; s += 10) out.push({ type: 'metrics', time: T0 + 1 + s * 0.1, step: s, phase: 'warm_start', metrics: { loss: 3 / Math.sqrt(s), grad_norm: 1 } });
  if (finished) out.push({ type: 'phase', time: T0 + 25, step: 0, phase: 'warm_start', status: 'finished', steps: WARM_STEPS, metrics: { loss: 0.2 } });
  return out;
}

function evalAt(step: number, accuracy: number, samples?: Sample[]): TrainerEvent {
  return { type: 'eval', time: T0 + 30 + step * 2.5, step, metrics: { reward: accuracy + 0.3, accuracy }, is_best: true, samples };
}

const evalSamples: Sample[] = [
  { group: 0, index: 0, prompt: 'Write the check.', completion: BIDI, rewards: { accuracy: 0 }, reward: 0, advantage: 0, length: 20, truncated: false },
  { group: 0, index: 1, prompt: 'Write the check.', completion: SNAKE, rewards: { accuracy: 1 }, reward: 1, advantage: 0, length: 12, truncated: false },
];

let h: Harness;
let runs: RunsFolder;
before(async () => {
  h = await startHarness();
  runs = new RunsFolder();
  const steps = stepEvents(SHORT, 1, 20).filter((e) => e.type !== 'samples');
  runs.write(SHORT.runId, [runStartedEvent(SHORT), ...warmStart(SHORT, WARM_STEPS, true), evalAt(0, 0.05),
    ...steps.slice(0, steps.length / 2), evalAt(10, 0.755),
    ...steps.slice(steps.length / 2),
    { type: 'samples', time: T0 + 80, step: 20, samples: [...makeSamples(SHORT, 20).slice(0, 2), ...evalSamples.map((s, i) => ({ ...s, group: 9, index: i }))] },
    evalAt(20, 0.6, evalSamples),
    { type: 'checkpoint', time: T0 + 81, step: 10, path: 'best_model', kind: 'best', metric: 'eval_accuracy', value: 0.755 },
    { type: 'run_finished', time: T0 + 82, step: 20, status: 'completed', reason: 'max_steps' }]);
  runs.write('warming-up', [runStartedEvent({ ...SHORT, runId: 'warming-up' }), ...warmStart(SHORT, 40, false)]);
  runs.write('no-samples', [runStartedEvent({ ...SHORT, runId: 'no-samples' }), ...stepEvents(SHORT, 1, 3).filter((e) => e.type !== 'samples'),
    { type: 'run_finished', time: T0 + 20, step: 3, status: 'completed', reason: 'max_steps' }]);
  await runs.load();
});
after(async () => { await h?.close(); runs?.dispose(); });

async function dashboard(runId: string, theme: (typeof THEMES)[number]) {
  const p = await openPanel(h, 'dashboard', { theme, height: 2600 });
  await p.send({ type: 'init', runs: [new DashboardFeed(runs.store, runId, DEFAULT_HEALTH_THRESHOLDS).snapshot()] });
  return p;
}

const xRange = (p: Awaited<ReturnType<typeof dashboard>>, card: string) =>
  p.page.locator(`.card[data-card="${card}"]`).getAttribute('data-x-range').then((v) => JSON.parse(v!) as [number, number]);

for (const theme of THEMES) {
  test(`dashboard of a short run after a warm start (${theme})`, async () => {
    const p = await dashboard(SHORT.runId, theme);
    await p.page.waitForSelector('.card[data-card="warm_start/loss"][data-x-range]');
    await p.page.waitForSelector('.card[data-card="reward"][data-x-range]');
    // RL charts span the RL steps (0: the first eval, 20: the last step), not the warm start's 200
    assert.deepEqual(await xRange(p, 'reward'), [0, 20]);
    assert.deepEqual(await xRange(p, 'warm_start/loss'), [10, WARM_STEPS]);
    assert.equal(await p.page.locator('.group[data-group="warm_start"] .card').count(), 2);
    assert.equal(await p.page.locator('.group[data-group="other"]').count(), 0, 'nothing left under "Other"');
    assert.equal(await p.page.locator('.group[data-group="eval"] h3').first().textContent(), 'Eval reward (mean ± std; per reward function)');
    const header = (await p.page.textContent('.run-header'))!;
    assert.match(header, /step\s*20 \/ 20/);
    assert.match(header, /final reward\s*\d\.\d+/);
    assert.match(header, /best eval_accuracy\s*0\.755 @ step 10/);
    await p.screenshot(`first-run-dashboard-${theme}`);
    assert.deepEqual(p.errors, []);
    await p.page.context().close();
  });
}

test('the dashboard of a run in its warm start says "warm start n/N"', async () => {
  const p = await dashboard('warming-up', 'dark');
  await p.page.waitForSelector('.run-header');
  assert.match((await p.page.textContent('.field-step'))!, /^warm start\s*40 \/ 200$/);
  assert.equal(await p.page.locator('vscode-progress-bar').getAttribute('aria-label'), 'warm start 40 / 200');
  assert.match((await p.page.textContent('.field-eta'))!, /—/, 'no ETA before the first RL step');
  await p.page.context().close();
});

async function samplesViewer(runId: string, theme: (typeof THEMES)[number], width = 1100) {
  const p = await openPanel(h, 'samples', { theme, width, height: 900 });
  let answered = 0;
  const answer = async () => {
    const asks = (await p.posted()).filter((m) => m.type === 'requestSamples');
    for (const ask of asks.slice(answered)) {
      const source = ask.source === 'eval' ? 'eval' : 'train';
      const ev = await runs.store.readSamples(runId, Number(ask.step), source);
      await p.send({ type: 'samples', runId, step: ask.step, source, samples: ev?.samples ?? [] });
    }
    answered = asks.length;
  };
  await p.send({ type: 'init', ...sampleStepsOf(runs.store, runId) });
  return { p, answer };
}

for (const theme of THEMES) {
  test(`samples viewer: snake_case unclipped, bidi controls shown as marks, eval samples offered (${theme})`, async () => {
    const { p, answer } = await samplesViewer(SHORT.runId, theme);
    await p.waitForPosted('requestSamples');
    await answer();
    await p.page.waitForSelector('.group-box[data-group="9"]');
    const options = await p.page.locator('vscode-single-select.step-select vscode-option').allTextContents();
    assert.deepEqual(options.map((o) => o.trim()), ['eval at step 20', 'step 20']);
    assert.match((await p.page.textContent('.summary'))!, /^step 20: /, 'opens on the latest training step');
    const shown = await p.page.locator('.group-box[data-group="9"] pre.completion').allTextContents();
    // every hidden character is a visible, named mark; everything else is the text as written
    assert.equal(shown[0], 'if access_level != "userRLO LRI// check if adminPDI LRI" {ZWSPBOM');
    assert.equal(shown[1], SNAKE);
    assert.equal(await p.page.locator('.group-box[data-group="9"] .hidden-char').count(), 6);
    assert.equal(await p.page.locator('.hidden-char[data-code-point="8238"]').first().getAttribute('title'), 'U+202E (RLO), a hidden character shown as a mark');
    // a one-line completion's box has room below the baseline for underscores (it used to be one 16 px line, clipped)
    const box = await p.page.locator('.group-box[data-group="9"] pre.completion').nth(1).evaluate((el: any) => {
      const cs = (globalThis as any).getComputedStyle(el);
      return { lineHeight: parseFloat(cs.lineHeight), fontSize: parseFloat(cs.fontSize), height: el.clientHeight };
    });
    assert.ok(box.lineHeight >= 1.4 * box.fontSize && box.height >= box.lineHeight, JSON.stringify(box));
    await p.page.locator('.group-box[data-group="9"]').scrollIntoViewIfNeeded();
    await p.screenshot(`first-run-samples-${theme}`, false);

    await p.page.locator('vscode-single-select.step-select').evaluate((el: any) => { el.value = 'eval:20'; el.dispatchEvent(new Event('change')); });
    await p.waitForPosted('requestSamples', 2);
    await answer();
    await p.page.waitForFunction(() => /^eval at step 20: 2 of 2 completions/.test((globalThis as any).document.querySelector('.summary').textContent));
    assert.deepEqual(p.errors, []);
    await p.page.context().close();
  });
}

test('an empty samples viewer names the real setting and does not say "yet" of a finished run', async () => {
  const { p } = await samplesViewer('no-samples', 'light');
  const text = (await p.page.locator('.groups .empty').textContent())!;
  assert.match(text, /^This run logged no samples: .*logging\.completions_steps/);
  assert.doesNotMatch(text, /samples_every|yet/);
  await p.page.context().close();
});
