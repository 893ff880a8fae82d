// The DOM-free logic behind the panels: health alerts, decimation, chart grouping, samples arrangement, the feed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHealthAlerts, resolveThresholds, DEFAULT_HEALTH_THRESHOLDS } from '../../extension/runs/health';
import type { MetricSeries } from '../../extension/runs/types';
import { RawSeries } from '../../webview/dashboard/rawSeries';
import { decimate } from '../../webview/dashboard/decimation';
import { buildCards } from '../../webview/dashboard/chartGroups';
import { flatSeriesBounds, tickDigits } from '../../webview/dashboard/axes';
import { arrange, rewardColumns, tokenView } from '../../webview/samples/model';
import { runIdFromArgs, runIdsFromArgs } from '../../extension/panels/commandArgs';
import { contentSecurityPolicy, renderWebviewHtml } from '../../extension/panels/html';
import { DashboardFeed } from '../../extension/panels/dashboardFeed';
import { RunsFolder } from './helpers/runFixture';
import { runStartedEvent, stepEvents, makeSamples } from './helpers/recordedRun';

const series = (values: (number | null)[], start = 1): MetricSeries => ({ steps: values.map((_, i) => i + start), values });
const codes = (s: Record<string, MetricSeries>) => computeHealthAlerts(s).map((a) => a.code);
const flat = (n: number, v: number) => Array.from({ length: n }, () => v);

test('health: each alert fires on its condition and stays quiet on a healthy run', () => {
  const healthy = {
    reward: series(Array.from({ length: 40 }, (_, i) => 0.2 + i * 0.01)), frac_reward_zero_std: series(flat(40, 0.2)),
    entropy: series(flat(40, 1.5)), kl: series(flat(40, 0.01)), 'completions/clipped_ratio': series(flat(40, 0.05)),
    'completions/mean_length': series(flat(40, 50)),
  };
  assert.deepEqual(codes(healthy), []);
  assert.deepEqual(codes({ ...healthy, loss: series([0.1, null, 0.2]) }), ['nonfinite_step']);
  assert.deepEqual(codes({ ...healthy, frac_reward_zero_std: series(flat(40, 0.95)) }), ['reward_zero_std']);
  assert.deepEqual(codes({ ...healthy, reward: series(flat(25, 0)) }), ['reward_stuck_zero']);
  assert.deepEqual(codes({ ...healthy, reward: series([...flat(25, 0), 0.5]) }), [], 'no longer stuck once reward moves');
  assert.deepEqual(codes({ ...healthy, entropy: series([...flat(20, 1.5), ...flat(20, 0.05)]) }), ['entropy_collapse']);
  // entropy falling while the reward climbs to 1.0 (a run that worked): information, not a warning
  const solved = computeHealthAlerts({ ...healthy, reward: series([...flat(20, 0.2), ...flat(20, 1)]), entropy: series([...flat(20, 1.5), ...flat(20, 0.05)]) });
  assert.deepEqual(solved.map((a) => [a.code, a.level]), [['entropy_converged', 'info']]);
  assert.deepEqual(codes({ ...healthy, kl: series([...flat(39, 0.01), 0.5]) }), ['kl_spike']);
  assert.deepEqual(codes({ ...healthy, kl: series([...flat(39, 0.01), 0.05]) }), [], 'below klMin is not a spike');
  assert.deepEqual(codes({ ...healthy, 'completions/clipped_ratio': series(flat(40, 0.7)) }), ['clipped_ratio_high']);
  assert.deepEqual(codes({ ...healthy, 'completions/mean_length': series([...flat(20, 50), ...flat(20, 150)]) }), ['length_explosion']);
  const nan = computeHealthAlerts({ grad_norm: series([1, null, null], 10) })[0];
  assert.equal(nan.level, 'error');
  assert.match(nan.message, /grad_norm at 2 steps \(first: step 11\)/);
  assert.ok(nan.hint.length > 20);
});

test('health thresholds: settings override, invalid values fall back', () => {
  const t = resolveThresholds({ zeroStdFraction: 0.5, klMin: 'x', window: -3 });
  assert.equal(t.zeroStdFraction, 0.5);
  assert.equal(t.klMin, DEFAULT_HEALTH_THRESHOLDS.klMin);
  assert.equal(t.window, DEFAULT_HEALTH_THRESHOLDS.window);
  assert.deepEqual(computeHealthAlerts({ frac_reward_zero_std: series(flat(10, 0.6)) }, t).map((a) => a.code), ['reward_zero_std']);
});

