// The dashboard's level-of-detail cache: decimating a series that grew by appends (cache warm, columns reused) gives
// exactly what decimating the same points from scratch gives, for raw values, smoothed values and std bands (whose
// last point is rewritten when its std arrives late), over the whole run and zoomed ranges; and each column keeps its
// extremes and its first gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawSeries } from '../../webview/dashboard/rawSeries';
import { decimate, columnWidth, type Point } from '../../webview/dashboard/decimation';
import { band } from '../../webview/dashboard/seriesStore';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => { a = (a * 1664525 + 1013904223) >>> 0; return a / 2 ** 32; };
}

/** A copy with new arrays: nothing cached for it yet. */
function fresh(s: RawSeries): RawSeries {
  const c = new RawSeries();
  for (let i = 0; i < s.length; i++) c.push(s.steps[i], Number.isNaN(s.values[i]) ? null : s.values[i]);
  return c;
}

const value = (r: () => number, i: number) => (r() < 0.002 ? null : r() < 0.001 ? 1000 * (r() - 0.5) : Math.sin(i / 50) + 0.3 * r());

test('appends give the same columns as decimating from scratch (raw, smoothed, zoomed, two column counts)', () => {
  const r = rng(7);
  const live = new RawSeries();
  let step = 0;
  const ranges: [number, number][] = [[-Infinity, Infinity], [1000, 30_000], [12_345, 12_999]];
  for (let round = 0; live.length < 40_000; round++) {
    const n = 1 + Math.floor(r() * (live.length < 5000 ? 2000 : 40)); // big chunks, then a point or a few per frame
    for (let k = 0; k < n; k++) { step += r() < 0.05 ? 3 : 1; live.push(step, value(r, step)); }
    // every round reads through the cache (as each frame does); now and then it is checked against a cold copy
    // the dashboard decimates lines and bands of one card into different column counts (2 and 8 pixels a column)
    const reads = (s: RawSeries) => ranges.flatMap(([from, to]) => [0, 0.9].flatMap((w) => [75, 400].map((buckets) => decimate(s, s.smoothed(w), from, to, buckets))));
    const warm = reads(live);
    if (round % 7 && live.length < 39_950) continue;
    assert.deepEqual(warm, reads(fresh(live)), `after ${live.length} points`);
  }
});

test('a band whose last std arrives after its mean: the rewritten last point is not served from the cache', () => {
  const mean = new RawSeries(), std = new RawSeries();
  const r = rng(3);
  for (let step = 1; step <= 20_000; step++) {
    mean.push(step, r());
    let b = band(mean, mean.values, std, std.values);
    const before = decimate(mean, b.upper, -Infinity, Infinity, 300);
    std.push(step, 10 * r()); // the std of this step comes in the next message
    b = band(mean, mean.values, std, std.values);
    const after = decimate(mean, b.upper, -Infinity, Infinity, 300);
    if (step % 97 !== 0 && step < 19_990) continue; // compare from scratch now and then (it is the slow side)
    const m = fresh(mean), s = fresh(std);
    const c = band(m, m.values, s, s.values);
    assert.deepEqual(after, decimate(m, c.upper, -Infinity, Infinity, 300), `step ${step}`);
    assert.ok(before.length > 0);
  }
});

test('each column keeps its lowest and highest point and its first gap; columns sit on a power-of-two grid', () => {
  const r = rng(11);
  const s = new RawSeries();
  for (let i = 1; i <= 50_000; i++) s.push(i, value(r, i));
  // warm the cache with a shorter prefix view first, then read the whole run
  decimate(s, s.values, 1, 40_000, 500);
  const out = decimate(s, s.values, -Infinity, Infinity, 500);
  const width = columnWidth(50_000 - 1, 500);
  assert.equal(width, 128);
  const kept = new Set(out.map((p: Point) => `${p.x}:${p.y}`));
  const cols = new Map<number, number[]>();
  for (let i = 0; i < s.length; i++) { const c = Math.floor(s.steps[i] / width); (cols.get(c) ?? cols.set(c, []).get(c)!).push(i); }
  assert.ok(cols.size <= 501 && out.length <= 5 * cols.size);
  for (const idx of cols.values()) {
    const finite = idx.filter((i) => !Number.isNaN(s.values[i]));
    const lo = finite.reduce((a, b) => (s.values[b] < s.values[a] ? b : a));
    const hi = finite.reduce((a, b) => (s.values[b] > s.values[a] ? b : a));
    for (const i of [lo, hi, idx[0], idx[idx.length - 1]]) assert.ok(kept.has(`${s.steps[i]}:${Number.isNaN(s.values[i]) ? null : s.values[i]}`), `column of step ${s.steps[idx[0]]}: point ${s.steps[i]} kept`);
    const gap = idx.find((i) => Number.isNaN(s.values[i]));
    if (gap !== undefined) assert.ok(kept.has(`${s.steps[gap]}:null`), `gap at step ${s.steps[gap]} kept`);
  }
});
