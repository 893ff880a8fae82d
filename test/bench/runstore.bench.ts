// npm run bench:runstore — RunStore throughput and memory on a 1,000,000-event events.jsonl
// (16 metrics a step, a samples event every 10 steps, checkpoints every 1000 steps).
// usage: node out/test/bench/runstore.bench.js [events=1000000]
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RunStore } from '../../extension/runs/runStore';
import { writeBigEventsFile } from '../support/bigEventsFile';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1 << 20;
const mem = (): { heap: number; rss: number } => {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.arrayBuffers, rss: m.rss };
};

async function main(): Promise<void> {
  const targetEvents = Number(process.argv[2] ?? 1_000_000);
  const root = mkdtempSync(path.join(tmpdir(), 'rlstudio-bench-'));
  try {
    const dir = path.join(root, 'bench-run');
    mkdirSync(dir);
    const stats = writeBigEventsFile(path.join(dir, 'events.jsonl'), { targetEvents, samplesEvery: 10, completionChars: 300 });
    const before = mem();
    let peakHeap = 0;
    const store = new RunStore({ roots: [root], pollIntervalMs: 0 });
    const sample = setInterval(() => {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed + m.arrayBuffers);
    }, 5);
    const t0 = process.hrtime.bigint();
    await store.refresh();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    clearInterval(sample);
    const after = mem();
    const run = store.getRun('bench-run')!;
    if (run.step !== stats.lastStep) throw new Error(`read step ${run.step}, expected ${stats.lastStep}`);

    const t1 = process.hrtime.bigint();
    const series = store.getMetricSeries('bench-run');
    const seriesMs = Number(process.hrtime.bigint() - t1) / 1e6;
    const t2 = process.hrtime.bigint();
    await store.readSamples('bench-run', store.getSampleSteps('bench-run').at(-1)!);
    const sampleMs = Number(process.hrtime.bigint() - t2) / 1e6;

    const rows: [string, string][] = [
      ['file', `${(stats.bytes / MB).toFixed(1)} MB, ${stats.events} events (${stats.metricsEvents} metrics, ${stats.samplesEvents} samples)`],
      ['full read', `${seconds.toFixed(2)} s`],
      ['events parsed / s', `${Math.round(stats.events / seconds).toLocaleString('en-US')}`],
      ['MB read / s', `${(stats.bytes / MB / seconds).toFixed(1)}`],
      ['RunStore retained (heap+buffers)', `${((after.heap - before.heap) / MB).toFixed(1)} MB`],
      ['  of which metric arrays', `${(store.seriesBytes() / MB).toFixed(1)} MB for ${Object.keys(series).length} series x ${series.reward.steps.length} points`],
      ['peak heap growth while reading', `${((peakHeap - before.heap) / MB).toFixed(1)} MB`],
      ['rss after', `${(after.rss / MB).toFixed(0)} MB`],
      ['getMetricSeries (all series)', `${seriesMs.toFixed(0)} ms`],
      ['readSamples (one step, from disk)', `${sampleMs.toFixed(1)} ms`],
    ];
    for (const [k, v] of rows) console.log(`${k.padEnd(36)} ${v}`);
    store.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
