// What the run's algorithm decides in the editor: the health checks (PPO's critic and approx-KL checks, GRPO's
// zero-std check only for GRPO), the chart groups, the header's config keys, and the speed group's step-time reading.
// A GRPO run must read exactly as it did before PPO existed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHealthAlerts } from '../../extension/runs/health';
import type { MetricSeries } from '../../extension/runs/types';
import { configSummary } from '../../extension/panels/runHeader';
import { buildCards } from '../../webview/dashboard/chartGroups';
import { stepTimeReading } from '../../webview/dashboard/stepTime';
import { runStartedEvent, stepEvents } from '../webview/helpers/recordedRun';
import { ppoRunStartedEvent, ppoStepEvents, PPO_METRICS, TIMING_METRICS } from '../webview/helpers/recordedPpoRun';
import type { TrainerEvent } from '../../schemas/generated/trainerEvent';

const series = (values: (number | null)[]): MetricSeries => ({ steps: values.map((_, i) => i + 1), values });
const flat = (n: number, v: number) => Array.from({ length: n }, () => v);
const codes = (s: Record<string, MetricSeries>, algorithm: string | null) => computeHealthAlerts(s, undefined, algorithm).map((a) => a.code);

function seriesOf(events: TrainerEvent[]): Record<string, MetricSeries> {
  const out: Record<string, MetricSeries> = {};
  for (const e of events) {
    if (e.type !== 'metrics') continue;
    for (const [k, v] of Object.entries(e.metrics)) { const s = (out[k] ??= { steps: [], values: [] }); s.steps.push(e.step); s.values.push(v); }
  }
  return out;
}

test('health: PPO watches its critic and its approx KL; GRPO keeps its own checks', () => {
  const healthy = seriesOf(ppoStepEvents({ runId: 'p', maxSteps: 40 }, 1, 40));
  assert.deepEqual(codes(healthy, 'ppo'), []);
  const broken = seriesOf(ppoStepEvents({ runId: 'p', maxSteps: 40, criticFails: 25 }, 1, 40));
  assert.deepEqual(codes(broken, 'ppo').sort(), ['explained_variance_negative', 'value_loss_exploding']);
  const ev = computeHealthAlerts(broken, undefined, 'ppo').find((a) => a.code === 'explained_variance_negative')!;
  assert.match(ev.message, /Explained variance of the value function is -0\.\d+ over the last 10 rollouts/);
  assert.match(ev.hint, /ppo\.vf_coef/);
  const spike = { ...healthy, 'policy/approxkl_avg': series([...flat(39, 0.004), 0.09]) };
  assert.deepEqual(codes(spike, 'ppo'), ['approxkl_spike']);
  assert.deepEqual(codes({ ...healthy, 'policy/approxkl_avg': series([...flat(39, 0.004), 0.015]) }, 'ppo'), [], 'below approxKlMin');
  // GRPO's zero-std check is GRPO's: a PPO run never logs groups, and a stray metric of that name does not warn it
  const zeroStd = { frac_reward_zero_std: series(flat(40, 0.95)) };
  assert.deepEqual(codes(zeroStd, 'grpo'), ['reward_zero_std']);
  assert.deepEqual(codes(zeroStd, 'ppo'), []);
  // the PPO checks stay off a GRPO run; the reference-KL spike reads each algorithm's own KL with its own hint
  assert.deepEqual(codes(broken, 'grpo'), []);
  assert.deepEqual(codes({ kl: series([...flat(39, 0.01), 0.5]) }, 'ppo'), []);
  assert.deepEqual(codes({ kl: series([...flat(39, 0.01), 0.5]) }, null), ['kl_spike'], 'a run without algorithm is GRPO');
  const refKl = computeHealthAlerts({ ...healthy, 'objective/kl': series([...flat(39, 0.5), 6]) }, undefined, 'ppo');
  assert.deepEqual(refKl.map((a) => a.code), ['kl_spike']);
  assert.match(refKl[0].hint, /ppo\.kl_coef/);
  assert.deepEqual(codes({ 'objective/kl': series([...flat(39, 0.5), 6]) }, 'grpo'), [], 'GRPO reads kl');
  // PPO's reward and entropy are objective/scores and objective/entropy
  assert.deepEqual(codes({ 'objective/scores': series(flat(25, 0)) }, 'ppo'), ['reward_stuck_zero']);
  const collapse = computeHealthAlerts({ 'objective/entropy': series([...flat(20, 40), ...flat(20, 1)]), 'objective/scores': series(flat(40, 0.3)) }, undefined, 'ppo');
  assert.deepEqual(collapse.map((a) => a.code), ['entropy_collapse']);
  assert.match(collapse[0].hint, /ppo\.kl_coef/);
});

