/* Generated from schemas/ by scripts/gen-types.mjs (npm run gen:types). Do not edit. */

/**
 * An RL Studio run configuration (*.rlstudio.json). Key names follow TRL's GRPOConfig where TRL has one, so settings carry over from train_grpo.py scripts.
 */
export interface RunConfig {
  /**
   * Path or URL of this schema, for editors.
   */
  $schema?: string;
  /**
   * Human name of the run. The run directory is <output_dir>/<name>-<timestamp>.
   */
  name?: string;
  /**
   * The RL algorithm. grpo: Group Relative Policy Optimization (no critic; advantages from groups of completions per prompt). ppo: Proximal Policy Optimization with a critic (value model), a per-token KL penalty against the frozen reference and GAE (TRL's PPOTrainer semantics); its settings are in `ppo`.
   */
  algorithm?: 'grpo' | 'ppo';
  /**
   * Folder that holds run directories, relative to this config file. Each run gets <output_dir>/<run id>/ with config.json, events.jsonl, trainer.log and checkpoints/.
   */
  output_dir?: string;
  model: ModelConfig;
  data: DataConfig;
  /**
   * Reward functions. The total reward of a completion is the weighted sum of the functions that did not return None for it.
   *
   * @minItems 1
   */
  rewards: [RewardConfig, ...RewardConfig[]];
  sampling?: SamplingConfig;
  grpo?: GrpoConfig;
  ppo?: PpoConfig;
  training?: TrainingConfig;
  warm_start?: WarmStartConfig;
  eval?: EvalConfig;
  logging?: LoggingConfig;
  checkpointing?: CheckpointConfig;
  distributed?: DistributedConfig;
}
/**
 * The policy model.
 *
 * This interface was referenced by `RunConfig`'s JSON-Schema
 * via the `definition` "ModelConfig".
 */
export interface ModelConfig {
  /**
   * A local folder with a Hugging Face causal LM (relative to this config file), a Hugging Face hub id (needs network), or "builtin:tiny" for the small model built locally for the demo and tests.
   */
  name_or_path: string;
  /**
   * Weights dtype. auto: bfloat16 on a CUDA device that supports it, float32 on CPU.
   */
  dtype?: 'auto' | 'float32' | 'bfloat16' | 'float16';
  /**
   * auto: CUDA when available, CPU otherwise.
   */
  device?: 'auto' | 'cpu' | 'cuda';
  /**
   * Recompute activations in the backward pass to save memory (slower). Applied on CUDA and CPU alike. TRL defaults to true; RL Studio to false because checkpointing only costs time (about a third more per step) on models that fit without it: turn it on when a model does not fit.
   */
  gradient_checkpointing?: boolean;
  /**
   * Allow model code from the model folder or hub repository to run. Leave off unless you trust the model's source.
   */
  trust_remote_code?: boolean;
  lora?: LoraConfig;
}
/**
 * Train a LoRA adapter (peft) instead of all weights. With LoRA and beta > 0 the reference model is the base model with the adapter disabled, so no second copy is loaded.
 *
 * This interface was referenced by `RunConfig`'s JSON-Schema
 * via the `definition` "LoraConfig".
 */
export interface LoraConfig {
  /**
   * Use LoRA.
   */
  enabled?: boolean;
  /**
   * LoRA rank.
   */
  r?: number;
  /**
   * LoRA scaling numerator (scale = lora_alpha / r).
   */
  lora_alpha?: number;
  /**
   * Dropout on the LoRA branch.
   */
  lora_dropout?: number;
  /**
   * Module names to adapt, or "all-linear".
   */
  target_modules?: 'all-linear' | [string, ...string[]];
}
/**
 * Training prompts.
 *
 * This interface was referenced by `RunConfig`'s JSON-Schema
 * via the `definition` "DataConfig".
 */