test('decimation keeps extremes and gaps, and everything when it fits', () => {
  const s = new RawSeries();
  for (let i = 0; i < 100_000; i++) s.push(i, i === 50_000 ? 1000 : i === 70_000 ? null : Math.sin(i / 100));
  assert.equal(s.length, 100_000);
  const d = decimate(s, s.values, -Infinity, Infinity, 500);
  assert.ok(d.length <= 500 * 5 && d.length > 500, `${d.length} points`);
  assert.ok(d.some((p) => p.y === 1000), 'spike kept');
  assert.ok(d.some((p) => p.y === null && p.x === 70_000), 'gap kept');
  const zoom = decimate(s, s.values, 100, 299, 500);
  assert.equal(zoom.length, 200);
  assert.deepEqual([zoom[0].x, zoom[199].x], [100, 299]);
  const sm = s.smoothed(0.9);
  assert.equal(sm.length >= s.length, true);
  assert.ok(Math.abs(sm[0] - s.values[0]) < 1e-12, 'debiased start');
  assert.ok(Number.isNaN(sm[70_000]));
  s.push(100_000, 5);
  assert.ok(Number.isFinite(s.smoothed(0.9)[100_000]), 'smoothing extends incrementally');
  assert.deepEqual(s.nearest(49_999.6), { step: 50_000, value: 1000, index: 50_000 });
});

test('chart groups: TRL names land in the group a person looks for them in', () => {
  const cards = buildCards(['reward', 'reward_std', 'rewards/acc/mean', 'rewards/acc/std', 'kl', 'entropy', 'clip_ratio/low_mean',
    'completions/mean_length', 'completions/clipped_ratio', 'grad_norm', 'learning_rate', 'step_time', 'eval_reward', 'custom/thing', 'warm_start/loss']);
  const byId = Object.fromEntries(cards.map((c) => [c.id, c]));
  assert.deepEqual(byId.reward.lines, [{ metric: 'reward', label: 'reward', std: 'reward_std' }, { metric: 'rewards/acc/mean', label: 'acc', std: 'rewards/acc/std' }]);
  assert.equal(byId.kl.group, 'policy');
  assert.equal(byId.clip_ratio.group, 'policy');
  assert.equal(byId['completions/length'].group, 'lengths');
  assert.equal(byId.eval_reward.group, 'eval');
  assert.equal(byId['custom/thing'].group, 'other');
  assert.ok(!('reward_std' in byId) && !('rewards/acc/std' in byId), 'stds are bands, not charts');
  assert.deepEqual([...new Set(cards.map((c) => c.group))], ['rewards', 'policy', 'lengths', 'optimisation', 'speed', 'eval', 'warm_start', 'other']);
  // warm-start metrics: their own section and step axis, not "Other" on the RL axis
  assert.deepEqual([byId['warm_start/loss'].group, byId['warm_start/loss'].axis, byId['warm_start/loss'].title], ['warm_start', 'warm_start', 'Warm-start loss']);
  assert.equal(byId.reward.axis, 'rl');
});

test('chart groups: evaluation cards read as words, one reward card with its band, drawn unsmoothed', () => {
  const cards = buildCards(['reward', 'eval_reward', 'eval_reward_std', 'eval_rewards/accuracy/mean', 'eval_rewards/accuracy/std',
    'eval_accuracy', 'eval_completions/mean_length', 'eval_completions/clipped_ratio']);
  const evalCards = cards.filter((c) => c.group === 'eval');
  assert.deepEqual(evalCards.map((c) => c.title), ['Eval reward (mean ± std; per reward function)', 'Eval accuracy',
    'Eval completion clipped ratio', 'Eval completion mean length']);
  assert.deepEqual(evalCards[0].lines, [{ metric: 'eval_reward', label: 'reward', std: 'eval_reward_std' },
    { metric: 'eval_rewards/accuracy/mean', label: 'accuracy', std: 'eval_rewards/accuracy/std' }]);
  assert.ok(evalCards.every((c) => !c.smooth), 'a 10-point eval series keeps its peak');
  assert.ok(cards.find((c) => c.id === 'reward')!.smooth);
  assert.deepEqual(cards.find((c) => c.id === 'reward')!.lines.map((l) => l.metric), ['reward'], 'eval lines stay off the RL reward card');
});

