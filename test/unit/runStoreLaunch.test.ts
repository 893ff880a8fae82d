// A run this window launches is listed as running from the start, before the trainer has written anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RunStore } from '../../extension/runs/runStore';
import { runStarted, finished } from '../support/eventFixtures';

test('a launched run with a still-empty directory survives rescans as running, then follows its events', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'rlstudio-launch-'));
  const dir = path.join(root, 'run-new');
  mkdirSync(dir); // what the extension creates before spawning; the trainer writes config.json seconds later
  const store = new RunStore({ roots: [root], pollIntervalMs: 0 });
  try {
    const id = store.trackRunDir(dir, true);
    await store.refresh();
    await store.refresh();
    assert.equal(store.getRun(id)?.status, 'running', 'still listed, as running, while its directory is empty');

    writeFileSync(path.join(dir, 'events.jsonl'), runStarted({ runId: id, pid: process.pid }) + '\n' + finished(3) + '\n');
    await store.refresh();
    assert.equal(store.getRun(id)?.status, 'completed');

    // once its process is gone and its directory deleted, the next scan drops it
    store.setLiveProcess(id, false);
    rmSync(dir, { recursive: true, force: true });
    await store.refresh();
    assert.equal(store.getRun(id), undefined);
  } finally {
    store.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
