// A recorded PPO run as the trainer writes it to events.jsonl: TRL's PPOTrainer metric names (objective/*, policy/*,
// loss/*, val/*), the step-time breakdown (timing/*, step_time, tokens_per_second, mfu), a `ppo` config block with
// TRL's PPOConfig keys. Deterministic. `criticFails` makes the value function go wrong from that step on (explained
// variance below 0, value loss growing), so the PPO health checks have something to find.
import type { RunStartedEvent, TrainerEvent } from '../../../schemas/generated/trainerEvent';
import { runStartedEvent } from './recordedRun';

export interface RecordedPpoOptions {
  runId: string;
  maxSteps: number;
  criticFails?: number;
  t0?: number;
}

export const PPO_METRICS = ['objective/kl', 'objective/entropy', 'objective/non_score_reward', 'objective/rlhf_reward',
  'objective/scores', 'policy/approxkl_avg', 'policy/clipfrac_avg', 'loss/policy_avg', 'loss/value_avg', 'val/clipfrac_avg',
  'policy/entropy_avg', 'val/ratio', 'val/ratio_var', 'val/num_eos_tokens', 'val/explained_variance'];
export const TIMING_METRICS = ['timing/generation', 'timing/reference', 'timing/old_logps', 'timing/rewards', 'timing/train'];

/** The GRPO fixture's run_started with algorithm "ppo" and a config with a `ppo` block instead of `grpo`. */
export function ppoRunStartedEvent(o: RecordedPpoOptions): TrainerEvent {
  return {
    ...(runStartedEvent(o) as RunStartedEvent), algorithm: 'ppo',
    config: {
      name: o.runId, algorithm: 'ppo',
      model: { name_or_path: 'builtin:tiny', lora: { enabled: false } },
      data: { datasets: [{ path: 'data/train.jsonl' }] },
      rewards: [{ function: 'builtin:accuracy', name: 'accuracy' }],
      ppo: { num_ppo_epochs: 4, num_mini_batches: 2, kl_coef: 0.05, kl_estimator: 'k1', cliprange: 0.2, vf_coef: 0.1,
        cliprange_value: 0.2, gamma: 1, lam: 0.95, whiten_rewards: false },
      training: { learning_rate: 3e-6, per_device_train_batch_size: 8, gradient_accumulation_steps: 1, max_steps: o.maxSteps, seed: 1 },
    },
  };
}

/** Metrics events of steps from..to. The step takes 2.0 s: generation 1.56 s (78%), train 0.3, reference 0.08,
 * old log-probs 0.04, rewards 0.02. */
export function ppoStepEvents(o: RecordedPpoOptions, from: number, to: number): TrainerEvent[] {
  const out: TrainerEvent[] = [];
  for (let step = from; step <= to; step++) {
    const p = step / o.maxSteps;
    const wiggle = ((step * 7919) % 13) / 130; // deterministic, small
    const failing = o.criticFails !== undefined && step >= o.criticFails;
    const score = 0.1 + 0.8 * p + wiggle / 4;
    const kl = 0.5 + 2 * p;
    out.push({
      type: 'metrics', time: (o.t0 ?? 1_700_000_000) + step * 2, step, phase: 'rl', metrics: {
        'objective/scores': score, 'objective/kl': kl, 'objective/non_score_reward': -0.05 * kl, 'objective/rlhf_reward': score - 0.05 * kl,
        'objective/entropy': 40 - 10 * p, 'policy/entropy_avg': 1.9 - 0.4 * p,
        'policy/approxkl_avg': 0.004 + wiggle / 100, 'policy/clipfrac_avg': 0.05 + wiggle / 10, 'val/clipfrac_avg': 0.1 + wiggle / 10,
        'loss/policy_avg': -0.01 + wiggle / 50, 'loss/value_avg': failing ? 0.2 * 30 * (1 + step - o.criticFails!) : 0.2 - 0.1 * p,
        'val/explained_variance': failing ? -0.4 - wiggle : 0.2 + 0.6 * p, 'val/ratio': 1 + wiggle / 100, 'val/ratio_var': 1e-4 * (1 + wiggle),
        'val/num_eos_tokens': 6 + (step % 3), grad_norm: 0.8 + wiggle, learning_rate: 3e-6,
        'timing/generation': 1.56, 'timing/reference': 0.08, 'timing/old_logps': 0.04, 'timing/rewards': 0.02, 'timing/train': 0.3,
        step_time: 2.0, tokens_per_second: 512 + step, mfu: 0.031,
      },
    });
  }
  return out;
}