test('axes: a flat series gets a readable range; tick labels never repeat', () => {
  assert.deepEqual(flatSeriesBounds(200, 200), { min: 180, max: 220 });
  assert.deepEqual(flatSeriesBounds(0, 0), { min: -0.1, max: 0.1 });
  assert.equal(flatSeriesBounds(0.2, 0.9), undefined);
  assert.equal(tickDigits(0.9995, 0.0001), 4);
  assert.equal(tickDigits(200.0004, 0.0001), 7);
  assert.equal(tickDigits(0.5, 0.1), 3);
});

test('samples: grouping, sorting, search, reward columns, token mask', () => {
  const samples = makeSamples({ runId: 'r', maxSteps: 10, groups: 3, perGroup: 4 }, 5);
  assert.deepEqual(rewardColumns(samples), ['accuracy', 'format']);
  const byGroup = arrange(samples, 'group', '');
  assert.deepEqual(byGroup.map((g) => g.samples.map((s) => s.position)), [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]);
  const desc = arrange(samples, 'advantage-desc', '');
  for (const g of desc) for (let i = 1; i < g.samples.length; i++) assert.ok(g.samples[i - 1].advantage >= g.samples[i].advantage);
  assert.deepEqual(arrange(samples, 'group', 'QUESTION 1').map((g) => g.group), [1]);
  const tv = tokenView(samples[0])!;
  assert.equal(tv.tokens.length, samples[0].tokens!.length);
  assert.equal(tv.trained, samples[0].tokens!.length - 2);
  assert.equal(tokenView({ ...samples[0], tokens: undefined }), null);
});

test('command arguments: run id, tree item, multi-selection', () => {
  assert.equal(runIdFromArgs(['r1']), 'r1');
  assert.equal(runIdFromArgs([{ runId: 'r2', label: 'x' }]), 'r2');
  assert.equal(runIdFromArgs([]), undefined);
  assert.deepEqual(runIdsFromArgs([['a', 'b']]), ['a', 'b']);
  assert.deepEqual(runIdsFromArgs([{ runId: 'a' }, [{ runId: 'a' }, { runId: 'c' }]]), ['a', 'c']);
});

test('webview html: strict CSP with a nonce, nothing remote', () => {
  const csp = contentSecurityPolicy('https://res.example', 'abc123');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc123'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-(inline|eval)|https?:\/\/(?!res\.example)/);
  const html = renderWebviewHtml({ title: 't', scriptUri: 'https://res.example/d.js', styleUri: 'https://res.example/d.css', cspSource: 'https://res.example', nonce: 'abc123' });
  assert.match(html, /<script nonce="abc123" src="https:\/\/res\.example\/d\.js"><\/script>/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
});

test('dashboard feed: snapshot, appends from store events, reset on resume', async () => {
  const runs = new RunsFolder();
  try {
    const o = { runId: 'feed', maxSteps: 50, evalEvery: 5 };
    runs.write('feed', [runStartedEvent(o), ...stepEvents(o, 1, 10)]);
    await runs.load();
    const feed = new DashboardFeed(runs.store, 'feed', DEFAULT_HEALTH_THRESHOLDS);
    const snap = feed.snapshot()!;
    assert.equal(snap.series.reward.steps.length, 10);
    assert.equal(snap.series.eval_reward.steps.length, 2);
    runs.append('feed', stepEvents(o, 11, 15));
    const u = feed.update(await runs.refresh('feed'));
    assert.equal(u.kind, 'append');
    if (u.kind === 'append') {
      assert.deepEqual(u.series.reward.steps, [11, 12, 13, 14, 15]);
      assert.deepEqual(u.series.eval_reward.steps, [15]);
      assert.deepEqual(u.series.kl.values, runs.store.getMetricSeries('feed').kl.values.slice(10));
    }
    assert.equal(feed.update([]).kind, 'none');
    runs.append('feed', [{ type: 'resumed', time: 1, step: 12, checkpoint: 'checkpoints/step_12' }, ...stepEvents(o, 13, 14)]);
    assert.equal(feed.update(await runs.refresh('feed')).kind, 'reset');
  } finally {
    runs.dispose();
  }
});
