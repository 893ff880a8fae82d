/* Generated from schemas/ by scripts/gen-types.mjs (npm run gen:types). Do not edit. */

/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "ServeRequest".
 */
export type ServeRequest =
  | LoadRequest
  | UnloadRequest
  | GenerateRequest
  | ScoreRequest
  | BatchRequest
  | PromptsRequest
  | CancelRequest
  | ShutdownRequest;
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "RequestId".
 */
export type RequestId = string;
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "ServeReply".
 */
export type ServeReply =
  | ReadyReply
  | LoadedReply
  | UnloadedReply
  | TokenReply
  | GeneratedReply
  | ScoredReply
  | BatchProgressReply
  | PromptsReply
  | BatchDoneReply
  | OkReply
  | ErrorReply;

/**
 * JSON lines over stdio between the editor and `python -m rlstudio serve`: one request per line on stdin, replies (one or more per request, the last one final) on stdout. Every reply to a request carries its id; a request that cannot be read is answered with an error whose id is null.
 */
export interface ServeProtocol {
  request?: ServeRequest;
  reply?: ServeReply;
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "LoadRequest".
 */
export interface LoadRequest {
  id: RequestId;
  type: 'load';
  /**
   * the handle later requests name it by (e.g. 'a', 'b')
   */
  model: string;
  /**
   * checkpoints/step_N, best_model/, final/, a model folder (full or LoRA adapter) or builtin:tiny
   */
  checkpoint: string;
  /**
   * auto, cpu, cuda, cuda:N
   */
  device?: string;
  dtype?: 'auto' | 'float32' | 'bfloat16' | 'float16';
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "UnloadRequest".
 */
export interface UnloadRequest {
  id: RequestId;
  type: 'unload';
  model: string;
}
/**
 * prompt (text) or messages (chat); rendered as in training (the run's system prompt and chat template). With score, the answer is scored by the run's reward functions; reference and columns reach them as dataset columns.
 *
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "GenerateRequest".
 */
export interface GenerateRequest {
  id: RequestId;
  type: 'generate';
  model: string;
  prompt?: string;
  /**
   * @minItems 1
   */
  messages?: [ChatMessage, ...ChatMessage[]];
  sampling?: Sampling;
  stream?: boolean;
  score?: boolean;
  reference?: string | null;
  columns?: {};
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "ChatMessage".
 */
export interface ChatMessage {
  role: string;
  content: string;
}
/**
 * temperature 0 is greedy decoding; a seed makes a sampled answer repeatable (also when batched with other requests).
 *
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "Sampling".
 */
export interface Sampling {
  temperature?: number;
  top_p?: number;
  /**
   * 0: no top-k filter
   */
  top_k?: number;
  max_tokens?: number;
  seed?: number;
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "ScoreRequest".
 */
export interface ScoreRequest {
  id: RequestId;
  type: 'score';
  /**
   * whose run's reward functions score
   */
  model: string;
  prompt?: string;
  /**
   * @minItems 1
   */
  messages?: [ChatMessage, ...ChatMessage[]];
  /**
   * @minItems 1
   */
  completions: [string, ...string[]];
  reference?: string | null;
  columns?: {};
}
/**
 * Every prompt of a prompt file (JSONL or JSON of dataset records in any shape training reads, or plain text with one prompt a line) through a model; results with rewards go to output (JSONL) and a summary beside it.
 *
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "BatchRequest".
 */
export interface BatchRequest {
  id: RequestId;
  type: 'batch';
  model: string;
  prompts_file: string;
  /**
   * default: <run>/inference/batch-<time>.jsonl
   */
  output?: string;
  sampling?: Sampling;
  limit?: number;
  batch_size?: number;
}
/**
 * Records of a dataset read as training reads it (any shape), for picking prompts: the file given, or the first training dataset of the model's run.
 *
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "PromptsRequest".
 */
export interface PromptsRequest {
  id: RequestId;
  type: 'prompts';
  model?: string;
  path?: string;
  limit?: number;
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "CancelRequest".
 */
export interface CancelRequest {
  id: RequestId;
  type: 'cancel';
  target: RequestId;
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "ShutdownRequest".
 */
export interface ShutdownRequest {
  id: RequestId;
  type: 'shutdown';
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "ReadyReply".
 */
export interface ReadyReply {
  id: null;
  type: 'ready';
  protocol: 1;
  pid: number;
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "LoadedReply".
 */
export interface LoadedReply {
  id: RequestId;
  type: 'loaded';
  model: string;
  checkpoint: string;
  kind: 'full' | 'lora';
  /**
   * the base model of a LoRA adapter
   */
  base?: string | null;
  run_dir?: string | null;
  device: string;
  dtype: string;
  parameters: number;
  seconds: number;
  /**
   * empty when the checkpoint has no run config
   */
  reward_functions: string[];
  /**
   * why the run's reward functions could not be loaded (the model still answers)
   */
  rewards_error?: string;
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "UnloadedReply".
 */
export interface UnloadedReply {
  id: RequestId;
  type: 'unloaded';
  model: string;
}
/**
 * Streamed text as it is generated (not final); text may be empty while a character is incomplete.
 *
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "TokenReply".
 */
export interface TokenReply {
  id: RequestId;
  type: 'token';
  text: string;
  token_ids: number[];
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "GeneratedReply".
 */
export interface GeneratedReply {
  id: RequestId;
  type: 'generated';
  text: string;
  token_ids: number[];
  finish_reason: 'stop' | 'length' | 'cancelled';
  prompt_tokens: number;
  completion_tokens: number;
  first_token_seconds: number | null;
  seconds: number;
  /**
   * how many requests were decoded together with this one (itself included)
   */
  batch_size: number;
  scores?: RewardScore;
  /**
   * why the answer has no scores (a reward function failed; its message names the function and the sample)
   */
  score_error?: string;
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "RewardScore".
 */
export interface RewardScore {
  total: number;
  /**
   * null: the function does not apply
   */
  per_function: {
    [k: string]: number | null;
  };
  /**
   * the answer matches the reference (null: no reference)
   */
  correct?: boolean | null;
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "ScoredReply".
 */
export interface ScoredReply {
  id: RequestId;
  type: 'scored';
  scores: RewardScore[];
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "BatchProgressReply".
 */
export interface BatchProgressReply {
  id: RequestId;
  type: 'batch_progress';
  done: number;
  total: number;
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "PromptsReply".
 */
export interface PromptsReply {
  id: RequestId;
  type: 'prompts';
  path: string;
  prompts: DatasetPrompt[];
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "DatasetPrompt".
 */
export interface DatasetPrompt {
  prompt: string | ChatMessage[];
  reference: string | null;
  columns: {};
  /**
   * file:line
   */
  source: string;
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "BatchDoneReply".
 */
export interface BatchDoneReply {
  id: RequestId;
  type: 'batch_done';
  output: string;
  summary_file: string;
  summary: BatchSummary;
}
/**
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "BatchSummary".
 */
export interface BatchSummary {
  model: string;
  checkpoint: string;
  prompts_file: string;
  count: number;
  mean_reward: number | null;
  /**
   * share of answers matching the reference, over the prompts that have one
   */
  accuracy: number | null;
  with_reference: number;
  per_function_mean: {
    [k: string]: number | null;
  };
  finished: 'completed' | 'cancelled';
}
/**
 * The answer to cancel and shutdown.
 *
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "OkReply".
 */
export interface OkReply {
  id: RequestId;
  type: 'ok';
  found?: boolean;
}
/**
 * Final reply of a request that failed; id is null when the request itself could not be read.
 *
 * This interface was referenced by `ServeProtocol`'s JSON-Schema
 * via the `definition` "ErrorReply".
 */
export interface ErrorReply {
  id: string | null;
  type: 'error';
  message: string;
  /**
   * which stdin line (1-based) the error is about
   */
  line?: number;
}
