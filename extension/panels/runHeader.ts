// Turns the RunStore's RunSummary into what the dashboard header shows. Pure (no `vscode`).
import type { RunSummary } from '../runs/types';
import type { RunHeader } from '../../webview/protocol';

// The config keys a person checks first when comparing GRPO runs, by JSON path in the resolved config.
const SUMMARY_KEYS: [string, string][] = [
  ['LoRA r', 'model.lora.r'],
  ['lr', 'training.learning_rate'],
  ['batch', 'training.per_device_train_batch_size'],
  ['grad accum', 'training.gradient_accumulation_steps'],
  ['generations', 'grpo.num_generations'],
  ['max completion', 'sampling.max_completion_length'],
  ['beta', 'grpo.beta'],
  ['epsilon', 'grpo.epsilon'],
  ['loss', 'grpo.loss_type'],
  ['temperature', 'sampling.temperature'],
  ['seed', 'training.seed'],
];

// Settings that change what a GRPO step trains on, shown only when set away from TRL's default (off).
const CHANGED_KEYS: [string, string, unknown][] = [
  ['dynamic sampling', 'grpo.dynamic_sampling', false],
  ['steps/generation', 'grpo.steps_per_generation', null],
  ['generation batch', 'grpo.generation_batch_size', null],
  ['aggregation', 'grpo.multi_objective_aggregation', 'sum_then_normalize'],
  ['entropy coef', 'grpo.entropy_coef', 0],
  ['adaptive entropy', 'grpo.use_adaptive_entropy', false],
  ['sync ref', 'grpo.sync_ref_model', false],
  ['min_p', 'sampling.min_p', null],
];

function at(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function configSummary(config: unknown): [string, string][] {
  const out: [string, string][] = [];
  const lora = at(config, 'model.lora.enabled');
  for (const [label, path] of SUMMARY_KEYS) {
    if (label === 'LoRA r' && lora !== true) continue;
    const v = at(config, path);
    if (v === undefined || v === null || typeof v === 'object') continue;
    out.push([label, String(v)]);
  }
  for (const [label, path, off] of CHANGED_KEYS) {
    const v = at(config, path);
    if (v === undefined || v === null || v === off || typeof v === 'object') continue;
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
    configSummary: configSummary(s.config),
    hasConfig: s.config !== null,
    error: s.error,
    warmStart: s.warmStart,
    rlStepSeconds: s.rlStepMs === null ? null : s.rlStepMs / 1000,
    reward: typeof s.latest.reward === 'number' ? s.latest.reward : null,
    bestEval: s.bestEval,
  };
}
