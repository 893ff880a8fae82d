// A recorded PPO run in the built dashboard bundle (headless Chromium), fed by the real RunStore and DashboardFeed:
// its own chart groups (value function, approx KL, clip fractions, rewards), the `ppo` block in the header, the PPO
// health checks, and the speed group's step-time reading, updated live.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPanel, unexpectedRequests, type Harness } from './helpers/webviewPage';
import { RunsFolder } from './helpers/runFixture';
import { ppoRunStartedEvent, ppoStepEvents, PPO_METRICS, type RecordedPpoOptions } from './helpers/recordedPpoRun';
import { DashboardFeed } from '../../extension/panels/dashboardFeed';
import { DEFAULT_HEALTH_THRESHOLDS } from '../../extension/runs/health';

const RUN: RecordedPpoOptions = { t0: Math.floor(Date.now() / 1000) - 100, runId: 'ppo-a', maxSteps: 60, criticFails: 25 };
let h: Harness;
let runs: RunsFolder;

before(async () => {
  h = await startHarness();
  runs = new RunsFolder();
  runs.write(RUN.runId, [ppoRunStartedEvent(RUN), ...ppoStepEvents(RUN, 1, 40)]);
  await runs.load();
});
after(async () => { await h?.close(); runs?.dispose(); });

test('a PPO run: value, policy and reward groups with TRL PPO names, ppo header, critic alerts, step-time reading', async () => {
  const p = await openPanel(h, 'dashboard', { height: 4000 });
  const feed = new DashboardFeed(runs.store, RUN.runId, DEFAULT_HEALTH_THRESHOLDS);
  await p.send({ type: 'init', runs: [feed.snapshot()] });
  await p.page.waitForSelector('.card[data-card="ppo/value_loss"][data-drawn]');
  await p.page.waitForFunction(() => [...(globalThis as any).document.querySelectorAll('.card')].every((c: any) => c.dataset.drawn));

  const groups = await p.page.$$eval('.group', (els) => els.map((g: any) => [g.dataset.group, g.querySelector('.group-title').textContent]));
  assert.deepEqual(groups.map((g) => g[0]), ['rewards', 'policy', 'value', 'lengths', 'optimisation', 'speed']);
  assert.equal(groups[2][1], 'Value function (critic)');
  const cards: Record<string, { group: string; points: Record<string, number> }> = await p.page.evaluate(() => Object.fromEntries(
    [...(globalThis as any).document.querySelectorAll('.card')].map((c: any) => [c.dataset.card, { group: c.closest('.group').dataset.group, points: JSON.parse(c.dataset.points) }])));
  assert.deepEqual(cards['ppo/value_loss'], { group: 'value', points: { 'value loss': 40 } });
  assert.deepEqual(cards['ppo/explained_variance'], { group: 'value', points: { 'explained variance': 40 } });
  assert.deepEqual(cards['ppo/approxkl'].points, { 'approx KL': 40 });
  assert.deepEqual(cards['ppo/clipfrac'].points, { policy: 40, value: 40 });
  assert.deepEqual(cards['ppo/reward'].points, { score: 40, 'RLHF reward': 40, 'non-score reward': 40 });
  const charted = Object.values(cards).reduce((n, c) => n + Object.keys(c.points).length, 0);
  assert.equal(charted, PPO_METRICS.length + 2 + 6 + 2, 'every PPO metric, grad norm + lr, step time with its 5 parts, tokens/s + MFU');

  const header = (await p.page.textContent('.run-header'))!;
  assert.match(header, /algorithm\s*ppo/);
  for (const re of [/ppo epochs:?\s*4/, /mini-batches:?\s*2/, /kl coef:?\s*0\.05/, /cliprange:?\s*0\.2/, /vf coef:?\s*0\.1/, /lam:?\s*0\.95/]) assert.match(header, re);
  assert.doesNotMatch(header, /generations|beta/);

  // The critic broke at step 25: explained variance below 0 and a value loss many times its start. GRPO's zero-std
  // check does not apply to PPO.
  assert.equal(await p.page.locator('.alert[data-code="explained_variance_negative"]').count(), 1);
  assert.equal(await p.page.locator('.alert[data-code="value_loss_exploding"]').count(), 1);
  assert.equal(await p.page.locator('.alert[data-code="reward_zero_std"]').count(), 0);

  const reading = () => p.page.textContent('.group[data-group="speed"] .step-time-reading');
  assert.equal(await reading(), 'Latest step: generation is 78% of the step (1.56 s of 2 s); train 15%, reference 4%, old log-probs 2%, rewards 1%');
  // a new step where training dominates: the reading follows the latest logged values
  runs.append(RUN.runId, [{ type: 'metrics', time: RUN.t0! + 82, step: 41, phase: 'rl',
    metrics: { step_time: 2, 'timing/generation': 0.5, 'timing/train': 1.4, 'timing/rewards': 0.1 } }]);
  const u = feed.update(await runs.refresh(RUN.runId));
  assert.equal(u.kind, 'append');
  if (u.kind === 'append') await p.send({ type: 'append', runId: RUN.runId, series: u.series });
  await p.page.waitForFunction(() => /train is 70%/.test((globalThis as any).document.querySelector('.step-time-reading')?.textContent ?? ''));
  // (no reference or old-log-prob pass logged at this step: left out, not taken from step 40)
  assert.equal(await reading(), 'Latest step: train is 70% of the step (1.4 s of 2 s); generation 25%, rewards 5%');

  await p.screenshot('dashboard-ppo-dark');
  assert.deepEqual(await p.cspViolations(), []);
  assert.deepEqual(unexpectedRequests(h.origin, 'dashboard', p.requests), []);
  assert.deepEqual(p.errors, []);
  await p.page.context().close();
});