/** Metrics logged once per rollout: one point at each `every`-th step, as the PPO trainer writes them. */
const perRollout = (n: number, every: number, v: (i: number) => number): MetricSeries =>
  ({ steps: Array.from({ length: n }, (_, i) => (i + 1) * every), values: Array.from({ length: n }, (_, i) => v(i)) });

test('health: a PPO run whose reward functions never fire is told so, by step and by reward spread', () => {
  // no warm start: the reward functions return 0 everywhere; missing_eos_penalty makes objective/scores negative, so
  // the check reads `reward` (what the functions returned), logged once per rollout of 4 optimizer steps
  const zero = { reward: perRollout(6, 4, () => 0), reward_std: perRollout(6, 4, () => 0), 'objective/scores': perRollout(6, 4, () => -1) };
  const stuck = computeHealthAlerts(zero, undefined, 'ppo');
  assert.deepEqual(stuck.map((a) => a.code), ['reward_stuck_zero'], 'six rollouts are fewer than a window: no spread verdict yet');
  assert.match(stuck[0].message, /exactly 0 in every step logged so far \(through step 24\)/);
  assert.deepEqual(codes({ reward: perRollout(4, 4, () => 0) }, 'ppo'), [], 'step 16 is before rewardZeroSteps (20)');
  assert.deepEqual(codes({ reward: perRollout(6, 4, (i) => (i === 5 ? 0.25 : 0)) }, 'ppo'), [], 'no longer stuck once reward moves');
  // ten rollouts in a row in which every completion scored the same: no reward signal in the advantages
  const flatReward = { reward: perRollout(12, 4, () => 0.5), reward_std: perRollout(12, 4, () => 0) };
  const spread = computeHealthAlerts(flatReward, undefined, 'ppo');
  assert.deepEqual(spread.map((a) => a.code), ['reward_no_spread']);
  assert.match(spread[0].message, /same reward \(0\.500\) in the last 10 logged rollouts/);
  assert.equal(spread[0].step, 48);
  assert.deepEqual(codes({ ...flatReward, reward_std: perRollout(12, 4, (i) => (i === 7 ? 0.1 : 0)) }, 'ppo'), []);
  assert.deepEqual(codes({ ...zero, reward: perRollout(12, 4, () => 0), reward_std: perRollout(12, 4, () => 0) }, 'ppo').sort(),
    ['reward_no_spread', 'reward_stuck_zero']);
  // GRPO's reward_std is the mean spread within groups, which its zero-std check covers: not read there
  assert.deepEqual(codes(flatReward, 'grpo'), []);
  // GRPO with logging_steps 5: 4 points of zero reward reach step 20
  assert.deepEqual(codes({ reward: perRollout(4, 5, () => 0) }, 'grpo'), ['reward_stuck_zero']);
});

