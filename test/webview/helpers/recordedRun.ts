// A recorded GRPO run as the trainer writes it to events.jsonl: TRL metric names, per-function rewards with stds,
// samples with tokens and loss masks, eval, a checkpoint, a trainer alert and one non-finite step. Deterministic
// (seeded) so tests can count exactly what each chart must show.
import type { TrainerEvent, Sample } from '../../../schemas/generated/trainerEvent';
import { mulberry32 } from '../../../extension/inference/onnx/sampling';

export const REWARD_FNS = ['accuracy', 'format'];

export interface RecordedRunOptions {
  runId: string;
  maxSteps: number;
  seed?: number;
  samplesEvery?: number;
  evalEvery?: number;
  /** Steps whose loss and grad_norm were non-finite (written as null). */
  nonFiniteSteps?: number[];
  groups?: number;
  perGroup?: number;
  t0?: number;
}

/** mulberry32: consecutive seeds give uncorrelated streams (an LCG's would show as stripes in the charts). */
const rng = mulberry32;

export function runStartedEvent(o: RecordedRunOptions): TrainerEvent {
  return {
    type: 'run_started', time: o.t0 ?? 1_700_000_000, schema_version: 1, run_id: o.runId, algorithm: 'grpo',
    max_steps: o.maxSteps, model: 'builtin:tiny', device: 'cpu', dtype: 'float32', world_size: 1,
    config: {
      name: o.runId, algorithm: 'grpo',
      model: { name_or_path: 'builtin:tiny', lora: { enabled: true, r: 8 } },
      data: { datasets: [{ path: 'data/train.jsonl' }] },
      rewards: REWARD_FNS.map((f) => ({ function: `builtin:${f}`, name: f })),
      sampling: { max_completion_length: 64, temperature: 1 },
      grpo: { num_generations: o.perGroup ?? 4, beta: 0.04, epsilon: 0.2, loss_type: 'dapo' },
      training: { learning_rate: 1e-5, per_device_train_batch_size: 8, gradient_accumulation_steps: 2, max_steps: o.maxSteps, seed: o.seed ?? 1 },
    },
  };
}

/** Events of steps from..to (inclusive), in file order. */
export function stepEvents(o: RecordedRunOptions, from: number, to: number): TrainerEvent[] {
  const out: TrainerEvent[] = [];
  const t0 = o.t0 ?? 1_700_000_000;
  const nonFinite = new Set(o.nonFiniteSteps ?? []);
  for (let step = from; step <= to; step++) {
    const r = rng((o.seed ?? 1) * 100_003 + step);
    const p = step / o.maxSteps;
    const acc = Math.min(1, 0.1 + 0.7 * p + 0.1 * (r() - 0.5));
    const fmt = Math.min(1, 0.3 + 0.6 * Math.sqrt(p) + 0.1 * (r() - 0.5));
    const warm = Math.min(1, step / 10);
    const lr = 1e-5 * warm * (0.5 + 0.5 * Math.cos(Math.PI * p));
    const meanLen = 30 + 10 * p + 4 * r();
    out.push({
      type: 'metrics', time: t0 + step * 2.5, step, phase: 'rl', metrics: {
        reward: acc + 0.5 * fmt, reward_std: 0.3 + 0.1 * r(),
        'rewards/accuracy/mean': acc, 'rewards/accuracy/std': 0.4 * (1 - p) + 0.05,
        'rewards/format/mean': fmt, 'rewards/format/std': 0.3 * (1 - p) + 0.05,
        frac_reward_zero_std: 0.2 + 0.2 * p * r(),
        kl: 0.002 + 0.02 * p + 0.002 * r(), entropy: 1.8 - 0.8 * p + 0.05 * r(),
        'clip_ratio/low_mean': 0.01 * r(), 'clip_ratio/high_mean': 0.02 * r(), 'clip_ratio/region_mean': 0.03 * r(),
        'completions/mean_length': meanLen, 'completions/min_length': meanLen - 12, 'completions/max_length': meanLen + 20,
        'completions/clipped_ratio': 0.05 + 0.05 * r(),
        loss: nonFinite.has(step) ? null : 0.05 * (r() - 0.5), grad_norm: nonFinite.has(step) ? null : 0.5 + r(),
        learning_rate: lr, num_tokens: step * 16 * 45, step_time: 2.4 + 0.2 * r(), tokens_per_second: 280 + 30 * r(),
      },
    });
    if (o.samplesEvery && step % o.samplesEvery === 0) out.push({ type: 'samples', time: t0 + step * 2.5 + 0.1, step, samples: makeSamples(o, step) });
    if (o.evalEvery && step % o.evalEvery === 0) {
      out.push({ type: 'eval', time: t0 + step * 2.5 + 0.2, step, metrics: { reward: acc + 0.4, accuracy: acc }, is_best: true });
      out.push({ type: 'checkpoint', time: t0 + step * 2.5 + 0.3, step, path: `checkpoints/step_${step}`, kind: 'step' });
    }
    if (nonFinite.has(step)) {
      out.push({ type: 'alert', time: t0 + step * 2.5 + 0.4, step, level: 'warning', code: 'nonfinite_loss_skipped',
        message: `Step ${step} had a non-finite loss; the update was skipped.`, hint: 'Lower the learning rate.' });
    }
  }
  return out;
}

