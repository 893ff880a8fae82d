// A metric series kept in typed arrays (12 bytes a point) rather than arrays of objects (~80 bytes a point), so that
// a run with a million metrics events stays within a bounded, predictable amount of memory.
import type { MetricSeries } from './types';

export class CompactSeries {
  private steps = new Uint32Array(64);
  private values = new Float64Array(64);
  private length = 0;

  get size(): number {
    return this.length;
  }

  /** NaN stands for null (a non-finite value the trainer wrote as null). */
  push(step: number, value: number | null): void {
    if (this.length === this.steps.length) this.grow();
    this.steps[this.length] = step;
    this.values[this.length] = value === null ? NaN : value;
    this.length++;
  }

  /** Drops points after `step` (a resumed run rewrites the steps after its checkpoint). */
  truncateAfter(step: number): void {
    while (this.length > 0 && this.steps[this.length - 1] > step) this.length--;
  }

  toSeries(): MetricSeries {
    const steps = Array.from(this.steps.subarray(0, this.length));
    const values: (number | null)[] = new Array(this.length);
    for (let i = 0; i < this.length; i++) {
      const v = this.values[i];
      values[i] = Number.isNaN(v) ? null : v;
    }
    return { steps, values };
  }

  byteSize(): number {
    return this.steps.byteLength + this.values.byteLength;
  }

  private grow(): void {
    // 1.5x growth keeps the slack (and peak during copy) smaller than doubling for long series.
    const capacity = Math.ceil(this.steps.length * 1.5);
    const steps = new Uint32Array(capacity);
    steps.set(this.steps);
    const values = new Float64Array(capacity);
    values.set(this.values);
    this.steps = steps;
    this.values = values;
  }
}