export interface DataConfig {
  /**
   * One or more datasets, mixed by weight.
   *
   * @minItems 1
   */
  datasets: [DatasetConfig, ...DatasetConfig[]];
  /**
   * A system message put before every prompt (as a system turn with a chat template, or as a prefix line without one).
   */
  system_prompt?: string | null;
  /**
   * Format prompts with the tokenizer's chat template. auto: when the tokenizer has one.
   */
  chat_template?: 'auto' | 'always' | 'never';
  /**
   * Prompts longer than this many tokens are truncated from the left. null: no limit.
   */
  max_prompt_length?: number | null;
  /**
   * Shuffle prompts each epoch (seeded).
   */
  shuffle?: boolean;
}
/**
 * This interface was referenced by `RunConfig`'s JSON-Schema
 * via the `definition` "DatasetConfig".
 */
export interface DatasetConfig {
  /**
   * A .jsonl / .json (JSON lines) or .parquet file, relative to this config file.
   */
  path: string;
  /**
   * Record shape. auto recognises {prompt}, {messages}, {query, context, reference}, {instruction, input, output}, {problem, solution} and {question, answer} (GSM8K '#### N' answers give the reference).
   */
  format?:
    'auto' | 'prompt' | 'messages' | 'query_context_reference' | 'instruction' | 'problem_solution' | 'question_answer';
  /**
   * Field mapping for other shapes: which column is the prompt and which is the reference answer.
   */
  fields?: {
    /**
     * Column holding the prompt (a string or a list of chat messages).
     */
    prompt?: string;
    /**
     * Column holding the reference answer, passed to reward functions as `reference`.
     */
    reference?: string;
  };
  /**
   * Mixing weight relative to the other datasets.
   */
  weight?: number;
  /**
   * Use at most this many records.
   */
  max_samples?: number | null;
}
/**
 * This interface was referenced by `RunConfig`'s JSON-Schema
 * via the `definition` "RewardConfig".
 */
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
 * How completions are sampled, for every algorithm, the evaluation (do_sample) and the inference panel's defaults. TRL's GRPOConfig names.
 *
 * This interface was referenced by `RunConfig`'s JSON-Schema
 * via the `definition` "SamplingConfig".
 */
export interface SamplingConfig {
  /**
   * Most tokens generated per completion (512, TRL's default; TRL's PPOConfig calls it response_length).
   */
  max_completion_length?: number;
  /**
   * Sampling temperature.
   */
  temperature?: number;
  /**
   * Nucleus sampling.
   */
  top_p?: number;
  /**
   * Top-k sampling; null or 0 disables it.
   */
  top_k?: number | null;
  /**
   * Penalty for repeated tokens during sampling (1.0: none).
   */
  repetition_penalty?: number;
  /**
   * Min-p sampling (TRL's min_p): leave out tokens whose probability is below min_p times the most likely token's. Typical values 0.01-0.2. null: off.
   */
  min_p?: number | null;
  /**
   * Further keyword arguments for transformers' GenerationConfig when sampling (TRL's generation_kwargs), such as suppress_tokens or no_repeat_ngram_size; a key that is also a setting of this block (temperature, top_p, top_k, min_p, repetition_penalty) overrides it, as in TRL. Beam search (num_beams > 1) and num_return_sequences are refused: GRPO needs G independent samples per prompt.
   */
  generation_kwargs?: {} | null;
}
/**
 * GRPO settings, named as in TRL's GRPOConfig.
 *
 * This interface was referenced by `RunConfig`'s JSON-Schema
 * via the `definition` "GrpoConfig".
 */
