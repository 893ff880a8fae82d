// The warm start as its own phase (progress "warm start n/N" in the Runs view and the status bar), the ETA from RL
// step times only, eval samples offered next to the training samples, and a just-launched run at the top of the list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RunStore } from '../../extension/runs/runStore';
import { runStarted, metrics, samples, T0 } from '../support/eventFixtures';
import { etaMs, runAccessibleLabel, statusBarText, treeLabel } from '../../extension/views/runPresentation';

const line = (o: object): string => JSON.stringify(o);
const phase = (p: string, status: string, steps: number, time: number): string => line({ type: 'phase', time, step: 0, phase: p, status, steps });
const warmMetrics = (step: number, time: number): string => line({ type: 'metrics', time, step, phase: 'warm_start', metrics: { loss: 3 / step } });

async function withRun(lines: string[], fn: (store: RunStore, file: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'rlstudio-phase-'));
  try {
    mkdirSync(path.join(root, 'r'));
    const file = path.join(root, 'r', 'events.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const store = new RunStore({ roots: [root], pollIntervalMs: 0, isPidAlive: () => true });
    await store.refresh();
    await fn(store, file);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('during the warm start the run reads "warm start n/N"; the RL steps and the ETA take over after it', async () => {
  // 60 s of model loading, then a 200-step warm start logged every 10 steps
  await withRun([runStarted({ maxSteps: 20, pid: 4242 }), phase('warm_start', 'started', 200, T0 + 60),
    warmMetrics(10, T0 + 61), warmMetrics(20, T0 + 62)], async (store, file) => {
    let run = store.getRun('r')!;
    assert.deepEqual(run.warmStart, { step: 20, steps: 200, finished: false });
    assert.equal(treeLabel(run), 'warm start 20/200');
    assert.match(runAccessibleLabel(run), /^Run r, running, warm start 20\/200, 0 checkpoints$/);
    assert.match(statusBarText(run, Date.now()), / · warm start 20\/200$/, 'no ETA before an RL step');
    assert.equal(etaMs(run), undefined);

    appendFileSync(file, [phase('warm_start', 'finished', 200, T0 + 80), metrics(1, T0 + 90), metrics(2, T0 + 92), metrics(3, T0 + 94)].join('\n') + '\n');
    await store.refresh();
    run = store.getRun('r')!;
    assert.equal(run.warmStart?.finished, true);
    assert.match(treeLabel(run), /^running 3\/20 · r \d\.\d{3}$/);
    // 2 s per RL step: 17 steps left = 34 s (the 90 s of loading and warm start before step 1 do not count)
    assert.equal(run.rlStepMs, 2000);
    assert.equal(etaMs(run), 34_000);
  });
});

test('eval samples are offered as their own source; a run without run_started yet is listed first', async () => {
  const evalEvent = line({ type: 'eval', time: T0 + 5, step: 4, metrics: { accuracy: 0.5 },
    samples: [{ group: 0, prompt: 'p', completion: 'snake_case_answer', rewards: {}, reward: 1, advantage: 0, length: 3, truncated: false }] });
  await withRun([runStarted({ maxSteps: 4 }), metrics(4), samples(4), evalEvent], async (store) => {
    assert.deepEqual(store.getSampleSteps('r'), [4]);
    assert.deepEqual(store.getSampleSteps('r', 'eval'), [4]);
    const ev = await store.readSamples('r', 4, 'eval');
    assert.equal(ev?.samples[0].completion, 'snake_case_answer');
    assert.notEqual((await store.readSamples('r', 4))?.samples[0].completion, 'snake_case_answer');

    const fresh = path.join(path.dirname(store.getRun('r')!.dir), 'just-launched');
    mkdirSync(fresh);
    store.trackRunDir(fresh, true);
    await store.refresh();
    assert.deepEqual(store.listRuns().map((r) => r.id), ['just-launched', 'r']);
  });
});
