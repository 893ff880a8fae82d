// A notification for each run that ends while the window watches it, none for runs that had ended before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunSummary } from '../../extension/runs/types';
import { RunEndings } from '../../extension/views/runEndings';

const run = (id: string, status: RunSummary['status'], over: Partial<RunSummary> = {}): RunSummary => ({
  id, dir: `/r/${id}`, status, step: 20, maxSteps: 20, algorithm: 'grpo', model: 'builtin:tiny', device: 'cpu',
  startedAt: 1, finishedAt: null, lastEventAt: 2, latest: { reward: 0.95 }, config: null, checkpoints: [], alerts: [],
  error: null, malformedLines: 0, warmStart: null, rlStepMs: null, bestEval: null, ...over,
});

test('a run seen running that completes or fails is announced once; old finished runs are not', () => {
  const endings = new RunEndings();
  assert.deepEqual(endings.update([run('old', 'completed'), run('a', 'running'), run('b', 'running')]), []);
  const ended = endings.update([run('old', 'completed'), run('a', 'completed', { bestEval: { metric: 'eval_accuracy', value: 0.7551, step: 20 } }),
    run('b', 'failed', { step: 0, error: 'warm_start.completion_field nope' })]);
  assert.deepEqual(ended.map((e) => [e.run.id, e.status]), [['a', 'completed'], ['b', 'failed']]);
  assert.equal(ended[0].message, 'RL Studio: run a completed (step 20/20, reward 0.950, best eval_accuracy 0.7551 at step 20).');
  assert.equal(ended[1].message, 'RL Studio: run b failed at step 0: warm_start.completion_field nope');
  assert.deepEqual(endings.update([run('a', 'completed'), run('b', 'failed')]), [], 'announced once');
});