export interface GrpoConfig {
  /**
   * Completions sampled per prompt (the group size G).
   */
  num_generations?: number;
  /**
   * Completions per prompt during evaluation (TRL's num_generations_eval); the eval metrics average over all of them. null: num_generations when eval.do_sample is true (TRL's default), 1 with greedy evaluation (RL Studio's default, where every completion of a prompt would be the same).
   */
  num_generations_eval?: number | null;
  /**
   * KL coefficient (k3 estimator against the reference model). 0: no reference model is loaded.
   */
  beta?: number;
  /**
   * Lower clipping bound of the importance ratio (1 - epsilon).
   */
  epsilon?: number;
  /**
   * Upper clipping bound (1 + epsilon_high), 'clip-higher' from DAPO. null: same as epsilon.
   */
  epsilon_high?: number | null;
  /**
   * Loss, as TRL's GRPOConfig. grpo: mean over each sequence's tokens, then over sequences. bnpo: mean over the local batch's tokens. dr_grpo: sum over tokens / (batch size x max_completion_length). dapo: sum over tokens / tokens in the global accumulated batch. cispo: REINFORCE on log-probs weighted by the importance ratio clipped at epsilon_high (no gradient through the weight; set epsilon_high, e.g. 5.0), dapo's normaliser. sapo: a soft sigmoid gate on the ratio (sapo_temperature_pos/neg) instead of the hard clip, grpo's aggregation. luspo: sum over each sequence's tokens, mean over sequences (use importance_sampling_level sequence). vespo: log-probs weighted by a gamma function of the sequence ratio (vespo_k_*, vespo_lambda_*), dapo's normaliser; token level only.
   */
  loss_type?: 'grpo' | 'bnpo' | 'dr_grpo' | 'dapo' | 'cispo' | 'sapo' | 'luspo' | 'vespo';
  /**
   * Divide advantages by the reward std of the group, of the whole batch, or not at all (Dr. GRPO).
   */
  scale_rewards?: 'group' | 'batch' | 'none';
  /**
   * Optimisation passes over each generated batch (mu); old log-probs are stored when > 1.
   */
  num_iterations?: number;
  /**
   * Exclude completions that hit max_completion_length without an end token from the loss.
   */
  mask_truncated_completions?: boolean;
  /**
   * token: one ratio per token (GRPO). sequence: one length-normalised ratio per sequence (GSPO).
   */
  importance_sampling_level?: 'token' | 'sequence';
  /**
   * grpo: a completion's reward minus its group's mean, scaled per scale_rewards. rloo (TRL's RLOOTrainer): its reward minus the mean of the other completions of its group (leave-one-out), unscaled unless normalize_advantages; the loss, KL and clipping stay GRPO's.
   */
  advantage_estimator?: 'grpo' | 'rloo';
  /**
   * rloo: standardise the advantages over the whole batch (TRL's RLOOConfig.normalize_advantages).
   */
  normalize_advantages?: boolean;
  /**
   * rloo: clip each completion's total reward to [low, high] before the baseline (TRL's RLOOConfig.reward_clip_range). null: no clipping.
   *
   * @minItems 2
   * @maxItems 2
   */
  reward_clip_range?: [number, number] | null;
  /**
   * Multiply the k3 KL term by the importance ratio so its gradient is unbiased when the batch is off-policy (TRL 1.16's default). Only matters with beta > 0.
   */
  use_bias_correction_kl?: boolean;
  /**
   * Two-sided GRPO: cap on the unclipped importance ratio, so a negative-advantage token cannot push the ratio up without bound. null: off. Use a value above 1 + epsilon_high.
   */
  delta?: number | null;
  /**
   * sapo: temperature of the soft gate for tokens with a positive advantage.
   */
  sapo_temperature_pos?: number;
  /**
   * sapo: temperature of the soft gate for tokens with a zero or negative advantage.
   */
  sapo_temperature_neg?: number;
  /**
   * vespo: power k of the gamma weight e^lambda w^k e^(-lambda w) of the sequence ratio w, for a non-negative advantage.
   */
  vespo_k_pos?: number;
  /**
   * vespo: decay lambda of the gamma weight, for a non-negative advantage.
   */
  vespo_lambda_pos?: number;
  /**
   * vespo: power k of the gamma weight, for a negative advantage.
   */
  vespo_k_neg?: number;
  /**
   * vespo: decay lambda of the gamma weight, for a negative advantage.
   */
  vespo_lambda_neg?: number;
  /**
   * Off-policy sequence mask (DeepSeek-V3.2): leave out a negative-advantage completion whose mean per-token log(pi_old / pi) exceeds this. null: off. Acts only with num_iterations > 1 (otherwise every batch is on-policy).
   */
  off_policy_mask_threshold?: number | null;
  /**
   * Keep in the policy loss only this top fraction of tokens by entropy ('Beyond the 80/20 rule': 0.2 keeps the 20% most uncertain tokens of each micro-batch). 1.0: every token.
   */
  top_entropy_quantile?: number;
  /**
   * Extra keyword arguments for the tokenizer's apply_chat_template when prompts are rendered (TRL's chat_template_kwargs), such as {"enable_thinking": false}. Used for training, evaluation and the warm start.
   */
  chat_template_kwargs?: {} | null;
  /**
   * How several reward functions combine (TRL's multi_objective_aggregation). sum_then_normalize: the weighted sum of the rewards, then scaled per scale_rewards. normalize_then_sum (GDPO): each function's rewards standardised within the group, their weighted sum then standardised over the batch (scale_rewards does not apply). Only with advantage_estimator grpo.
   */
  multi_objective_aggregation?: 'sum_then_normalize' | 'normalize_then_sum';
  /**
   * DAPO's dynamic sampling (an RL Studio setting: TRL 1.16 has none): leave out the groups whose rewards are all equal (zero std, so zero advantage and no gradient) and draw more prompts until the step's groups are all informative, at most dynamic_sampling_max_rounds generation rounds per step; if still short, the step is filled with the left-out groups (they add nothing to the gradient). Logged: dynamic_sampling/prompts_drawn, /rounds, /filled_with_zero_std. Only with num_iterations 1 and steps_per_generation equal to gradient_accumulation_steps.
   */
  dynamic_sampling?: boolean;
  /**
   * dynamic_sampling: most generation rounds (each one batch of prompts) per step, the first included.
   */
  dynamic_sampling_max_rounds?: number;
  /**
   * How many micro-batches (per process) one generation batch serves (TRL's steps_per_generation). null: gradient_accumulation_steps (one generation per optimizer step). Larger: one generation serves several steps, the later ones off-policy. Exclusive with generation_batch_size; a multiple of gradient_accumulation_steps here (TRL also allows a step that spans two generations).
   */
  steps_per_generation?: number | null;
  /**
   * Completions generated at once over all processes (TRL's generation_batch_size): per_device_train_batch_size x processes x steps_per_generation. null: from steps_per_generation. Exclusive with steps_per_generation; a multiple of num_generations.
   */
  generation_batch_size?: number | null;
  /**
   * Set every dropout probability of the policy (and reference) model to 0 (TRL's disable_dropout), so the log-probs of the loss match those of generation.
   */
  disable_dropout?: boolean;
  /**
   * Compute the language-model head of the policy and reference models in float32 (TRL's cast_lm_head_to_fp32, the ScaleRL recipe). A head tied to the input embeddings makes those float32 too; their output stays in the model's dtype, as in TRL 1.16. Not with a LoRA adapter on the head.
   */
  cast_lm_head_to_fp32?: boolean;
  /**
   * TR-DPO's reference update (TRL's sync_ref_model): every ref_model_sync_steps steps the reference becomes ref_model_mixup_alpha x policy + (1 - alpha) x reference. Needs beta > 0; not with LoRA (TRL refuses it too: the reference is the base model without the adapter).
   */
  sync_ref_model?: boolean;
  /**
   * sync_ref_model: the policy's share alpha in the new reference.
   */
  ref_model_mixup_alpha?: number;
  /**
   * sync_ref_model: steps between two reference updates.
   */
  ref_model_sync_steps?: number;
  /**
   * Entropy bonus (TRL's entropy_coef): the loss minus entropy_coef x the mean per-token entropy of the loss tokens (not rescaled per loss_type). With use_adaptive_entropy, the starting coefficient. 0: off.
   */
  entropy_coef?: number;
  /**
   * Skywork-OR1's adaptive entropy control (TRL's use_adaptive_entropy): after each step the coefficient rises by entropy_coef_delta when the step's entropy is at or below entropy_target, else falls, within [entropy_coef_min, entropy_coef_max]; the bonus applies only while entropy is at or below the target. Logged as entropy_coef.
   */
  use_adaptive_entropy?: boolean;
  /**
   * use_adaptive_entropy: lower bound of the coefficient.
   */
  entropy_coef_min?: number;
  /**
   * use_adaptive_entropy: upper bound of the coefficient.
   */
  entropy_coef_max?: number;
  /**
   * use_adaptive_entropy: change of the coefficient per step.
   */
  entropy_coef_delta?: number;
  /**
   * use_adaptive_entropy: target mean per-token entropy in nats, over the loss's tokens (the top_entropy_quantile subset when < 1). TRL's default 0.2 engages only near collapse; set it near the entropy logged early in training.
   */
  entropy_target?: number;
}
/**
 * PPO settings (used when algorithm is "ppo"), with TRL PPOConfig's names and defaults. One rollout batch is per_device_train_batch_size x gradient_accumulation_steps x num_mini_batches prompts, one completion each; it serves num_ppo_epochs x num_mini_batches optimizer steps (training.max_steps counts optimizer steps). Sampling settings (max_completion_length, temperature, top_p, top_k) come from the top-level `sampling` block.
 *
 * This interface was referenced by `RunConfig`'s JSON-Schema
 * via the `definition` "PpoConfig".
 */
