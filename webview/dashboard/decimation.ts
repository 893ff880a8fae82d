// Min/max decimation of a metric series into one column per pixel, with a level-of-detail cache: while points stream
// into a 100k-point series, a frame re-reads only the newest column instead of the whole series. Pure: no DOM.
import type { RawSeries } from './rawSeries';

export interface Point { x: number; y: number | null }

/** The points one column keeps, and the index range [start, end) of the series it covers. */
interface Column { start: number; end: number; points: Point[] }

/**
 * Column width in steps: the smallest power of two that fits `span` into `buckets` columns. Columns sit on the fixed
 * grid of multiples of that width, so appending points (or scrolling) leaves every earlier column as it was, and the
 * width only changes when the span doubles or halves.
 */
export function columnWidth(span: number, buckets: number): number {
  return span > 0 ? 2 ** Math.ceil(Math.log2(span / Math.max(1, buckets))) : 1;
}

// Finished columns by value array, then by column width, then by column number. Keyed on the array: a series' raw
// values, its smoothed copy and its band edges are separate arrays, and each gets a new identity when it grows (then
// its columns are rebuilt once) or when the smoothing changes. Callers only ever rewrite the last point they had
// (band() recomputes it when a std arrives after its mean); the column holding the last point is never cached.
const cache = new WeakMap<Float64Array, Map<number, Map<number, Column>>>();
const WIDTHS_KEPT = 3; // a zoom and back reuses the whole-run columns

function columnsFor(values: Float64Array, width: number): Map<number, Column> {
  let byWidth = cache.get(values);
  if (!byWidth) { byWidth = new Map(); cache.set(values, byWidth); }
  let cols = byWidth.get(width);
  if (!cols) {
    cols = new Map();
    byWidth.set(width, cols);
    if (byWidth.size > WIDTHS_KEPT) byWidth.delete(byWidth.keys().next().value as number);
  }
  return cols;
}

/** The column starting at point i, read up to `end`: its first, lowest, highest and last point, and its first gap. */
function readColumn(steps: Float64Array, values: Float64Array, i: number, end: number, width: number): Column {
  const col = Math.floor(steps[i] / width);
  let lo = -1, hi = -1, gap = -1, j = i;
  for (; j < end && Math.floor(steps[j] / width) === col; j++) {
    const v = values[j];
    if (Number.isNaN(v)) { if (gap < 0) gap = j; continue; }
    if (lo < 0 || v < values[lo]) lo = j;
    if (hi < 0 || v > values[hi]) hi = j;
  }
  const keep = [i, lo, hi, gap, j - 1].filter((k) => k >= 0).sort((a, b) => a - b);
  const points: Point[] = [];
  let prev = -1;
  for (const k of keep) { if (k !== prev) points.push({ x: steps[k], y: Number.isNaN(values[k]) ? null : values[k] }); prev = k; }
  return { start: i, end: j, points };
}

/**
 * The points with from <= step <= to, decimated into about `buckets` columns (between half and all of them): each
 * column keeps its first, lowest, highest and last point in step order, and its first gap, so spikes and gaps survive
 * and lines look the same as undecimated. Below 4 points per column nothing is dropped. NaN becomes a gap (y: null).
 */
export function decimate(series: RawSeries, values: Float64Array, from: number, to: number, buckets: number): Point[] {
  const start = series.lowerBound(from);
  let end = series.lowerBound(to);
  while (end < series.length && series.steps[end] <= to) end++;
  const steps = series.steps;
  const out: Point[] = [];
  if (end - start <= buckets * 4) {
    for (let i = start; i < end; i++) out.push({ x: steps[i], y: Number.isNaN(values[i]) ? null : values[i] });
    return out;
  }
  const width = columnWidth(steps[end - 1] - steps[start], buckets);
  const cols = columnsFor(values, width);
  let i = start;
  while (i < end) {
    const n = Math.floor(steps[i] / width);
    let c = cols.get(n);
    if (!c || c.start !== i || c.end > end) {
      c = readColumn(steps, values, i, end, width);
      // Whole and final: it starts at its column's first point, and a later point (of a later column) was seen, so
      // no append can reach it and it does not hold the last point.
      const whole = (i === 0 || Math.floor(steps[i - 1] / width) !== n) && c.end < end;
      if (whole) cols.set(n, c);
    }
    for (const p of c.points) out.push(p);
    i = c.end;
  }
  return out;
}