const WORDS = ['The', ' answer', ' is', ' 4', '2', '.', '\n', '<answer>', '42', '</answer>', ' because', ' 6', ' *', ' 7'];

export function makeSamples(o: RecordedRunOptions, step: number): Sample[] {
  const r = rng((o.seed ?? 1) * 7919 + step);
  const groups = o.groups ?? 4, perGroup = o.perGroup ?? 4;
  const out: Sample[] = [];
  for (let g = 0; g < groups; g++) {
    const prompt = `Question ${g} at step ${step}: what is 6 * 7?`;
    const rewards: { reward: number; accuracy: number | null; format: number | null }[] = [];
    for (let i = 0; i < perGroup; i++) {
      const accuracy = r() < 0.5 ? 1 : 0;
      // format is "not applicable" (null) for some completions, as TRL reward functions may return None.
      const format = i === 1 ? null : Math.round(r() * 10) / 10;
      rewards.push({ reward: accuracy + 0.5 * (format ?? 0), accuracy, format });
    }
    const mean = rewards.reduce((a, b) => a + b.reward, 0) / perGroup;
    for (let i = 0; i < perGroup; i++) {
      const n = 6 + Math.floor(r() * 10);
      const tokens = Array.from({ length: n }, (_, k) => WORDS[(k + i + g) % WORDS.length]);
      // The first two tokens are a tool/prefix span the policy gradient does not train.
      const loss_mask = tokens.map((_, k) => (k < 2 ? 0 : 1)) as (0 | 1)[];
      out.push({
        group: g, index: i, prompt, completion: tokens.join(''), rewards: { accuracy: rewards[i].accuracy, format: rewards[i].format },
        reward: rewards[i].reward, advantage: Math.round((rewards[i].reward - mean) * 1000) / 1000, length: n,
        truncated: i === perGroup - 1 && g % 2 === 0, completion_ids: tokens.map((_, k) => 100 + k), tokens, loss_mask,
      });
    }
  }
  return out;
}

/** Counts a chart must show: points per metric name as the store names them (eval metrics get eval_). */
export function pointsPerMetric(events: TrainerEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'metrics' && e.type !== 'eval') continue;
    for (const k of Object.keys(e.metrics)) {
      const name = e.type === 'eval' ? `eval_${k}` : k;
      out.set(name, (out.get(name) ?? 0) + 1);
    }
  }
  return out;
}

export function toJsonl(events: TrainerEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}