export interface PpoConfig {
  /**
   * Passes over each rollout batch.
   */
  num_ppo_epochs?: number;
  /**
   * Mini-batches (optimizer steps) per pass over a rollout batch.
   */
  num_mini_batches?: number;
  /**
   * Weight of the per-token KL penalty against the frozen reference, subtracted from the reward (TRL's kl_coef). 0: no reference is loaded.
   */
  kl_coef?: number;
  /**
   * k1: log p - log p_ref (unbiased, can be negative); k3: (r - 1) - log r (unbiased, never negative, lower variance).
   */
  kl_estimator?: 'k1' | 'k3';
  /**
   * Adaptive KL controller (Ziegler et al. 2019): kl_coef starts at kl_coef and moves so the measured objective/kl approaches target. null: a fixed kl_coef.
   */
  adaptive_kl?: {
    /**
     * Target objective/kl (KL summed over a completion).
     */
    target: number;
    /**
     * Completions over which the coefficient may move by at most 20%.
     */
    horizon?: number;
  } | null;
  /**
   * Clip range of the policy ratio.
   */
  cliprange?: number;
  /**
   * Weight of the value loss.
   */
  vf_coef?: number;
  /**
   * Clip range of the value prediction around its rollout-time value.
   */
  cliprange_value?: number;
  /**
   * Discount factor.
   */
  gamma?: number;
  /**
   * GAE lambda.
   */
  lam?: number;
  /**
   * Whiten the per-token rewards (keeping their mean) before GAE.
   */
  whiten_rewards?: boolean;
  /**
   * Subtracted from the score of a completion that did not end with EOS within max_completion_length.
   */
  missing_eos_penalty?: number | null;
  /**
   * Entropy bonus: loss minus entropy_coef x the mean token entropy (not in TRL's PPO; 0 leaves it out).
   */
  entropy_coef?: number;
  /**
   * The value model: a causal-LM backbone with a scalar value head.
   */
  critic?: {
    /**
     * true: a value head on the policy's own backbone (one model; the value loss also trains the policy's body). false: a separate critic model.
     */
    shared_backbone?: boolean;
    /**
     * Separate critic only: "policy" (the policy's weights, a new head) or a local folder with a reward model / sequence-classification model (num_labels 1), relative to this config file.
     */
    init_from?: string;
  };
}
/**
 * Optimisation, named as in transformers' TrainingArguments.
 *
 * This interface was referenced by `RunConfig`'s JSON-Schema
 * via the `definition` "TrainingConfig".
 */
