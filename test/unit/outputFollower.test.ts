// The reloaded window follows a live run's process output; the lines a run writes as it ends (the stop message)
// arrive together with run_finished and must still reach the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RunStore } from '../../extension/runs/runStore';
import { OutputFollower } from '../../extension/trainer/outputFollower';
import { PROCESS_OUTPUT_FILE } from '../../extension/trainer/trainerRegistry';
import { runStarted, metrics, finished } from '../support/eventFixtures';

const until = async (what: string, probe: () => boolean): Promise<void> => {
  for (const t0 = Date.now(); !probe(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() - t0 > 5000) assert.fail(`timed out waiting for ${what}`);
  }
};

test('a followed run: new output lines reach the log, including those written with run_finished', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'rlstudio-follow-'));
  const dir = path.join(root, 'run-a');
  mkdirSync(dir);
  const now = Date.now() / 1000;
  const eventsFile = path.join(dir, 'events.jsonl');
  const outputFile = path.join(dir, PROCESS_OUTPUT_FILE);
  // this test process stands in for the live trainer: its pid is alive
  writeFileSync(eventsFile, runStarted({ runId: 'run-a', pid: process.pid, time: now }) + '\n' + metrics(1, now) + '\n');
  writeFileSync(outputFile, 'printed before this window attached\n');
  const store = new RunStore({ roots: [root], pollIntervalMs: 0 });
  const lines: string[] = [];
  const follower = new OutputFollower(store, () => false, (runId, line) => lines.push(`[${runId}] ${line}`), 30);
  try {
    await store.refresh();
    assert.equal(store.getRun('run-a')?.status, 'running');
    await new Promise((r) => setTimeout(r, 100)); // the follower attaches at the file's current end
    appendFileSync(outputFile, '[rl] step 2/9\r[rl] step 3/9\n');
    await until('the live line', () => lines.length === 1);
    assert.deepEqual(lines, ['[run-a] [rl] step 3/9'], 'only what came after attaching; the last of \\r-overwritten updates');

    // the stop: the message and run_finished land between two polls
    appendFileSync(outputFile, 'SIGINT received: finishing the current step\nstopped at step 3\n');
    appendFileSync(eventsFile, finished(3, 'stopped') + '\n');
    await store.refresh();
    assert.equal(store.getRun('run-a')?.status, 'stopped');
    await until('the final lines', () => lines.length === 3);
    assert.deepEqual(lines.slice(1), ['[run-a] SIGINT received: finishing the current step', '[run-a] stopped at step 3']);
  } finally {
    follower.dispose();
    store.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
