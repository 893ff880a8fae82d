// Every run's raw series by metric name, fed by the init/append messages. Pure: no DOM.
import type { SeriesData } from '../protocol';
import { RawSeries } from './rawSeries';

export class SeriesStore {
  private runs = new Map<string, Map<string, RawSeries>>();

  reset(runId: string, series: Record<string, SeriesData>): void {
    this.runs.set(runId, new Map());
    this.append(runId, series);
  }

  /** Adds points; returns the metric names that changed and whether any name is new. */
  append(runId: string, series: Record<string, SeriesData>): { changed: string[]; newNames: boolean } {
    let run = this.runs.get(runId);
    if (!run) { run = new Map(); this.runs.set(runId, run); }
    const changed: string[] = [];
    let newNames = false;
    for (const [name, s] of Object.entries(series)) {
      let raw = run.get(name);
      if (!raw) { raw = new RawSeries(); run.set(name, raw); newNames = true; }
      for (let i = 0; i < s.steps.length; i++) raw.push(s.steps[i], s.values[i]);
      if (s.steps.length) changed.push(name);
    }
    return { changed, newNames };
  }

  get(runId: string, name: string): RawSeries | undefined {
    return this.runs.get(runId)?.get(name);
  }

  names(runIds: string[]): Set<string> {
    const out = new Set<string>();
    for (const id of runIds) for (const n of this.runs.get(id)?.keys() ?? []) out.add(n);
    return out;
  }

  /** Smallest and largest step over the given runs' series on one step axis (RL steps, or the warm start's own). */
  stepExtent(runIds: string[], onAxis: (name: string) => boolean = () => true): [number, number] | null {
    let lo = Infinity, hi = -Infinity;
    for (const id of runIds) for (const [name, s] of this.runs.get(id) ?? []) {
      if (!s.length || !onAxis(name)) continue;
      lo = Math.min(lo, s.steps[0]);
      hi = Math.max(hi, s.steps[s.length - 1]);
    }
    return lo <= hi ? [lo, hi] : null;
  }

  totalPoints(): number {
    let n = 0;
    for (const run of this.runs.values()) for (const s of run.values()) n += s.length;
    return n;
  }
}

const bandCache = new WeakMap<Float64Array, { std: Float64Array; upTo: number; lower: Float64Array; upper: Float64Array; j: number }>();

/** mean ± std aligned with mean's indices (std joined by step); NaN where either is missing. Extended incrementally
 * as points arrive (keyed on the value arrays, which change identity when they grow or the smoothing changes). */
export function band(mean: RawSeries, meanValues: Float64Array, std: RawSeries, stdValues: Float64Array): { lower: Float64Array; upper: Float64Array } {
  let c = bandCache.get(meanValues);
  if (!c || c.std !== stdValues || c.lower.length < mean.length) {
    const lower = new Float64Array(meanValues.length), upper = new Float64Array(meanValues.length);
    if (c && c.std === stdValues) { lower.set(c.lower.subarray(0, c.upTo)); upper.set(c.upper.subarray(0, c.upTo)); }
    c = { std: stdValues, upTo: c && c.std === stdValues ? c.upTo : 0, lower, upper, j: c && c.std === stdValues ? c.j : 0 };
    bandCache.set(meanValues, c);
  }
  // The last point's std may arrive after its mean: always recompute from the last computed point.
  const from = Math.max(0, c.upTo - 1);
  const { lower, upper } = c;
  let j = Math.max(0, c.j - 1);
  for (let i = from; i < mean.length; i++) {
    const step = mean.steps[i];
    if (j >= std.length || std.steps[j] !== step) {
      while (j < std.length && std.steps[j] < step) j++;
    }
    const sd = j < std.length && std.steps[j] === step ? stdValues[j] : NaN;
    lower[i] = meanValues[i] - sd;
    upper[i] = meanValues[i] + sd;
  }
  c.upTo = mean.length;
  c.j = j;
  return { lower, upper };
}