export interface TrainingConfig {
  /**
   * Peak learning rate (AdamW).
   */
  learning_rate?: number;
  /**
   * Learning-rate schedule after warmup (transformers' names). constant, constant_with_warmup, linear and cosine step once per optimizer step; reduce_lr_on_plateau keeps learning_rate and multiplies it by lr_scheduler_kwargs.factor when eval.metric_for_best_model has not improved for more than lr_scheduler_kwargs.patience evaluations (it needs eval enabled and has no warmup).
   */
  lr_scheduler_type?: 'constant' | 'constant_with_warmup' | 'linear' | 'cosine' | 'reduce_lr_on_plateau';
  /**
   * Settings of reduce_lr_on_plateau, torch's ReduceLROnPlateau arguments as transformers passes them (unset ones take torch's defaults). Other schedules take none.
   */
  lr_scheduler_kwargs?: {
    /**
     * "max": the metric should rise. Unset: follows eval.greater_is_better (transformers passes torch's "min"; a mode that contradicts greater_is_better is refused).
     */
    mode?: 'min' | 'max';
    /**
     * Multiplies the learning rate at each reduction (torch's default 0.1).
     */
    factor?: number;
    /**
     * Evaluations without improvement that are tolerated; the next one reduces the learning rate (torch's default 10).
     */
    patience?: number;
    /**
     * Smallest change that counts as an improvement (torch's default 1e-4).
     */
    threshold?: number;
    /**
     * threshold relative to the best value ("rel", torch's default) or absolute ("abs").
     */
    threshold_mode?: 'rel' | 'abs';
    /**
     * Evaluations after a reduction before bad evaluations count again (torch's default 0).
     */
    cooldown?: number;
    /**
     * Lower bound of the learning rate (torch's default 0).
     */
    min_lr?: number;
    /**
     * A reduction smaller than this is not applied (torch's default 1e-8).
     */
    eps?: number;
  };
  /**
   * Linear warmup steps (overrides warmup_ratio when > 0).
   */
  warmup_steps?: number;
  /**
   * Warmup as a fraction of max_steps.
   */
  warmup_ratio?: number;
  /**
   * Optimizer steps to train. -1: num_train_epochs passes over the prompts.
   */
  max_steps?: number;
  /**
   * Passes over the prompts when max_steps is -1 (3, as TRL).
   */
  num_train_epochs?: number;
  /**
   * Completions per device per micro-step (as in TRL). Prompts per micro-step = per_device_train_batch_size x processes / num_generations, which must be a whole number.
   */
  per_device_train_batch_size?: number;
  /**
   * Micro-steps accumulated into one optimizer step.
   */
  gradient_accumulation_steps?: number;
  /**
   * Gradient-norm clipping (0: off).
   */
  max_grad_norm?: number;
  /**
   * AdamW weight decay.
   */
  weight_decay?: number;
  /**
   * AdamW beta1.
   */
  adam_beta1?: number;
  /**
   * AdamW beta2.
   */
  adam_beta2?: number;
  /**
   * AdamW epsilon.
   */
  adam_epsilon?: number;
  /**
   * Seed for data order, sampling and initialisation.
   */
  seed?: number;
  /**
   * A step whose loss or gradients are NaN/Inf is skipped with an alert; this many in a row stop the run with an error.
   */
  max_consecutive_nonfinite_steps?: number;
}
/**
 * An optional short supervised phase before RL, shown as its own phase in the run. It trains on a dataset column that holds a target completion.
 *
 * This interface was referenced by `RunConfig`'s JSON-Schema
 * via the `definition` "WarmStartConfig".
 */
