// Where a step's time goes: the trainer logs each phase of a step as timing/<phase> (seconds) beside step_time, and
// the speed group reads the latest of them as one line ("generation is 78% of the step"). Pure: no DOM.
import type { RawSeries } from './rawSeries';

export const TIMING_PREFIX = 'timing/';
// A step's phases in the order they run; a phase the trainer adds later sorts after them by name.
const PHASE_ORDER = ['generation', 'reference', 'old_logps', 'rewards', 'train'];
const PHASE_WORDS: Record<string, string> = { old_logps: 'old log-probs' };

/** The timing/* names among `names`, in the order a step runs them. */
export function timingParts(names: Iterable<string>): string[] {
  const rank = (n: string) => { const i = PHASE_ORDER.indexOf(n.slice(TIMING_PREFIX.length)); return i < 0 ? PHASE_ORDER.length : i; };
  return [...names].filter((n) => n.startsWith(TIMING_PREFIX)).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function phaseWords(metric: string): string {
  const bare = metric.slice(TIMING_PREFIX.length);
  return PHASE_WORDS[bare] ?? bare.replace(/_/g, ' ');
}

/**
 * The values logged at the run's latest timed step, by metric: a phase that step did not log (no reference pass with
 * beta 0) or logged as non-finite reads as null rather than as an older step's value, so the shares add up.
 */
export function latestStepTiming(names: Iterable<string>, get: (metric: string) => RawSeries | undefined): (metric: string) => number | null {
  const timed = [...timingParts(names), 'step_time'];
  let step = -Infinity;
  for (const m of timed) step = Math.max(step, get(m)?.lastStep() ?? -Infinity);
  return (metric) => {
    const s = get(metric);
    if (!s || s.lastStep() !== step) return null;
    const v = s.values[s.length - 1];
    return Number.isNaN(v) ? null : v;
  };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const secs = (x: number) => `${Number(x.toPrecision(3))} s`;

/**
 * "generation is 78% of the step (2.41 s of 3.09 s); train 15%, reference 4%": the largest phase first, the others
 * after it, each as a share of the latest step_time (of the phases' sum when the run logs no step_time). `latest`
 * gives a metric's latest logged value, or null when it has none (that phase is then left out).
 */
export function stepTimeReading(names: Iterable<string>, latest: (metric: string) => number | null): string | null {
  const parts = timingParts(names)
    .map((m) => ({ m, v: latest(m) }))
    .filter((p): p is { m: string; v: number } => p.v !== null && Number.isFinite(p.v) && p.v >= 0);
  if (!parts.length) return null;
  const total = latest('step_time');
  const sum = parts.reduce((a, p) => a + p.v, 0);
  const whole = total !== null && Number.isFinite(total) && total > 0 ? total : sum;
  if (!(whole > 0)) return null;
  const [top, ...rest] = [...parts].sort((a, b) => b.v - a.v);
  const of = whole === total ? 'the step' : 'the timed phases';
  const others = rest.map((p) => `${phaseWords(p.m)} ${pct(p.v / whole)}`).join(', ');
  return `${phaseWords(top.m)} is ${pct(top.v / whole)} of ${of} (${secs(top.v)} of ${secs(whole)})${others ? `; ${others}` : ''}`;
}
