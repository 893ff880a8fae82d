import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { RunStore, type MalformedLineReport } from '../../extension/runs/runStore';
import { runStarted, metrics, samples, checkpoint, finished, resumed, T0 } from '../support/eventFixtures';

function setup(): { root: string; runDir: (id: string) => string; cleanup: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'rlstudio-runs-'));
  return {
    root,
    runDir: (id) => {
      const d = path.join(root, id);
      mkdirSync(d, { recursive: true });
      return d;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

const ev = (dir: string, ...lines: string[]): void => appendFileSync(path.join(dir, 'events.jsonl'), lines.map((l) => l + '\n').join(''));
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

test('a partial last line waits for its end; the step follows the file', async () => {
  const { root, runDir, cleanup } = setup();
  try {
    const dir = runDir('run-a');
    const full = metrics(2);
    writeFileSync(path.join(dir, 'events.jsonl'), `${runStarted({ maxSteps: 10 })}\n${metrics(1)}\n${full.slice(0, 25)}`);
    const reports: MalformedLineReport[] = [];
    const store = new RunStore({ roots: [root], pollIntervalMs: 0, onMalformedLine: (r) => reports.push(r) });
    await store.refresh();
    assert.equal(store.getRun('run-a')?.step, 1);
    assert.equal(store.getRun('run-a')?.maxSteps, 10);
    appendFileSync(path.join(dir, 'events.jsonl'), full.slice(25) + '\n');
    await store.refresh();
    const run = store.getRun('run-a')!;
    assert.equal(run.step, 2);
    assert.deepEqual(store.getMetricSeries('run-a').reward.steps, [1, 2]);
    assert.equal(reports.length, 0);
    assert.equal(run.malformedLines, 0);
  } finally {
    cleanup();
  }
});

test('malformed and interleaved lines are skipped and reported once each, with line numbers', async () => {
  const { root, runDir, cleanup } = setup();
  try {
    const dir = runDir('run-b');
    const m3 = metrics(3);
    const interleaved = m3.slice(0, 30) + metrics(4) + m3.slice(30); // two writers mixing bytes in one line
    ev(dir, runStarted(), metrics(1), 'not json at all', JSON.stringify({ type: 'metrics', time: T0 }), interleaved,
      JSON.stringify({ type: 'wat', time: T0 }), '', metrics(5));
    const reports: MalformedLineReport[] = [];
    const store = new RunStore({ roots: [root], pollIntervalMs: 0, onMalformedLine: (r) => reports.push(r) });
    await store.refresh();
    await store.refresh();
    ev(dir, '{"type": "metrics", "time": 1, "step": 6, "metrics": {"reward": 1}'); // unterminated object
    await store.refresh();
    await store.refresh();
    assert.deepEqual(reports.map((r) => r.lineNo), [3, 4, 5, 6, 9]);
    assert.match(reports[0].reason, /not JSON/);
    assert.match(reports[1].reason, /"step"/);
    assert.match(reports[3].reason, /unknown event type "wat"/);
    assert.ok(reports.every((r) => r.runId === 'run-b' && r.file.endsWith('events.jsonl')));
    const run = store.getRun('run-b')!;
    assert.equal(run.malformedLines, 5);
    assert.equal(run.step, 5);
    assert.deepEqual(store.getMetricSeries('run-b').reward.steps, [1, 5]);
  } finally {
    cleanup();
  }
});

test('status: completed, stopped, running (live pid or recent event), failed (pid gone, no run_finished), unknown (no pid, old)', async () => {
  const { root, runDir, cleanup } = setup();
  try {
    ev(runDir('done'), runStarted(), metrics(1), finished(1));
    ev(runDir('stopped'), runStarted(), metrics(1), checkpoint(1), finished(1, 'stopped'));
    ev(runDir('live'), runStarted({ pid: process.pid }), metrics(1));
    ev(runDir('dead'), runStarted({ pid: deadPid() }), metrics(1));
    ev(runDir('fresh'), runStarted({ time: Date.now() / 1000 }));
    ev(runDir('no-pid'), runStarted(), metrics(1));
    const store = new RunStore({ roots: [root], pollIntervalMs: 0 });
    await store.refresh();
    const status = Object.fromEntries(store.listRuns().map((r) => [r.id, r.status]));
    assert.deepEqual(status, { done: 'completed', stopped: 'stopped', live: 'running', dead: 'failed', fresh: 'running', 'no-pid': 'unknown' });
    assert.equal(store.getRun('dead')!.error, 'trainer exited without a final event (killed or crashed)');
    assert.equal(store.getRun('done')!.error, null);
    assert.deepEqual(store.getRun('stopped')!.checkpoints.map((c) => c.path), ['checkpoints/step_1']);
  } finally {
    cleanup();
  }
});

test('a run started later from a terminal appears; a deleted one disappears; change events carry new events', async () => {
  const { root, runDir, cleanup } = setup();
  try {
    const store = new RunStore({ roots: [root], pollIntervalMs: 0 });
    const seen: string[] = [];
    store.onDidChangeRun((e) => seen.push(...e.events.map((x) => `${e.runId}:${x.type}`)));
    let listChanges = 0;
    store.onDidChangeRuns(() => listChanges++);
    await store.refresh();
    assert.equal(store.listRuns().length, 0);
    const dir = runDir('from-terminal');
    ev(dir, runStarted(), metrics(1));
    await store.refresh();
    assert.deepEqual(seen, ['from-terminal:run_started', 'from-terminal:metrics']);
    assert.ok(listChanges >= 1);
    rmSync(dir, { recursive: true });
    await store.refresh();
    assert.equal(store.getRun('from-terminal'), undefined);
  } finally {
    cleanup();
  }
});

test('samples are kept as byte ranges and read back on demand; resume rewinds series and samples', async () => {
  const { root, runDir, cleanup } = setup();
  try {
    const dir = runDir('run-s');
    ev(dir, runStarted(), metrics(1), samples(1), metrics(2), samples(2), metrics(3), samples(3), checkpoint(2),
      finished(3, 'stopped'));
    const store = new RunStore({ roots: [root], pollIntervalMs: 0 });
    await store.refresh();
    assert.deepEqual(store.getSampleSteps('run-s'), [1, 2, 3]);
    const s2 = await store.readSamples('run-s', 2);
    assert.equal(s2?.step, 2);
    assert.equal(s2?.samples.length, 8);
    assert.equal(await store.readSamples('run-s', 9), undefined);
    ev(dir, resumed(2, process.pid), metrics(3), metrics(4));
    await store.refresh();
    const run = store.getRun('run-s')!;
    assert.equal(run.status, 'running');
    assert.equal(run.step, 4);
    assert.deepEqual(store.getMetricSeries('run-s').loss.steps, [1, 2, 3, 4]);
    assert.deepEqual(store.getSampleSteps('run-s'), [1, 2]);
  } finally {
    cleanup();
  }
});

test('a truncated or replaced file is read again from the start', async () => {
  const { root, runDir, cleanup } = setup();
  try {
    const dir = runDir('run-t');
    ev(dir, runStarted(), metrics(1), metrics(2), metrics(3));
    const store = new RunStore({ roots: [root], pollIntervalMs: 0 });
    await store.refresh();
    assert.equal(store.getRun('run-t')!.step, 3);
    writeFileSync(path.join(dir, 'events.jsonl'), `${runStarted()}\n${metrics(1)}\n`);
    await store.refresh();
    assert.equal(store.getRun('run-t')!.step, 1);
    assert.deepEqual(store.getMetricSeries('run-t').reward.steps, [1]);
  } finally {
    cleanup();
  }
});

test('non-finite metrics are null; pruned checkpoints leave the list; eval metrics get eval_ names', async () => {
  const { root, runDir, cleanup } = setup();
  try {
    const dir = runDir('run-n');
    ev(dir, runStarted(), JSON.stringify({ type: 'metrics', time: T0, step: 1, metrics: { loss: null, reward: 0.5 } }),
      checkpoint(1), checkpoint(2), checkpoint(3, ['checkpoints/step_1']),
      JSON.stringify({ type: 'eval', time: T0, step: 3, metrics: { reward: 0.75, eval_accuracy: 0.5 } }));
    const store = new RunStore({ roots: [root], pollIntervalMs: 0 });
    await store.refresh();
    const run = store.getRun('run-n')!;
    assert.equal(run.latest.loss, null);
    assert.equal(run.latest.eval_reward, 0.75);
    assert.equal(run.latest.eval_accuracy, 0.5);
    assert.deepEqual(store.getMetricSeries('run-n').loss.values, [null]);
    assert.deepEqual(run.checkpoints.map((c) => c.step), [2, 3]);
  } finally {
    cleanup();
  }
});

test('a killed trainer turns "failed" once its pid is gone and its last event is a few seconds old', async () => {
  const { root, runDir, cleanup } = setup();
  const trainer = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  try {
    await once(trainer, 'spawn');
    const start = Date.now();
    let clock = start;
    const dir = runDir('killed');
    ev(dir, runStarted({ pid: trainer.pid, time: start / 1000 }), metrics(1, start / 1000));
    const store = new RunStore({ roots: [root], pollIntervalMs: 0, exitGraceMs: 5000, now: () => clock });
    let listChanges = 0;
    store.onDidChangeRuns(() => listChanges++);
    await store.refresh();
    clock = start + 600_000; // silent for 10 minutes, but its process lives: a slow step, not a dead run
    assert.equal(store.getRun('killed')!.status, 'running');
    clock = start + 1000;
    trainer.kill('SIGKILL');
    await once(trainer, 'exit');
    assert.equal(store.getRun('killed')!.status, 'running', 'within the grace period after the last event');
    clock = start + 6000;
    const before = listChanges;
    await store.refresh();
    const run = store.getRun('killed')!;
    assert.equal(run.status, 'failed');
    assert.equal(run.error, 'trainer exited without a final event (killed or crashed)');
    assert.ok(listChanges > before, 'the status change is announced without a new event');
    // A resume from that run starts a new live process: running again, error gone.
    ev(dir, resumed(1, process.pid));
    await store.refresh();
    assert.deepEqual([store.getRun('killed')!.status, store.getRun('killed')!.error], ['running', null]);
  } finally {
    trainer.kill('SIGKILL');
    cleanup();
  }
});

test('a run launched by this window whose process exited without run_finished is failed', async () => {
  const { root, runDir, cleanup } = setup();
  try {
    const dir = runDir('launched');
    ev(dir, runStarted({ pid: process.pid }), metrics(1));
    const store = new RunStore({ roots: [root], pollIntervalMs: 0 });
    await store.refresh();
    store.setLiveProcess('launched', false); // the registry saw the exit; the pid in the events is not consulted
    assert.equal(store.getRun('launched')!.status, 'failed');
    ev(dir, finished(1, 'completed'));
    await store.refresh();
    assert.equal(store.getRun('launched')!.status, 'completed');
  } finally {
    cleanup();
  }
});

test('watch: a change after a quiet spell is read at once, the next ones at most once per interval', async () => {
  const { root, runDir, cleanup } = setup();
  // a long interval, so that waiting it out before the first read would show
  const store = new RunStore({ roots: [root], pollIntervalMs: 0, watch: true, watchDebounceMs: 1500 });
  try {
    const live = runDir('live');
    ev(live, runStarted({ pid: process.pid }), metrics(1));
    await store.start();
    const reads: number[] = [];
    store.onDidChangeRun(() => reads.push(Date.now()));
    const t0 = Date.now();
    ev(live, metrics(2));
    const deadline = t0 + 5000;
    while (store.getRun('live')!.step < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.ok(Date.now() - t0 < 750, `the first change was read at once (after ${Date.now() - t0} ms), not after the interval`);
    ev(live, metrics(3));
    while (store.getRun('live')!.step < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(store.getRun('live')!.step, 3);
    assert.ok(reads[1] - reads[0] >= 1400, `the next read waited for the interval (${reads[1] - reads[0]} ms apart)`);
  } finally {
    store.dispose();
    cleanup();
  }
});

test('watch: a running run\'s appended events arrive without polling, debounced; other runs wait for the poll', async () => {
  const { root, runDir, cleanup } = setup();
  const store = new RunStore({ roots: [root], pollIntervalMs: 0, watch: true, watchDebounceMs: 20 });
  try {
    const live = runDir('live');
    const done = runDir('done');
    ev(live, runStarted({ pid: process.pid }), metrics(1));
    ev(done, runStarted(), metrics(1), finished(1));
    await store.start();
    const batches: { runId: string; steps: number[] }[] = [];
    store.onDidChangeRun((e) => batches.push({ runId: e.runId, steps: e.events.map((x) => (x as { step: number }).step) }));
    for (let step = 2; step <= 41; step++) ev(live, metrics(step)); // a burst of 40 appends
    const deadline = Date.now() + 5000;
    while (store.getRun('live')!.step < 41 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(store.getRun('live')!.step, 41, 'read promptly, with no refresh() and no polling');
    assert.deepEqual(batches.flatMap((b) => b.steps), Array.from({ length: 40 }, (_, i) => i + 2), 'every event once, in order');
    assert.ok(batches.length <= 5, `the burst was coalesced into a few reads (${batches.length})`);
    ev(done, metrics(2));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(store.getRun('done')!.step, 1, 'a finished run is not watched');
    await store.refresh();
    assert.equal(store.getRun('done')!.step, 2, 'the poll path still reads it');
  } finally {
    store.dispose();
    cleanup();
  }
});