export interface WarmStartConfig {
  /**
   * Supervised optimizer steps before RL (0: no warm start).
   */
  steps?: number;
  /**
   * Learning rate of the warm start.
   */
  learning_rate?: number;
  /**
   * Examples per warm-start step.
   */
  batch_size?: number;
  /**
   * Dataset column with the target completion. Text inside the span markers (see mask_markers) is excluded from the loss.
   */
  completion_field?: string;
  /**
   * Datasets for the warm start (same formats as data.datasets). Default: the training datasets (records without completion_field are skipped).
   */
  datasets?: DatasetConfig[];
  /**
   * Start and end markers of spans in the target that are not trained (the markers are removed; the span is kept as context). Lets a warm start teach a format without teaching answers.
   *
   * @minItems 2
   * @maxItems 2
   */
  mask_markers?: [string, string];
}
/**
 * Evaluation on held-out prompts.
 *
 * This interface was referenced by `RunConfig`'s JSON-Schema
 * via the `definition` "EvalConfig".
 */
export interface EvalConfig {
  /**
   * Run evaluation.
   */
  enabled?: boolean;
  /**
   * Eval datasets (same formats as data.datasets).
   */
  datasets?: DatasetConfig[];
  /**
   * Evaluate every this many optimizer steps (and at the start and end).
   */
  eval_steps?: number;
  /**
   * Evaluate on at most this many prompts.
   */
  max_samples?: number | null;
  /**
   * false: greedy decoding; true: sample with the GRPO temperature.
   */
  do_sample?: boolean;
  /**
   * Metric that picks best_model/ (an eval_ metric name).
   */
  metric_for_best_model?: string;
  /**
   * Whether a larger metric_for_best_model is better.
   */
  greater_is_better?: boolean;
  /**
   * Stop after this many evaluations without a new best. null: never.
   */
  early_stopping_patience?: number | null;
}
/**
 * This interface was referenced by `RunConfig`'s JSON-Schema
 * via the `definition` "LoggingConfig".
 */