test('chart groups: a PPO run gets its value, approx-KL, clip-fraction and reward cards; every PPO metric has a home', () => {
  const names = Object.keys(seriesOf(ppoStepEvents({ runId: 'p', maxSteps: 10 }, 1, 2)));
  const cards = buildCards(names, ['ppo']);
  const byId = Object.fromEntries(cards.map((c) => [c.id, c]));
  assert.deepEqual([...new Set(cards.map((c) => c.group))], ['rewards', 'policy', 'value', 'lengths', 'optimisation', 'speed']);
  assert.deepEqual(cards.filter((c) => c.group === 'value').map((c) => c.lines.map((l) => l.metric)), [['loss/value_avg'], ['val/explained_variance']]);
  assert.deepEqual(byId['ppo/reward'].lines.map((l) => l.metric), ['objective/scores', 'objective/rlhf_reward', 'objective/non_score_reward']);
  assert.deepEqual(byId['ppo/clipfrac'].lines.map((l) => l.metric), ['policy/clipfrac_avg', 'val/clipfrac_avg']);
  assert.equal(byId['ppo/approxkl'].group, 'policy');
  const placed = new Set(cards.flatMap((c) => c.lines.map((l) => l.metric)));
  for (const m of PPO_METRICS) assert.ok(placed.has(m), `${m} charted`);
  assert.ok(!cards.some((c) => c.group === 'other'), 'no PPO metric falls into "Other metrics"');
  // the speed group: step time with its parts on one card, then tokens/s and MFU
  assert.deepEqual(byId.step_time.lines.map((l) => l.label), ['step_time', 'generation', 'reference', 'old_logps', 'rewards', 'train']);
  assert.deepEqual(cards.filter((c) => c.group === 'speed').map((c) => c.id), ['step_time', 'tokens_per_second', 'mfu']);
  // read as GRPO, the same names would land under "Other": the algorithm is what places them
  assert.ok(buildCards(names, ['grpo']).some((c) => c.group === 'other'));
  // comparing a GRPO run with a PPO run shows both sets
  const grpoNames = Object.keys(seriesOf(stepEvents({ runId: 'g', maxSteps: 10 }, 1, 2)));
  const mixed = buildCards([...grpoNames, ...names], ['grpo', 'ppo']);
  assert.ok(mixed.some((c) => c.id === 'kl') && mixed.some((c) => c.id === 'ppo/value_loss'));
});

test('chart groups: a GRPO run reads exactly as before PPO existed', () => {
  const names = Object.keys(seriesOf(stepEvents({ runId: 'g', maxSteps: 10 }, 1, 2)));
  const cards = buildCards(names, ['grpo']);
  assert.deepEqual(cards, buildCards(names), 'grpo is the default');
  assert.deepEqual(cards, buildCards(names, [null]), 'a run without algorithm is GRPO');
  assert.deepEqual(cards.map((c) => `${c.group}:${c.id}:${c.lines.map((l) => l.label).join('+')}`), [
    'rewards:reward:reward+accuracy+format', 'rewards:frac_reward_zero_std:frac_reward_zero_std',
    'policy:loss:loss', 'policy:kl:kl', 'policy:entropy:entropy', 'policy:clip_ratio:high_mean+low_mean+region_mean',
    'lengths:completions/clipped_ratio:completions/clipped_ratio', 'lengths:completions/length:max_length+mean_length+min_length',
    'optimisation:grad_norm:grad_norm', 'optimisation:learning_rate:learning_rate',
    'speed:step_time:step_time', 'speed:tokens_per_second:tokens_per_second', 'speed:num_tokens:num_tokens']);
});

