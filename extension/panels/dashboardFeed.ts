// What the dashboard of one run needs from the RunStore, and the new points since the last send. Pure (no `vscode`):
// it reads the store's series (never trainer output) and remembers how many points of each metric the webview has.
import type { RunStoreApi, MetricSeries } from '../runs/types';
import type { TrainerEvent } from '../../schemas/generated/trainerEvent';
import type { DashboardRun, HealthAlert, RunHeader, SeriesData } from '../../webview/protocol';
import { alertsOf, type HealthThresholds } from '../runs/health';
import { toRunHeader } from './runHeader';
import { metricPrefixOf, metricValue, seriesName } from '../runs/metricNames';

export { alertsOf };

export type FeedUpdate =
  | { kind: 'none' }
  | { kind: 'append'; series: Record<string, SeriesData> }
  /** History changed under us (a resumed run rewrote steps, or the store was rebuilt): send a snapshot. */
  | { kind: 'reset' };

export class DashboardFeed {
  /** Points of each metric the webview holds, and the last step among them. */
  private sent = new Map<string, { count: number; lastStep: number }>();
  /** False until a snapshot found the run: after a window reload the store may not have read it yet. */
  private known = false;

  constructor(private readonly store: RunStoreApi, readonly runId: string, private thresholds: HealthThresholds) {}

  setThresholds(t: HealthThresholds): void { this.thresholds = t; }

  snapshot(): DashboardRun | undefined {
    const summary = this.store.getRun(this.runId);
    this.known = summary !== undefined;
    if (!summary) return undefined;
    const series = this.store.getMetricSeries(this.runId);
    this.sent.clear();
    const copy: Record<string, SeriesData> = {};
    for (const [name, s] of Object.entries(series)) {
      copy[name] = { steps: s.steps.slice(), values: s.values.slice() };
      this.remember(name, s, s.steps.length);
    }
    return { header: toRunHeader(summary), series: copy, alerts: alertsOf(summary, series, this.thresholds) };
  }

  /**
   * New points carried by events the store just read. Reading them from the events rather than from
   * getMetricSeries matters: that copies every point of every metric (~140 ms at 100k steps), far too slow per event.
   * Names follow the store's rule (runs/metricNames.ts, shared with RunState); the summary's `latest` names are still
   * checked, so anything the two disagree on shows up as a full snapshot, never as a wrong chart.
   */
  update(events: TrainerEvent[]): FeedUpdate {
    if (!this.known) return this.store.getRun(this.runId) ? { kind: 'reset' } : { kind: 'none' };
    const out: Record<string, SeriesData> = {};
    let any = false;
    const add = (prefix: string, step: number, metrics: Record<string, number | null>) => {
      for (const [raw, v] of Object.entries(metrics)) {
        const name = seriesName(prefix, raw);
        const had = this.sent.get(name);
        if (had && step < had.lastStep) return false;
        const s = (out[name] ??= { steps: [], values: [] });
        s.steps.push(step);
        s.values.push(metricValue(v));
        this.sent.set(name, { count: (had?.count ?? 0) + 1, lastStep: step });
        any = true;
      }
      return true;
    };
    for (const e of events) {
      let ok = true;
      if (e.type === 'resumed') return { kind: 'reset' };
      const prefix = metricPrefixOf(e);
      if (prefix !== undefined && (e.type === 'metrics' || e.type === 'eval')) ok = add(prefix, e.step, e.metrics);
      if (!ok) return { kind: 'reset' };
    }
    const latest = this.store.getRun(this.runId)?.latest ?? {};
    for (const name of Object.keys(latest)) if (!this.sent.has(name)) return { kind: 'reset' };
    for (const name of Object.keys(out)) if (!(name in latest)) return { kind: 'reset' };
    return any ? { kind: 'append', series: out } : { kind: 'none' };
  }

  header(): RunHeader | undefined {
    const summary = this.store.getRun(this.runId);
    return summary ? toRunHeader(summary) : undefined;
  }

  alerts(): HealthAlert[] {
    const summary = this.store.getRun(this.runId);
    return summary ? alertsOf(summary, this.store.getMetricSeries(this.runId), this.thresholds) : [];
  }

  private remember(name: string, s: MetricSeries, count: number): void {
    this.sent.set(name, { count, lastStep: count ? s.steps[count - 1] : -1 });
  }
}
