// Writes a large events.jsonl (a realistic mix: metrics every step, samples every step, checkpoints) in bounded
// memory, for the RunStore's large-file test and benchmark.
import { openSync, writeSync, closeSync } from 'node:fs';
import { runStarted, metrics, samples, checkpoint, finished } from './eventFixtures';

export interface BigFileStats {
  bytes: number;
  events: number;
  metricsEvents: number;
  samplesEvents: number;
  lastStep: number;
}

/** Stops after `targetBytes` or `targetEvents`, whichever comes first; samples every `samplesEvery` steps (0: none). */
export function writeBigEventsFile(file: string, opts: { targetBytes?: number; targetEvents?: number; samplesEvery?: number;
  completionChars?: number }): BigFileStats {
  const fd = openSync(file, 'w');
  const stats: BigFileStats = { bytes: 0, events: 0, metricsEvents: 0, samplesEvents: 0, lastStep: 0 };
  const maxBytes = opts.targetBytes ?? Infinity;
  const maxEvents = opts.targetEvents ?? Infinity;
  let pending: string[] = [];
  const flush = (): void => {
    const buf = Buffer.from(pending.join(''));
    writeSync(fd, buf);
    pending = [];
  };
  const emit = (line: string): void => {
    pending.push(line + '\n');
    stats.bytes += Buffer.byteLength(line) + 1;
    stats.events++;
    if (pending.length >= 2000) flush();
  };
  emit(runStarted({ maxSteps: 10_000_000 }));
  for (let step = 1; stats.bytes < maxBytes && stats.events < maxEvents - 1; step++) {
    emit(metrics(step));
    stats.metricsEvents++;
    stats.lastStep = step;
    if (opts.samplesEvery && step % opts.samplesEvery === 0 && stats.events < maxEvents - 1) {
      emit(samples(step, 2, 4, opts.completionChars ?? 400));
      stats.samplesEvents++;
    }
    if (step % 1000 === 0 && stats.events < maxEvents - 1) emit(checkpoint(step, step > 3000 ? [`checkpoints/step_${step - 3000}`] : []));
  }
  emit(finished(stats.lastStep));
  flush();
  closeSync(fd);
  return stats;
}