test('header: PPO shows its ppo block; GRPO its keys as before, and the newer GRPO settings only where they act', () => {
  const ppo = ppoRunStartedEvent({ runId: 'p', maxSteps: 10 });
  assert.ok(ppo.type === 'run_started');
  assert.deepEqual(configSummary(ppo.config, 'ppo'), [['lr', '0.000003'], ['batch', '8'], ['grad accum', '1'], ['ppo epochs', '4'],
    ['mini-batches', '2'], ['kl coef', '0.05'], ['kl estimator', 'k1'], ['cliprange', '0.2'], ['vf coef', '0.1'], ['cliprange value', '0.2'],
    ['gamma', '1'], ['lam', '0.95'], ['whiten rewards', 'false'], ['seed', '1'], ['rewards', 'accuracy']]);
  const grpo = runStartedEvent({ runId: 'g', maxSteps: 10 });
  assert.ok(grpo.type === 'run_started');
  const before = [['LoRA r', '8'], ['lr', '0.00001'], ['batch', '8'], ['grad accum', '2'], ['generations', '4'], ['max completion', '64'],
    ['beta', '0.04'], ['epsilon', '0.2'], ['loss', 'dapo'], ['temperature', '1'], ['seed', '1'], ['rewards', 'accuracy, format']];
  assert.deepEqual(configSummary(grpo.config, 'grpo'), before);
  assert.deepEqual(configSummary(grpo.config, null), before);
  // TRL 1.16 defaults filled in (as the trainer resolves them) add only what changes the loss
  const g = grpo.config as { grpo: Record<string, unknown> };
  const defaults = { advantage_estimator: 'grpo', use_bias_correction_kl: true, delta: null, top_entropy_quantile: 1, off_policy_mask_threshold: null,
    sapo_temperature_pos: 1, vespo_k_pos: 2, epsilon_high: null };
  const withDefaults = configSummary({ ...g, grpo: { ...g.grpo, ...defaults, beta: 0 } }, 'grpo');
  assert.deepEqual(withDefaults.map(([k]) => k), before.map(([k]) => k));
  const set = configSummary({ ...g, grpo: { ...g.grpo, ...defaults, loss_type: 'sapo', advantage_estimator: 'rloo', delta: 1.5,
    top_entropy_quantile: 0.2, off_policy_mask_threshold: 0.5, epsilon_high: 0.28 } }, 'grpo');
  const shown = Object.fromEntries(set);
  assert.equal(shown.loss, 'sapo');
  assert.equal(shown['sapo temperature +'], '1');
  assert.equal(shown['vespo k +'], undefined, 'vespo parameters only with loss_type vespo');
  assert.deepEqual([shown.advantage, shown.delta, shown['top entropy quantile'], shown['off-policy mask'], shown['epsilon high'], shown['bias-corrected KL']],
    ['rloo', '1.5', '0.2', '0.5', '0.28', 'true']);
  for (const loss of ['cispo', 'luspo', 'vespo']) assert.equal(Object.fromEntries(configSummary({ ...g, grpo: { ...g.grpo, loss_type: loss } }, 'grpo')).loss, loss);
});

test('step-time reading: the largest phase as a share of the step, the rest after it; absent phases left out', () => {
  const latest = (m: Record<string, number>) => (name: string) => m[name] ?? null;
  const m: Record<string, number> = { step_time: 2, 'timing/generation': 1.56, 'timing/reference': 0.08, 'timing/old_logps': 0.04, 'timing/rewards': 0.02, 'timing/train': 0.3 };
  assert.equal(stepTimeReading([...TIMING_METRICS, 'step_time'], latest(m)),
    'generation is 78% of the step (1.56 s of 2 s); train 15%, reference 4%, old log-probs 2%, rewards 1%');
  // num_iterations 1 and beta 0: no old-log-prob or reference pass, so the trainer logs neither
  assert.equal(stepTimeReading(['timing/generation', 'timing/train', 'step_time'], latest({ step_time: 4, 'timing/generation': 1, 'timing/train': 2.5 })),
    'train is 63% of the step (2.5 s of 4 s); generation 25%');
  assert.equal(stepTimeReading(['timing/generation', 'timing/train'], latest({ 'timing/generation': 3, 'timing/train': 1 })),
    'generation is 75% of the timed phases (3 s of 4 s); train 25%');
  assert.equal(stepTimeReading(['step_time', 'reward'], latest({ step_time: 2 })), null, 'no timing metrics, no reading');
});
