// RunSummary times are Unix milliseconds throughout (extension/runs/types.ts); only the webview header speaks seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RunStore } from '../../extension/runs/runStore';
import { toRunHeader } from '../../extension/panels/runHeader';
import { elapsedMs } from '../../extension/views/runPresentation';
import { runStarted, metrics, finished, T0 } from '../support/eventFixtures';

test('startedAt, lastEventAt and finishedAt are all Unix ms; the dashboard header gets Unix seconds', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'rlstudio-times-'));
  try {
    mkdirSync(path.join(root, 'r'));
    writeFileSync(path.join(root, 'r', 'events.jsonl'), [runStarted(), metrics(1), metrics(2), finished(40)].join('\n') + '\n');
    const store = new RunStore({ roots: [root], pollIntervalMs: 0 });
    await store.refresh();
    const run = store.getRun('r')!;
    assert.equal(run.startedAt, T0 * 1000);
    assert.equal(run.finishedAt, (T0 + 41) * 1000); // finished(40) is written at T0 + 41 s
    assert.equal(run.lastEventAt, run.finishedAt);
    assert.equal(elapsedMs(run, Date.now()), 41_000);
    const header = toRunHeader(run);
    assert.deepEqual([header.startedAt, header.finishedAt, header.lastEventAt], [T0, T0 + 41, T0 + 41]);
    // a time close to the epoch is not mistaken for seconds (the old header guessed the unit from the size)
    assert.equal(toRunHeader({ ...run, startedAt: 5_000 }).startedAt, 5);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
