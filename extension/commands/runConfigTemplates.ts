// Templates for "New Run Config". Keys and values follow schemas/run-config.schema.json (checked by a unit test).
export interface RunConfigTemplate {
  label: string;
  detail: string;
  defaultName: string;
  config: Record<string, unknown>;
}

export const RUN_CONFIG_TEMPLATES: RunConfigTemplate[] = [
  {
    label: 'GRPO: built-in tiny model (CPU)',
    detail: 'The small locally built model; edit data.datasets to point at your prompts (JSON lines).',
    defaultName: 'tiny-grpo',
    config: {
      algorithm: 'grpo',
      output_dir: 'runs',
      model: { name_or_path: 'builtin:tiny', device: 'auto' },
      data: { datasets: [{ path: 'data/train.jsonl', format: 'auto' }] },
      rewards: [{ function: 'builtin:format_soft', weight: 0.2 }, { function: 'builtin:accuracy', weight: 1.0 }],
      sampling: { max_completion_length: 32, temperature: 1.0 },
      grpo: { num_generations: 8, beta: 0.0, loss_type: 'dapo' },
      training: { learning_rate: 1e-3, max_steps: 100, per_device_train_batch_size: 16, seed: 42 },
      logging: { logging_steps: 1, completions_steps: 5 },
      checkpointing: { save_steps: 25, keep_last: 2 },
    },
  },
  {
    label: 'PPO: built-in tiny model (CPU)',
    detail: 'Actor-critic: one completion per prompt, a critic from the policy, a KL penalty in the reward (TRL PPOConfig names).',
    defaultName: 'tiny-ppo',
    config: {
      algorithm: 'ppo',
      output_dir: 'runs',
      model: { name_or_path: 'builtin:tiny', device: 'auto' },
      data: { datasets: [{ path: 'data/train.jsonl', format: 'auto' }] },
      rewards: [{ function: 'builtin:format_soft', weight: 0.2 }, { function: 'builtin:accuracy', weight: 1.0 }],
      sampling: { max_completion_length: 32, temperature: 1.0 },
      ppo: { num_ppo_epochs: 2, num_mini_batches: 2, kl_coef: 0.05, kl_estimator: 'k1', cliprange: 0.2, vf_coef: 0.1,
        cliprange_value: 0.2, gamma: 1.0, lam: 0.95, critic: { shared_backbone: false, init_from: 'policy' } },
      training: { learning_rate: 5e-4, max_steps: 100, per_device_train_batch_size: 32, seed: 42 },
      logging: { logging_steps: 1, completions_steps: 5 },
      checkpointing: { save_steps: 25, keep_last: 2 },
    },
  },
  {
    label: 'GRPO: Hugging Face model with LoRA (GPU)',
    detail: 'A local folder or hub id; LoRA adapters, bf16 on CUDA, a reward function of your own in rewards.py.',
    defaultName: 'lora-grpo',
    config: {
      algorithm: 'grpo',
      output_dir: 'runs',
      model: { name_or_path: 'Qwen/Qwen2.5-0.5B-Instruct', dtype: 'auto', device: 'auto', gradient_checkpointing: true,
        lora: { enabled: true, r: 16, lora_alpha: 32, target_modules: 'all-linear' } },
      data: { datasets: [{ path: 'data/train.jsonl', format: 'auto' }], max_prompt_length: 512 },
      rewards: [{ function: 'rewards.py:correctness_reward', weight: 1.0 }, { function: 'builtin:format_soft', weight: 0.2 }],
      sampling: { max_completion_length: 256 },
      grpo: { num_generations: 8, beta: 0.0, epsilon: 0.2, epsilon_high: 0.28, loss_type: 'dapo' },
      training: { learning_rate: 1e-6, max_steps: 500, per_device_train_batch_size: 8, gradient_accumulation_steps: 4 },
      eval: { enabled: false, eval_steps: 50 },
      checkpointing: { save_steps: 50, keep_last: 3 },
      distributed: { nproc_per_node: 1 },
    },
  },
];
