// The run-health badge of the Runs view: each run's alerts (computed from its metrics plus the trainer's own), cached
// so that redrawing the tree never rescans series. No `vscode` import; pure health checks only (no chart or webview
// code), so the tree can use it at activation.
import type { RunStoreApi, RunSummary } from '../runs/types';
import type { HealthAlert } from '../../webview/protocol';
import { alertsOf, type HealthThresholds } from '../runs/health';

/** Never spend more than about this share of the extension host rescanning a live run (a 100k-step run takes
 * ~150 ms to copy and scan), and not more often than MIN_INTERVAL_MS. */
const MAX_SHARE = 0.05;
const MIN_INTERVAL_MS = 2000;

interface Entry {
  key: string;
  at: number;
  costMs: number;
  alerts: HealthAlert[];
}

export class RunHealthCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly store: Pick<RunStoreApi, 'getMetricSeries'>, private thresholds: HealthThresholds,
    private readonly now: () => number = Date.now) {}

  setThresholds(t: HealthThresholds): void {
    this.thresholds = t;
    this.entries.clear();
  }

  /** The run's alerts, most severe first; recomputed when the run changed, at a bounded rate while it is running. */
  alertsFor(run: RunSummary): HealthAlert[] {
    const key = `${run.status}|${run.step}|${run.lastEventAt}|${run.alerts.length}|${run.alerts.at(-1)?.time}`;
    const hit = this.entries.get(run.id);
    const now = this.now();
    if (hit && (hit.key === key || (run.status === 'running' && now - hit.at < Math.max(MIN_INTERVAL_MS, hit.costMs / MAX_SHARE)))) {
      return hit.alerts;
    }
    const t0 = performance.now();
    const alerts = alertsOf(run, this.store.getMetricSeries(run.id), this.thresholds);
    this.entries.set(run.id, { key, at: now, costMs: performance.now() - t0, alerts });
    return alerts;
  }

  /** Drops runs that left the store. */
  retain(runIds: Iterable<string>): void {
    const keep = new Set(runIds);
    for (const id of [...this.entries.keys()]) if (!keep.has(id)) this.entries.delete(id);
  }
}

export interface HealthBadge {
  level: HealthAlert['level'];
  /** Short text for the tree item's description, e.g. "⚠ 2". */
  text: string;
  /** "2 health alerts" for the accessible label. */
  label: string;
}

const GLYPH: Record<HealthAlert['level'], string> = { error: '⛔', warning: '⚠', info: 'ℹ' };

/** Warnings and errors only: an info alert (e.g. "training on CPU") is in the tooltip but earns no badge. */
export function healthBadge(alerts: HealthAlert[]): HealthBadge | undefined {
  const serious = alerts.filter((a) => a.level !== 'info');
  if (!serious.length) return undefined;
  const level = serious.some((a) => a.level === 'error') ? 'error' : 'warning';
  return { level, text: `${GLYPH[level]} ${serious.length}`, label: `${serious.length} health alert${serious.length === 1 ? '' : 's'}` };
}
