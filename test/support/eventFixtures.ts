// Builders of events.jsonl lines for tests and benchmarks (the shapes of schemas/trainer-event.schema.json).
export const T0 = 1_700_000_000;

export function runStarted(opts: { runId?: string; maxSteps?: number; pid?: number; time?: number } = {}): string {
  return JSON.stringify({
    type: 'run_started', time: opts.time ?? T0, schema_version: 1, run_id: opts.runId ?? 'run-1', algorithm: 'grpo',
    max_steps: opts.maxSteps ?? 100, model: 'builtin:tiny', device: 'cpu', pid: opts.pid,
    config: { model: { name_or_path: 'builtin:tiny' }, data: { datasets: [{ path: 'train.jsonl' }] }, rewards: [{ function: 'builtin:accuracy' }] },
  });
}

export const METRIC_NAMES = ['reward', 'reward_std', 'rewards/accuracy/mean', 'rewards/format/mean', 'frac_reward_zero_std',
  'kl', 'entropy', 'clip_ratio/low_mean', 'clip_ratio/high_mean', 'completions/mean_length', 'loss', 'grad_norm',
  'learning_rate', 'num_tokens', 'step_time', 'tokens_per_second'];

export function metrics(step: number, time = T0 + step): string {
  const m: Record<string, number | null> = {};
  for (let i = 0; i < METRIC_NAMES.length; i++) m[METRIC_NAMES[i]] = Math.sin(step * 0.01 + i) * 0.5 + i;
  return JSON.stringify({ type: 'metrics', time, step, phase: 'rl', metrics: m });
}

export function samples(step: number, groups = 2, perGroup = 4, completionChars = 200): string {
  const list = [];
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < perGroup; i++) {
      const completion = `<answer>${step + g + i}</answer> `.padEnd(completionChars, 'x');
      list.push({ group: g, index: i, prompt: `What is ${step} + ${g}?`, completion, rewards: { accuracy: i % 2 },
        reward: i % 2, advantage: i % 2 ? 0.5 : -0.5, length: completion.length, truncated: false });
    }
  }
  return JSON.stringify({ type: 'samples', time: T0 + step, step, samples: list });
}

export function checkpoint(step: number, pruned: string[] = []): string {
  return JSON.stringify({ type: 'checkpoint', time: T0 + step, step, path: `checkpoints/step_${step}`, kind: 'step', pruned });
}

export function finished(step: number, status = 'completed'): string {
  return JSON.stringify({ type: 'run_finished', time: T0 + step + 1, step, status, reason: 'max_steps' });
}

export function resumed(step: number, pid?: number): string {
  return JSON.stringify({ type: 'resumed', time: T0 + step + 2, step, checkpoint: `checkpoints/step_${step}`, pid });
}
