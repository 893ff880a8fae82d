/* Generated from schemas/ by scripts/gen-types.mjs (npm run gen:types). Do not edit. */

/**
 * Which reward functions to test and on what. The response's `error` says the test could not run at all (bad request, unreadable input, a reward file that does not load); failures of reward code are reported per sample and function. Give `rewards` or `config` (or both: `rewards` wins, `config` still supplies the dataset), and exactly one sample source: `cases`, `cases_file`, `dataset` or `run`.
 *
 * This interface was referenced by `RewardTest`'s JSON-Schema
 * via the `definition` "RewardTestRequest".
 */
export type RewardTestRequest = {
  /**
   * Reward entries exactly as in a run config's `rewards` (function, weight, name, args).
   *
   * @minItems 1
   */
  rewards?: [RewardConfig, ...RewardConfig[]];
  /**
   * A *.rlstudio.json run config: its rewards (unless `rewards` is given) and, for `dataset`, its datasets.
   */
  config?: string;
  /**
   * Test only the reward functions with these names.
   */
  only?: string[];
  /**
   * Folder that relative reward and cases paths are resolved against (default: the current folder).
   */
  base_dir?: string;
  cases?: RewardCase[];
  /**
   * A <reward file>.cases.jsonl file: one RewardCase per line.
   */
  cases_file?: string;
  dataset?: DatasetSource;
  run?: RunSource;
  /**
   * A reward function call that runs longer is stopped and reported.
   */
  timeout_s?: number;
} & RewardTestRequest1;
/**
 * The expected score: a number (within `tolerance`), null (the function should return None), or a range.
 *
 * This interface was referenced by `RewardTest`'s JSON-Schema
 * via the `definition` "Expectation".
 */
export type Expectation =
  | number
  | null
  | {
      min?: number;
      max?: number;
      tolerance?: number;
      equals?: number;
    };
export type RewardTestRequest1 = {
  [k: string]: unknown;
};

/**
 * `python -m rlstudio rewards test` (one request on stdin or --input, one response on stdout) and the long-lived `rewards worker` (JSON lines over stdio: WorkerRequest in, WorkerResponse out). Reward functions are loaded and called by the same code training uses.
 */
export interface RewardTest {
  [k: string]: unknown;
}
export interface RewardConfig {
  /**
   * "path/to/file.py:function_name" (relative to this config file) with TRL's signature f(prompts, completions, completion_ids=None, **columns) -> list[float | None], or a built-in: builtin:format_strict, builtin:format_soft, builtin:accuracy, builtin:integer_answer, builtin:tag_count, builtin:soft_overlong, builtin:financial_advice; or "reward_model:path/to/folder": a trained reward model (AutoModelForSequenceClassification, num_labels 1, e.g. from `rlstudio reward-model train`) scoring prompt + completion, args device and batch_size.
   */
  function: string;
  /**
   * Weight of this function in the total reward.
   */
  weight?: number;
  /**
   * Name in metrics (rewards/<name>/mean). Default: the function's name.
   */
  name?: string;
  /**
   * Keyword arguments for a built-in (for example soft_overlong's max_completion_length and cache; financial_advice's weights).
   */
  args?: {};
}
/**
 * This interface was referenced by `RewardTest`'s JSON-Schema
 * via the `definition` "RewardCase".
 */
export interface RewardCase {
  name?: string;
  /**
   * A string or chat messages [{role, content}], as in a dataset.
   */
  prompt?: string | unknown[];
  completion: string;
  /**
   * Token ids of the completion, for rewards that read completion_ids (default: none).
   */
  completion_ids?: number[];
  /**
   * Dataset columns the reward function receives as keyword arguments (e.g. reference).
   */
  columns?: {};
  /**
   * The reward function (by name) that `expected` applies to; default: every function tested.
   */
  function?: string;
  expected?: Expectation;
}
/**
 * The first `limit` rows of the config's datasets, scored against completions from a column or supplied in order.
 *
 * This interface was referenced by `RewardTest`'s JSON-Schema
 * via the `definition` "DatasetSource".
 */
export interface DatasetSource {
  limit?: number;
  /**
   * Column holding the completion text (default: 'completion' when present).
   */
  completion_column?: string;
  /**
   * One completion per row, in order.
   */
  completions?: string[];
}
/**
 * The samples a run recorded in its events.jsonl, re-scored with the current reward code; the score the run recorded is reported beside the new one.
 *
 * This interface was referenced by `RewardTest`'s JSON-Schema
 * via the `definition` "RunSource".
 */
