import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunSummary } from '../../extension/runs/types';
import { runDescription, runAccessibleLabel, statusBarText, etaMs, formatDuration, checkpointText, treeDescription } from '../../extension/views/runPresentation';

const run = (over: Partial<RunSummary>): RunSummary => ({
  id: 'demo-1', dir: '/r/demo-1', status: 'running', step: 10, maxSteps: 40, algorithm: 'grpo', model: 'builtin:tiny',
  device: 'cpu', startedAt: 1_000_000, finishedAt: null, lastEventAt: 1_050_000, latest: { reward: 0.51234 }, config: null,
  checkpoints: [], alerts: [], error: null, malformedLines: 0, warmStart: null, rlStepMs: 10_000, bestEval: null, ...over,
});

test('tree description, accessible label and status bar', () => {
  const now = 1_100_000; // 100 s after start, 10 of 40 steps done
  assert.equal(runDescription(run({}), now), 'running · step 10/40 · reward 0.512 · 1m 40s');
  assert.equal(runAccessibleLabel(run({})), 'Run demo-1, running, step 10/40, reward 0.512, 0 checkpoints');
  assert.equal(etaMs(run({}), now), 300_000);
  assert.equal(statusBarText(run({}), now), 'RL demo-1 · step 10/40 · r 0.512 · ETA 5m 00s');
  const done = run({ status: 'completed', finishedAt: 1_030_000, latest: {}, maxSteps: null });
  assert.equal(runDescription(done, now), 'completed · step 10 · 30s');
  assert.equal(etaMs(done, now), undefined);
  assert.equal(runDescription(run({ status: 'unknown' }), now).split(' · ')[0], 'ended without a final event');
  assert.equal(formatDuration(3_723_000), '1h 02m');
  // the Runs view says which algorithm each run trains with; a run from before the field existed was GRPO
  assert.equal(treeDescription(run({}), now), 'demo-1 · GRPO · 1m 40s');
  assert.equal(treeDescription(run({ algorithm: 'ppo', startedAt: null }), now), 'demo-1 · PPO');
  assert.equal(treeDescription(run({ algorithm: null }), now), 'demo-1 · GRPO · 1m 40s');
});

test('checkpoint rows say each thing once', () => {
  const c = (kind: 'step' | 'best' | 'final', over: Record<string, unknown> = {}) =>
    ({ type: 'checkpoint' as const, time: 1, step: 450, path: kind === 'step' ? 'checkpoints/step_450' : kind === 'final' ? 'final' : 'best_model', kind, ...over });
  assert.deepEqual(checkpointText(c('step')), { label: 'step 450', description: undefined });
  assert.deepEqual(checkpointText(c('final')), { label: 'final', description: 'step 450' });
  assert.deepEqual(checkpointText(c('best', { step: 40, metric: 'eval_accuracy', value: 0.75512345 })),
    { label: 'best model', description: 'eval_accuracy 0.7551 · step 40' });
});
