// Turns the RunStore's RunSummary into what the dashboard header shows. Pure (no `vscode`).
import type { RunSummary } from '../runs/types';
import type { RunHeader } from '../../webview/protocol';
import { algorithmOf, type Algorithm } from '../runs/algorithm';

/** A config value the header shows: its label, its JSON path in the resolved config, and when it is worth a field
 * (by default whenever it is a plain value). */
interface SummaryKey { label: string; path: string; when?: (config: unknown, value: unknown) => boolean }

const key = (label: string, path: string, when?: SummaryKey['when']): SummaryKey => ({ label, path, when });
const lossIs = (...types: string[]) => (c: unknown) => types.includes(String(at(c, 'grpo.loss_type')));
const notDefault = (dflt: unknown) => (_c: unknown, v: unknown) => v !== dflt;

// The config keys a person checks first when comparing runs of one algorithm, by JSON path in the resolved config.
// GRPO's newer TRL 1.16 settings show only where they change the loss (set, or away from TRL's default).
const SUMMARY_KEYS: Record<Algorithm, SummaryKey[]> = {
  grpo: [
    key('LoRA r', 'model.lora.r', (c) => at(c, 'model.lora.enabled') === true),
    key('lr', 'training.learning_rate'),
    key('batch', 'training.per_device_train_batch_size'),
    key('grad accum', 'training.gradient_accumulation_steps'),
    key('generations', 'grpo.num_generations'),
    key('max completion', 'sampling.max_completion_length'),
    key('beta', 'grpo.beta'),
    key('epsilon', 'grpo.epsilon'),
    key('epsilon high', 'grpo.epsilon_high'),
    key('loss', 'grpo.loss_type'),
    key('sapo temperature +', 'grpo.sapo_temperature_pos', lossIs('sapo')),
    key('sapo temperature -', 'grpo.sapo_temperature_neg', lossIs('sapo')),
    key('vespo k +', 'grpo.vespo_k_pos', lossIs('vespo')),
    key('vespo lambda +', 'grpo.vespo_lambda_pos', lossIs('vespo')),
    key('vespo k -', 'grpo.vespo_k_neg', lossIs('vespo')),
    key('vespo lambda -', 'grpo.vespo_lambda_neg', lossIs('vespo')),
    key('advantage', 'grpo.advantage_estimator', notDefault('grpo')),
    key('bias-corrected KL', 'grpo.use_bias_correction_kl', (c) => Number(at(c, 'grpo.beta')) > 0),
    key('delta', 'grpo.delta'),
    key('top entropy quantile', 'grpo.top_entropy_quantile', notDefault(1)),
    key('off-policy mask', 'grpo.off_policy_mask_threshold'),
    key('aggregation', 'grpo.multi_objective_aggregation', notDefault('sum_then_normalize')),
    key('dynamic sampling', 'grpo.dynamic_sampling', notDefault(false)),
    key('steps/generation', 'grpo.steps_per_generation'),
    key('generation batch', 'grpo.generation_batch_size'),
    key('entropy coef', 'grpo.entropy_coef', notDefault(0)),
    key('adaptive entropy', 'grpo.use_adaptive_entropy', notDefault(false)),
    key('sync ref', 'grpo.sync_ref_model', notDefault(false)),
    key('temperature', 'sampling.temperature'),
    key('min_p', 'sampling.min_p'),
    key('seed', 'training.seed'),
  ],
  // TRL's PPOConfig names, in the run config's `ppo` block; sampling settings from the shared sampling block.
  ppo: [
    key('LoRA r', 'model.lora.r', (c) => at(c, 'model.lora.enabled') === true),
    key('lr', 'training.learning_rate'),
    key('batch', 'training.per_device_train_batch_size'),
    key('grad accum', 'training.gradient_accumulation_steps'),
    key('ppo epochs', 'ppo.num_ppo_epochs'),
    key('mini-batches', 'ppo.num_mini_batches'),
    key('kl coef', 'ppo.kl_coef'),
    key('kl estimator', 'ppo.kl_estimator'),
    key('cliprange', 'ppo.cliprange'),
    key('vf coef', 'ppo.vf_coef'),
    key('cliprange value', 'ppo.cliprange_value'),
    key('gamma', 'ppo.gamma'),
    key('lam', 'ppo.lam'),
    key('whiten rewards', 'ppo.whiten_rewards'),
    key('max completion', 'sampling.max_completion_length'),
    key('temperature', 'sampling.temperature'),
    key('seed', 'training.seed'),
  ],
};

function at(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function configSummary(config: unknown, algorithm: string | null = 'grpo'): [string, string][] {
  const out: [string, string][] = [];
  for (const { label, path, when } of SUMMARY_KEYS[algorithmOf(algorithm)]) {
    const v = at(config, path);
    if (v === undefined || v === null || typeof v === 'object') continue;
    if (when && !when(config, v)) continue;
    out.push([label, String(v)]);
  }
  const rewards = at(config, 'rewards');
  if (Array.isArray(rewards)) {
    const names = rewards.map((r) => String((r as { name?: unknown; function?: unknown })?.name ?? (r as { function?: unknown })?.function ?? '?'));
    out.push(['rewards', names.join(', ')]);
  }
  return out;
}

/** RunSummary times are Unix milliseconds (types.ts); the webview's RunHeader speaks Unix seconds (protocol.ts). */
export function msToSeconds(t: number | null): number | null {
  return t === null || !Number.isFinite(t) ? null : t / 1000;
}

export function toRunHeader(s: RunSummary): RunHeader {
  return {
    id: s.id,
    status: s.status,
    step: s.step,
    maxSteps: s.maxSteps,
    algorithm: s.algorithm,
    model: s.model,
    device: s.device,
    startedAt: msToSeconds(s.startedAt),
    finishedAt: msToSeconds(s.finishedAt),
    lastEventAt: msToSeconds(s.lastEventAt),
    configSummary: configSummary(s.config, s.algorithm),
    hasConfig: s.config !== null,
    error: s.error,
    warmStart: s.warmStart,
    rlStepSeconds: s.rlStepMs === null ? null : s.rlStepMs / 1000,
    reward: typeof s.latest.reward === 'number' ? s.latest.reward : null,
    bestEval: s.bestEval,
  };
}