export interface RunSource {
  run_dir: string;
  from_step?: number;
  to_step?: number;
  /**
   * At most this many samples, newest steps first.
   */
  limit?: number;
}
/**
 * This interface was referenced by `RewardTest`'s JSON-Schema
 * via the `definition` "RewardTestResponse".
 */
export interface RewardTestResponse {
  error?: TestError;
  functions: FunctionReport[];
  samples: SampleReport[];
  length_unit?: 'tokens' | 'characters';
  duration_ms?: number;
}
/**
 * This interface was referenced by `RewardTest`'s JSON-Schema
 * via the `definition` "TestError".
 */
export interface TestError {
  message: string;
  traceback?: string;
  /**
   * The user's file the error points at.
   */
  file?: string;
  /**
   * 1-based line in `file`.
   */
  line?: number;
}
/**
 * One reward function's results; `error`: a failure of the whole call (wrong return length, timeout) that no single sample explains.
 *
 * This interface was referenced by `RewardTest`'s JSON-Schema
 * via the `definition` "FunctionReport".
 */
export interface FunctionReport {
  name: string;
  reference: string;
  /**
   * file:line of the definition.
   */
  location?: string;
  weight: number;
  error?: TestError;
  /**
   * What the function printed (truncated).
   */
  output?: string;
  duration_ms: number;
  summary: ScoreSummary;
}
/**
 * This interface was referenced by `RewardTest`'s JSON-Schema
 * via the `definition` "ScoreSummary".
 */
export interface ScoreSummary {
  count: number;
  /**
   * Samples with a numeric score.
   */
  scored: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  /**
   * Population standard deviation of the numeric scores.
   */
  std: number | null;
  share_none: number;
  share_zero: number;
  share_error: number;
  /**
   * Pearson correlation of score with completion length (a reward-hacking hint); null with fewer than 3 scores or no variance.
   */
  length_correlation: number | null;
  histogram?: {
    from: number;
    to: number;
    count: number;
  }[];
}
/**
 * This interface was referenced by `RewardTest`'s JSON-Schema
 * via the `definition` "SampleReport".
 */
export interface SampleReport {
  index: number;
  name?: string;
  /**
   * file:line of the case or dataset row.
   */
  source?: string;
  /**
   * Run step the sample was recorded at.
   */
  step?: number;
  /**
   * The prompt as text (chat messages as JSON), truncated.
   */
  prompt: string;
  /**
   * Truncated to a readable size; `completion_chars` is the full length.
   */
  completion: string;
  completion_chars?: number;
  length: number;
  results: {
    [k: string]: SampleResult;
  };
  /**
   * Weighted total over the tested functions (TRL's nansum); null when a function failed.
   */
  total?: number | null;
  recorded_total?: number | null;
  check?: CaseCheck;
}
/**
 * This interface was referenced by `RewardTest`'s JSON-Schema
 * via the `definition` "SampleResult".
 */
export interface SampleResult {
  /**
   * null: the function returned None (or failed: see error).
   */
  score: number | null;
  error?: TestError;
  /**
   * This sample's share of the call (the batch time divided evenly when scored in one call).
   */
  duration_ms: number;
  /**
   * The score the run recorded (run source only).
   */
  recorded?: number | null;
}
/**
 * This interface was referenced by `RewardTest`'s JSON-Schema
 * via the `definition` "CaseCheck".
 */
export interface CaseCheck {
  passed: boolean;
  message: string;
  function?: string;
  expected?: Expectation;
  actual?: number | null;
}
/**
 * This interface was referenced by `RewardTest`'s JSON-Schema
 * via the `definition` "WorkerRequest".
 */
export interface WorkerRequest {
  id: number;
  method: 'test' | 'ping' | 'shutdown';
  params?: RewardTestRequest;
}
/**
 * This interface was referenced by `RewardTest`'s JSON-Schema
 * via the `definition` "WorkerResponse".
 */
export interface WorkerResponse {
  /**
   * The request's id; null when the request line could not be read.
   */
  id: number | null;
  result?: RewardTestResponse;
  error?: TestError;
  pong?: {
    pid?: number;
    python?: string;
  };
}
