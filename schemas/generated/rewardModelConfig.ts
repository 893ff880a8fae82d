/* Generated from schemas/ by scripts/gen-types.mjs (npm run gen:types). Do not edit. */

/**
 * A reward-model training config (*.reward-model.json) for `python -m rlstudio reward-model train --config F`: a Bradley-Terry reward model on preference pairs, saved as an AutoModelForSequenceClassification folder (num_labels 1) that PPO's reward_model setting and critic can load. Names follow TRL's RewardConfig where it has one.
 */
export interface RewardModelConfig {
  $schema?: string;
  /**
   * Human name of the run. The run directory is <output_dir>/<name>-<timestamp>.
   */
  name?: string;
  /**
   * Folder that holds run directories, relative to this config file. The trained model is <run>/model/.
   */
  output_dir?: string;
  /**
   * The backbone the reward model starts from: a causal LM (a new scalar head is added) or a sequence-classification model with one label (trained on).
   */
  model: {
    /**
     * A local folder with a Hugging Face model (relative to this config file), a hub id (needs network), or "builtin:tiny".
     */
    name_or_path: string;
    /**
     * auto: bfloat16 on a CUDA device that supports it, float32 on CPU.
     */
    dtype?: 'auto' | 'float32' | 'bfloat16' | 'float16';
    device?: 'auto' | 'cpu' | 'cuda';
    trust_remote_code?: boolean;
  };
  /**
   * Preference pairs: JSONL or Parquet rows {prompt, chosen, rejected} (text) or with chosen / rejected as chat messages ([{role, content}], prompt optional). An optional numeric `margin` column is used as TRL uses it.
   */
  data: {
    /**
     * Relative to this config file.
     */
    train_file: string;
    /**
     * Held-out pairs for pair accuracy. null: eval_fraction of the training rows are held out.
     */
    eval_file?: string | null;
    /**
     * Share of training rows held out when eval_file is null (0: no held-out accuracy).
     */
    eval_fraction?: number;
    /**
     * Pairs whose chosen or rejected sequence is longer (in tokens, prompt included) are left out, as TRL does.
     */
    max_length?: number | null;
  };
  training?: {
    /**
     * TRL RewardConfig's default.
     */
    learning_rate?: number;
    lr_scheduler_type?: 'linear' | 'constant' | 'cosine';
    warmup_ratio?: number;
    num_train_epochs?: number;
    /**
     * Optimizer steps; -1: num_train_epochs decides.
     */
    max_steps?: number;
    /**
     * Pairs per step.
     */
    per_device_train_batch_size?: number;
    per_device_eval_batch_size?: number;
    weight_decay?: number;
    max_grad_norm?: number;
    /**
     * TRL: adds coefficient x mean((r_chosen + r_rejected)^2) to the loss, so rewards stay centred on 0 (Eisenstein et al. suggest 0.01).
     */
    center_rewards_coefficient?: number | null;
    disable_dropout?: boolean;
    logging_steps?: number;
    /**
     * Held-out accuracy every N steps; null: at the end only.
     */
    eval_steps?: number | null;
    seed?: number;
  };
}
