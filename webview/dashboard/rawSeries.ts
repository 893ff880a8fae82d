// The raw points of one metric, kept outside chart.js: chart.js only ever gets a decimated copy of the visible range
// (pushing into a dataset that chart.js decimates is silently lost, and 100k points per dataset would not stay
// smooth). Pure: no DOM, so unit tests load it.

/** NaN marks a non-finite value (the trainer writes null): drawn as a gap. */
export class RawSeries {
  steps = new Float64Array(64);
  values = new Float64Array(64);
  length = 0;
  private ema: { weight: number; out: Float64Array; upTo: number; acc: number; n: number } | undefined;

  push(step: number, value: number | null): void {
    if (this.length === this.steps.length) {
      const grow = (a: Float64Array) => { const b = new Float64Array(a.length * 2); b.set(a); return b; };
      this.steps = grow(this.steps);
      this.values = grow(this.values);
    }
    this.steps[this.length] = step;
    this.values[this.length] = value === null || !Number.isFinite(value) ? NaN : value;
    this.length++;
  }

  lastStep(): number | null {
    return this.length ? this.steps[this.length - 1] : null;
  }

  /** Exponential moving average with TensorBoard's debiasing (so the start is not pulled towards 0), extended
   * incrementally as points arrive. Non-finite points stay NaN and do not disturb the average. */
  smoothed(weight: number): Float64Array {
    if (weight <= 0) return this.values;
    if (!this.ema || this.ema.weight !== weight) this.ema = { weight, out: new Float64Array(0), upTo: 0, acc: 0, n: 0 };
    const e = this.ema;
    if (e.out.length < this.values.length) { const b = new Float64Array(this.values.length); b.set(e.out.subarray(0, e.upTo)); e.out = b; }
    for (let i = e.upTo; i < this.length; i++) {
      const v = this.values[i];
      if (Number.isNaN(v)) { e.out[i] = NaN; continue; }
      e.acc = e.acc * weight + (1 - weight) * v;
      e.n++;
      e.out[i] = e.acc / (1 - Math.pow(weight, e.n));
    }
    e.upTo = this.length;
    return e.out;
  }

  /** Index of the first step >= x (steps ascending). */
  lowerBound(x: number): number {
    let lo = 0, hi = this.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.steps[mid] < x) lo = mid + 1; else hi = mid; }
    return lo;
  }

  /** Value at the step nearest to x (for hover), or null when there are no points. */
  nearest(x: number, values: Float64Array = this.values): { step: number; value: number; index: number } | null {
    if (!this.length) return null;
    let i = this.lowerBound(x);
    if (i >= this.length || (i > 0 && x - this.steps[i - 1] < this.steps[i] - x)) i = Math.max(0, i - 1);
    return { step: this.steps[i], value: values[i], index: i };
  }
}
