// A 100 MB events.jsonl: read without a crash, in memory bounded by the metric points (not the file size), with a
// malformed and a truncated line in the middle reported once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RunStore, type MalformedLineReport } from '../../extension/runs/runStore';
import { writeBigEventsFile } from '../support/bigEventsFile';
import { metrics } from '../support/eventFixtures';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
// Buffers' external memory is released by finalizers that run after a collection: collect until the figure settles,
// so what is measured is what the store holds, not what the collector has not got round to yet.
const heap = async (): Promise<number> => {
  let last = Infinity;
  for (let i = 0; i < 10; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
    const m = process.memoryUsage();
    const now = m.heapUsed + m.arrayBuffers;
    if (Math.abs(last - now) < 64 * 1024) return now;
    last = now;
  }
  return last;
};
const MB = 1 << 20;

test('100 MB events file: every event read, memory bounded, samples on demand', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'rlstudio-big-'));
  try {
    const dir = path.join(root, 'big-run');
    mkdirSync(dir);
    const file = path.join(dir, 'events.jsonl');
    const stats = writeBigEventsFile(file, { targetBytes: 100 * MB, samplesEvery: 1, completionChars: 300 });
    appendFileSync(file, 'garbage line\n' + metrics(stats.lastStep + 1).slice(0, 40)); // malformed + partial tail
    assert.ok(stats.bytes >= 100 * MB);

    const before = await heap();
    let peak = 0;
    const reports: MalformedLineReport[] = [];
    const store = new RunStore({ roots: [root], pollIntervalMs: 0, onMalformedLine: (r) => reports.push(r) });
    store.onDidChangeRun(() => (peak = Math.max(peak, process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers)));
    await store.refresh();
    await store.refresh();
    const retained = (await heap()) - before;
    const run = store.getRun('big-run')!;

    assert.equal(run.status, 'completed');
    assert.equal(run.step, stats.lastStep);
    assert.equal(store.getSampleSteps('big-run').length, stats.samplesEvents);
    assert.equal(store.getMetricSeries('big-run').reward.steps.length, stats.metricsEvents);
    assert.deepEqual(reports.map((r) => r.lineNo), [stats.events + 1]);
    const mid = store.getSampleSteps('big-run')[Math.floor(stats.samplesEvents / 2)];
    assert.equal((await store.readSamples('big-run', mid))?.samples.length, 8);

    // What stays is the metric arrays (16 series x 12 bytes x steps, plus growth slack), far below the file size.
    const seriesMB = store.seriesBytes() / MB;
    console.log(`# ${(stats.bytes / MB).toFixed(0)} MB, ${stats.events} events: retained ${(retained / MB).toFixed(1)} MB ` +
      `(series ${seriesMB.toFixed(1)} MB), peak growth ${((peak - before) / MB).toFixed(1)} MB`);
    assert.ok(retained < 25 * MB, `retained ${retained / MB} MB`);
    assert.ok(retained < seriesMB * MB * 2 + 5 * MB, 'memory is the metric series, not the file');
    assert.ok(peak - before < 120 * MB, `peak growth ${(peak - before) / MB} MB`);
    store.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
