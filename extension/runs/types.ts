// The read side of the run directory contract: what views (tree, status bar, dashboard, samples) may ask of the
// RunStore. Views never parse trainer output themselves. No `vscode` import here: plain unit tests load it.
import type { TrainerEvent, SamplesEvent, AlertEvent, CheckpointEvent } from '../../schemas/generated/trainerEvent';
import type { RunConfig } from '../../schemas/generated/runConfig';

export type RunStatus = 'running' | 'completed' | 'stopped' | 'failed' | 'unknown';

/** Where samples come from: the completions an RL step trained on, or an evaluation's completions. */
export type SampleSource = 'train' | 'eval';

/** The supervised warm start's progress: steps done (as of its latest metrics event) of steps. */
export interface WarmStartProgress {
  step: number;
  steps: number;
  finished: boolean;
}

/** The best evaluation so far, as the trainer's best checkpoint names it. */
export interface BestEval {
  metric: string;
  value: number;
  step: number;
}

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
  /** The warm start's progress; null for a run without one. */
  warmStart: WarmStartProgress | null;
  /** Milliseconds per RL step of the current trainer process (RL steps only, for the ETA); null before it is known. */
  rlStepMs: number | null;
  bestEval: BestEval | null;
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
  /** Steps that have samples of the source (train: samples events; eval: eval events with samples), ascending. */
  getSampleSteps(runId: string, source?: SampleSource): number[];
  /** The samples of a step, read from disk on demand (samples are not all kept in memory). */
  readSamples(runId: string, step: number, source?: SampleSource): Promise<SamplesEvent | undefined>;
  /** New events of a run, in file order, as they are appended. */
  onDidChangeRun(listener: (e: { runId: string; events: TrainerEvent[] }) => void): { dispose(): void };
  /** Runs were added or removed, or a run's status changed. */
  onDidChangeRuns(listener: () => void): { dispose(): void };
}