export interface LoggingConfig {
  /**
   * Write a metrics event every this many optimizer steps; with more than 1, each value is the mean over the steps since the last event, as in TRL. TRL defaults to 10; RL Studio to 1 because its dashboard is live and a 10-step gap hides the start of a short run.
   */
  logging_steps?: number;
  /**
   * Write samples events (prompts, completions, rewards, token masks). TRL defaults to false; RL Studio to true because the samples viewer is how you see what the reward rewards.
   */
  log_completions?: boolean;
  /**
   * Write a samples event every this many steps.
   */
  completions_steps?: number;
  /**
   * Prompt groups per samples event (all completions of each). null: all.
   */
  num_completions_to_log?: number | null;
  /**
   * Extra metric sinks. wandb is used only when the package is installed.
   */
  report_to?: ('tensorboard' | 'wandb')[];
}
/**
 * This interface was referenced by `RunConfig`'s JSON-Schema
 * via the `definition` "CheckpointConfig".
 */
export interface CheckpointConfig {
  /**
   * Save a checkpoint every this many optimizer steps. null: only at the end and on stop.
   */
  save_steps?: number | null;
  /**
   * Keep this many newest step checkpoints (best_model/ and final/ are never pruned). null: keep all.
   */
  keep_last?: number | null;
  /**
   * Checkpoint when stopped with SIGINT/SIGTERM.
   */
  save_on_stop?: boolean;
}
/**
 * This interface was referenced by `RunConfig`'s JSON-Schema
 * via the `definition` "DistributedConfig".
 */
export interface DistributedConfig {
  /**
   * Processes to start with torchrun (one per GPU; on CPU, gloo processes).
   */
  nproc_per_node?: number;
  /**
   * auto: nccl on CUDA, gloo on CPU.
   */
  backend?: 'auto' | 'nccl' | 'gloo';
  /**
   * ddp: a full replica per process. fsdp: shard parameters for models that do not fit one GPU (GRPO; PPO on several processes runs with ddp only).
   */
  strategy?: 'ddp' | 'fsdp';
}
