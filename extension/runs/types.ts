// The read side of the run directory contract: what views (tree, status bar, dashboard, samples) may ask of the
// RunStore. Views never parse trainer output themselves. No `vscode` import here: plain unit tests load it.
import type { TrainerEvent, SamplesEvent, AlertEvent, CheckpointEvent } from '../../schemas/generated/trainerEvent';
import type { RunConfig } from '../../schemas/generated/runConfig';

export type RunStatus = 'running' | 'completed' | 'stopped' | 'failed' | 'unknown';

export interface RunSummary {
  /** Directory name under the runs folder; unique within a store. */
  id: string;
  /** Absolute path of the run directory. */
  dir: string;
  /**
   * From run_finished when there is one. Without it: running while the trainer process is alive (or, for a trainer
   * that wrote no pid, while its last event is recent); failed once its pid is gone and the last event is a few
   * seconds old (error says so); unknown when there is no pid and no recent event.
   */
  status: RunStatus;
  step: number;
  maxSteps: number | null;
  algorithm: string | null;
  model: string | null;
  device: string | null;
  // Times are Unix epoch MILLISECONDS (Date.now() units), converted from the events' `time` (Unix seconds) when
  // read. Views compare them with Date.now(); the dashboard header converts to seconds at the webview boundary.
  /** Time of the last run_started. */
  startedAt: number | null;
  /** Time of run_finished; null while there is none. */
  finishedAt: number | null;
  /** Time of the newest event of any type. */
  lastEventAt: number | null;
  /** Latest value of every metric name seen (TRL names, eval_ included). */
  latest: Record<string, number | null>;
  /** Resolved config snapshot from run_started (or config.json). */
  config: RunConfig | null;
  checkpoints: CheckpointEvent[];
  alerts: AlertEvent[];
  error: string | null;
  /** Lines of events.jsonl that were not valid events. */
  malformedLines: number;
}

/** One metric's points, in step order. Values are null where the trainer wrote a non-finite number. */
export interface MetricSeries {
  steps: number[];
  values: (number | null)[];
}

export interface RunStoreApi {
  listRuns(): RunSummary[];
  getRun(runId: string): RunSummary | undefined;
  /** Every metric of the run by name: metrics events (by TRL name) and eval events (eval_ names). */
  getMetricSeries(runId: string): Record<string, MetricSeries>;
  /** Steps that have a samples event, ascending. */
  getSampleSteps(runId: string): number[];
  /** The samples event of a step, read from disk on demand (samples are not all kept in memory). */
  readSamples(runId: string, step: number): Promise<SamplesEvent | undefined>;
  /** New events of a run, in file order, as they are appended. */
  onDidChangeRun(listener: (e: { runId: string; events: TrainerEvent[] }) => void): { dispose(): void };
}
