// How the events' metric names become the store's series names — one rule for the RunStore and the dashboard feed:
// RL metrics keep TRL's names, warm-start metrics get the `warm_start/` prefix and eval metrics the `eval_` prefix
// (unless the trainer already wrote it), and a non-finite value is null. No `vscode` import.
import type { TrainerEvent } from '../../schemas/generated/trainerEvent';

export const WARM_START_PREFIX = 'warm_start/';
export const EVAL_PREFIX = 'eval_';

/** The series prefix of an event's metrics, or undefined for an event that carries no metric series. */
export function metricPrefixOf(event: TrainerEvent): string | undefined {
  if (event.type === 'metrics') return event.phase === 'warm_start' ? WARM_START_PREFIX : '';
  if (event.type === 'eval') return EVAL_PREFIX;
  return undefined;
}

export function seriesName(prefix: string, rawName: string): string {
  return prefix && !rawName.startsWith(prefix) ? prefix + rawName : rawName;
}

export function metricValue(raw: unknown): number | null {
  return typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
}

/** Warm-start series are plotted on their own step axis (supervised steps), apart from RL steps. */
export function isWarmStartSeries(name: string): boolean {
  return name.startsWith(WARM_START_PREFIX);
}
