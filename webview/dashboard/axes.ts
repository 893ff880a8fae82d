// Axis rules that keep short and flat series readable. Pure: no DOM.

/** y bounds for a near-constant series: chart.js would zoom into float noise (a "dive" on a constant 200) or give
 * a zero-height range; pad it to ±10% of its value (±0.1 around 0) instead. undefined: let chart.js choose. */
export function flatSeriesBounds(lo: number, hi: number): { min: number; max: number } | undefined {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return undefined;
  const scale = Math.max(Math.abs(lo), Math.abs(hi));
  if (hi - lo > 1e-6 * Math.max(scale, 1e-12)) return undefined;
  const pad = scale > 0 ? scale * 0.1 : 0.1;
  const mid = (lo + hi) / 2;
  return { min: mid - pad, max: mid + pad };
}

/** Significant digits a tick label needs so that neighbouring ticks never read the same ("0.9995, 0.9995"). */
export function tickDigits(value: number, tickStep: number): number {
  if (!Number.isFinite(value) || !Number.isFinite(tickStep) || tickStep <= 0 || value === 0) return 3;
  const needed = Math.floor(Math.log10(Math.abs(value))) - Math.floor(Math.log10(tickStep)) + 1;
  return Math.min(12, Math.max(3, needed));
}
