/* Generated from schemas/ by scripts/gen-types.mjs (npm run gen:types). Do not edit. */

/**
 * One line of <run>/events.jsonl. The file is append-only; every line is one complete JSON object; the trainer flushes after each line. Non-finite numbers are written as null.
 */
export type TrainerEvent =
  | RunStartedEvent
  | ResumedEvent
  | PhaseEvent
  | MetricsEvent
  | SamplesEvent
  | EvalEvent
  | CheckpointEvent
  | AlertEvent
  | LogEvent
  | RunFinishedEvent;
/**
 * Unix time in seconds when the event was written.
 */
export type Time = number;
/**
 * Optimizer steps completed when the event was written.
 */
export type Step = number;
/**
 * A metric value; null when it was NaN or infinite.
 */
export type MetricValue = number | null;

export interface RunStartedEvent {
  type: 'run_started';
  time: Time;
  /**
   * Version of this event schema.
   */
  schema_version?: 1;
  run_id: string;
  run_name?: string;
  algorithm: string;
  /**
   * Optimizer steps the run will take if not stopped early.
   */
  max_steps: number;
  /**
   * The resolved run configuration (defaults filled in).
   */
  config: {
    [k: string]: unknown;
  };
  /**
   * The config file the run was started from.
   */
  config_path?: string | null;
  model?: string;
  /**
   * cpu, cuda or cuda:N, with the GPU name when known.
   */
  device?: string;
  dtype?: string;
  world_size?: number;
  num_parameters?: number;
  trainable_parameters?: number;
  pid?: number;
  versions?: {
    [k: string]: string;
  };
}
export interface ResumedEvent {
  type: 'resumed';
  time: Time;
  step: Step;
  /**
   * Path of the checkpoint the run continued from.
   */
  checkpoint: string;
  message?: string;
  pid?: number;
}
export interface PhaseEvent {
  type: 'phase';
  time: Time;
  step?: Step;
  /**
   * warm_start: the optional supervised phase; rl: RL training. reward_model: training a reward model (`rlstudio reward-model train`).
   */
  phase: 'warm_start' | 'rl' | 'eval' | 'save' | 'reward_model';
  status: 'started' | 'finished';
  /**
   * Steps the phase will take, when known.
   */
  steps?: number;
  metrics?: Metrics;
}
/**
 * Metrics by TRL's names: reward, reward_std, rewards/<fn>/mean, rewards/<fn>/std, frac_reward_zero_std, kl, entropy, clip_ratio/low_mean, clip_ratio/high_mean, clip_ratio/region_mean, completions/mean_length, completions/min_length, completions/max_length, completions/clipped_ratio, loss, grad_norm, learning_rate, num_tokens, step_time, tokens_per_second, and eval_* for evaluation.
 */
export interface Metrics {
  [k: string]: MetricValue;
}
export interface MetricsEvent {
  type: 'metrics';
  time: Time;
  step: Step;
  phase?: 'warm_start' | 'rl' | 'reward_model';
  epoch?: number;
  metrics: Metrics;
}
export interface SamplesEvent {
  type: 'samples';
  time: Time;
  step: Step;
  samples: Sample[];
}
export interface Sample {
  /**
   * Index of the prompt group within this step.
   */
  group: number;
  /**
   * Index of the completion within its group.
   */
  index?: number;
  /**
   * The prompt as the model saw it (after the chat template).
   */
  prompt: string;
  completion: string;
  /**
   * file:line of the dataset row the prompt came from (lets `rewards test` re-score the sample with the row's columns).
   */
  source?: string;
  /**
   * Each reward function's value; null: not applicable.
   */
  rewards: {
    [k: string]: number | null;
  };
  /**
   * Weighted total reward.
   */
  reward: number;
  advantage: number;
  /**
   * Completion tokens.
   */
  length: number;
  /**
   * Hit max_completion_length without an end token.
   */
  truncated: boolean;
  completion_ids?: number[];
  /**
   * Decoded text of each completion token.
   */
  tokens?: string[];
  /**
   * 1 where the token was trained by the policy gradient.
   */
  loss_mask?: (0 | 1)[];
  /**
   * Columns the reward functions added with TRL 1.16's log_extra(column, values): this completion's value of each.
   */
  extra?: {
    [k: string]: string | number | boolean | null;
  };
}
export interface EvalEvent {
  type: 'eval';
  time: Time;
  step: Step;
  metrics: Metrics;
  is_best?: boolean;
  samples?: Sample[];
}
export interface CheckpointEvent {
  type: 'checkpoint';
  time: Time;
  step: Step;
  /**
   * Path relative to the run directory.
   */
  path: string;
  kind: 'step' | 'best' | 'final';
  metric?: string;
  value?: number | null;
  /**
   * Checkpoints removed by keep_last.
   */
  pruned?: string[];
}
export interface AlertEvent {
  type: 'alert';
  time: Time;
  step?: Step;
  level: 'info' | 'warning' | 'error';
  /**
   * Stable identifier, e.g. nonfinite_step, reward_zero_std, cpu_only.
   */
  code: string;
  message: string;
  /**
   * What to try.
   */
  hint?: string;
}
export interface LogEvent {
  type: 'log';
  time: Time;
  step?: Step;
  level: 'debug' | 'info' | 'warning' | 'error';
  message: string;
}
export interface RunFinishedEvent {
  type: 'run_finished';
  time: Time;
  step: Step;
  status: 'completed' | 'stopped' | 'failed';
  /**
   * Why it ended: max_steps, early_stopping, signal, error.
   */
  reason?: string;
  error?: {
    message: string;
    traceback?: string;
  };
  /**
   * Seconds of training in this process.
   */
  elapsed?: number;
  final_metrics?: Metrics;
}
