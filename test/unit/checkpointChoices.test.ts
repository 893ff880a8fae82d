// What the inference panel offers to load: each run's checkpoints newest first (a re-saved best model once, with its
// newest step), then its base model; and the folder a Runs-view checkpoint node names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkpointChoices, checkpointFromArg } from '../../extension/inference/checkpointChoices';
import type { RunSummary } from '../../extension/runs/types';

const run = (id: string, model: string | null, checkpoints: { step: number; path: string; kind: string }[]): RunSummary =>
  ({ id, dir: `/ws/runs/${id}`, model, checkpoints: checkpoints.map((c) => ({ type: 'checkpoint', time: 0, ...c })) }) as unknown as RunSummary;

test('checkpoints newest first, a re-saved best model once, then the base model', () => {
  const runs = [run('r1', 'builtin:tiny', [
    { step: 2, path: 'checkpoints/step_2', kind: 'step' },
    { step: 2, path: 'best_model', kind: 'best' },
    { step: 4, path: 'checkpoints/step_4', kind: 'step' },
    { step: 4, path: 'best_model', kind: 'best' },
    { step: 4, path: 'final', kind: 'final' },
  ]), run('r2', null, [])];
  assert.deepEqual(checkpointChoices(runs), [
    { label: 'r1 · final (step 4)', checkpoint: '/ws/runs/r1/final' },
    { label: 'r1 · best model (step 4)', checkpoint: '/ws/runs/r1/best_model' },
    { label: 'r1 · step 4', checkpoint: '/ws/runs/r1/checkpoints/step_4' },
    { label: 'r1 · step 2', checkpoint: '/ws/runs/r1/checkpoints/step_2' },
    { label: 'r1 · base model (builtin:tiny)', checkpoint: 'builtin:tiny' },
  ]);
});

test('a Runs-view checkpoint node names its folder; anything else names none', () => {
  const dirOf = (id: string) => (id === 'r1' ? '/ws/runs/r1' : undefined);
  const node = { kind: 'checkpoint', runId: 'r1', checkpoint: { path: 'best_model' } };
  assert.equal(checkpointFromArg(node, dirOf), '/ws/runs/r1/best_model');
  assert.equal(checkpointFromArg({ ...node, runId: 'gone' }, dirOf), undefined);
  assert.equal(checkpointFromArg({ kind: 'run', runId: 'r1' }, dirOf), undefined);
  assert.equal(checkpointFromArg('/some/folder', dirOf), '/some/folder');
  assert.equal(checkpointFromArg(undefined, dirOf), undefined);
});
