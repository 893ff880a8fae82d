// Which charts the dashboard shows for a set of metric names, grouped the way a person reads a GRPO or a PPO run.
// Names follow TRL (GRPOTrainer's and PPOTrainer's). Pure: no DOM. Warm-start metrics form their own section on their own step axis (supervised
// steps), so they neither sit under "Other" nor stretch the RL charts' x range.
import { EVAL_PREFIX, WARM_START_PREFIX, isWarmStartSeries } from '../../extension/runs/metricNames';
import { algorithmOf, type Algorithm } from '../../extension/runs/algorithm';
import { timingParts } from './stepTime';

export type GroupId = 'rewards' | 'policy' | 'value' | 'lengths' | 'optimisation' | 'speed' | 'eval' | 'warm_start' | 'other';
/** The step axis a card is drawn on: RL optimizer steps, or the warm start's supervised steps. */
export type Axis = 'rl' | 'warm_start';

export const GROUPS: { id: GroupId; title: string }[] = [
  { id: 'rewards', title: 'Rewards' },
  { id: 'policy', title: 'Policy' },
  { id: 'value', title: 'Value function (critic)' },
  { id: 'lengths', title: 'Completion lengths' },
  { id: 'optimisation', title: 'Optimisation' },
  { id: 'speed', title: 'Speed' },
  { id: 'eval', title: 'Evaluation (held-out)' },
  { id: 'warm_start', title: 'Warm start (supervised steps, before RL)' },
  { id: 'other', title: 'Other metrics' },
];

export interface LineSpec {
  metric: string;
  label: string;
  /** Metric holding the standard deviation drawn as a band around this line. */
  std?: string;
}

export interface CardSpec {
  id: string;
  title: string;
  group: GroupId;
  lines: LineSpec[];
  axis: Axis;
  /** False for sparse series (evaluations): every point is a whole evaluation, and smoothing would hide its peak. */
  smooth: boolean;
}

/** Readable words for a metric name: "eval_accuracy" -> "accuracy", "warm_start/grad_norm" -> "grad norm". */
export function metricWords(name: string): string {
  const bare = name.startsWith(EVAL_PREFIX) ? name.slice(EVAL_PREFIX.length) : isWarmStartSeries(name) ? name.slice(WARM_START_PREFIX.length) : name;
  const fn = REWARD_FN.exec(bare);
  return fn ? `${fn[1]} reward` : bare.replace(/^completions\//, 'completion ').replace(/[_/]+/g, ' ').trim();
}

interface FixedCard { id: string; title: string; group: GroupId; metrics: string[]; labels?: string[] }

// Cards of every algorithm. The step-time card draws the step's total with its parts (timing/*) beside it.
const COMMON: FixedCard[] = [
  { id: 'grad_norm', title: 'Gradient norm', group: 'optimisation', metrics: ['grad_norm'] },
  { id: 'learning_rate', title: 'Learning rate', group: 'optimisation', metrics: ['learning_rate'] },
  { id: 'step_time', title: 'Step time (s)', group: 'speed', metrics: ['step_time'] },
  { id: 'tokens_per_second', title: 'Tokens per second', group: 'speed', metrics: ['tokens_per_second'] },
  { id: 'mfu', title: 'Model FLOPs utilisation (share of the device peak)', group: 'speed', metrics: ['mfu'] },
  { id: 'num_tokens', title: 'Tokens seen', group: 'speed', metrics: ['num_tokens'] },
];

const FIXED: Record<Algorithm, FixedCard[]> = {
  grpo: [
    { id: 'frac_reward_zero_std', title: 'Groups with zero reward std', group: 'rewards', metrics: ['frac_reward_zero_std'] },
    { id: 'loss', title: 'Loss', group: 'policy', metrics: ['loss'] },
    { id: 'kl', title: 'KL divergence', group: 'policy', metrics: ['kl'] },
    { id: 'entropy', title: 'Entropy', group: 'policy', metrics: ['entropy'] },
    { id: 'completions/clipped_ratio', title: 'Truncated completions (ratio)', group: 'lengths', metrics: ['completions/clipped_ratio'] },
  ],
  // TRL's PPOTrainer names: objective/* per rollout, policy/ loss/ val/ averaged over the PPO epochs and mini-batches.
  ppo: [
    { id: 'ppo/reward', title: 'Reward: score, RLHF reward (score minus KL penalty), KL penalty', group: 'rewards',
      metrics: ['objective/scores', 'objective/rlhf_reward', 'objective/non_score_reward'], labels: ['score', 'RLHF reward', 'non-score reward'] },
    { id: 'ppo/policy_loss', title: 'Policy loss', group: 'policy', metrics: ['loss/policy_avg'], labels: ['policy loss'] },
    { id: 'ppo/approxkl', title: 'Approximate KL (rollout policy to updated policy)', group: 'policy', metrics: ['policy/approxkl_avg'], labels: ['approx KL'] },
    { id: 'ppo/kl', title: 'KL to the reference model', group: 'policy', metrics: ['objective/kl'], labels: ['KL'] },
    { id: 'ppo/clipfrac', title: 'Clip fractions (policy ratio, value)', group: 'policy', metrics: ['policy/clipfrac_avg', 'val/clipfrac_avg'], labels: ['policy', 'value'] },
    // two scales: objective/entropy sums over a completion's tokens, policy/entropy_avg is per token
    { id: 'ppo/entropy', title: 'Entropy of the rollouts (per completion)', group: 'policy', metrics: ['objective/entropy'], labels: ['entropy'] },
    { id: 'ppo/entropy_avg', title: 'Entropy in the update (per token)', group: 'policy', metrics: ['policy/entropy_avg'], labels: ['entropy'] },
    { id: 'ppo/ratio', title: 'Importance ratio (mean)', group: 'policy', metrics: ['val/ratio'], labels: ['ratio'] },
    { id: 'ppo/ratio_var', title: 'Importance ratio (variance)', group: 'policy', metrics: ['val/ratio_var'], labels: ['variance'] },
    { id: 'ppo/value_loss', title: 'Value loss', group: 'value', metrics: ['loss/value_avg'], labels: ['value loss'] },
    { id: 'ppo/explained_variance', title: 'Explained variance (1 is perfect, below 0 is worse than the mean)', group: 'value', metrics: ['val/explained_variance'], labels: ['explained variance'] },
    { id: 'ppo/eos', title: 'Completions that ended with EOS', group: 'lengths', metrics: ['val/num_eos_tokens'], labels: ['EOS tokens'] },
  ],
};

const REWARD_FN = /^rewards\/(.+)\/mean$/;
const REWARD_FN_STD = /^rewards\/(.+)\/std$/;

/** The cards for these metric names; `algorithms` are the shown runs' (comparing a GRPO and a PPO run gets both sets). */
export function buildCards(names: Iterable<string>, algorithms: (string | null)[] = ['grpo']): CardSpec[] {
  const all = new Set(names);
  const used = new Set<string>();
  const cards: CardSpec[] = [];
  const take = (m: string) => { used.add(m); return m; };
  const rl = { axis: 'rl' as const, smooth: true };

  // The reward card of RL steps, and the same card of evaluations (eval_reward ± eval_reward_std, per function).
  for (const [prefix, id, title, group] of [['', 'reward', 'Reward (mean ± std; per reward function)', 'rewards'],
    [EVAL_PREFIX, 'eval_reward', 'Eval reward (mean ± std; per reward function)', 'eval']] as const) {
    const lines: LineSpec[] = [];
    const mean = `${prefix}reward`;
    if (all.has(mean)) lines.push({ metric: take(mean), label: 'reward', std: all.has(`${prefix}reward_std`) ? take(`${prefix}reward_std`) : undefined });
    for (const n of [...all].sort()) {
      const m = n.startsWith(prefix) ? REWARD_FN.exec(n.slice(prefix.length)) : null;
      if (!m || (!prefix && n.startsWith(EVAL_PREFIX))) continue;
      const std = `${prefix}rewards/${m[1]}/std`;
      lines.push({ metric: take(n), label: m[1], std: all.has(std) ? take(std) : undefined });
    }
    if (lines.length) cards.push({ id, title, group, lines, axis: 'rl', smooth: !prefix });
  }

  const fixed = [...new Set(algorithms.map(algorithmOf))].flatMap((a) => FIXED[a]);
  for (const f of [...fixed, ...COMMON]) {
    const present = f.metrics.map((m, i) => ({ metric: m, label: f.labels?.[i] ?? m })).filter((l) => all.has(l.metric));
    // the step's parts beside its total: timing/generation, timing/train, ...
    if (f.id === 'step_time') present.push(...timingParts(all).map((m) => ({ metric: m, label: m.replace('timing/', '') })));
    if (present.length) cards.push({ id: f.id, title: f.title, group: f.group, lines: present.map((l) => ({ metric: take(l.metric), label: l.label })), ...rl });
  }
  const clip = [...all].filter((n) => n.startsWith('clip_ratio')).sort();
  if (clip.length) cards.push({ id: 'clip_ratio', title: 'Clip ratio', group: 'policy', lines: clip.map((m) => ({ metric: take(m), label: m.replace('clip_ratio/', '') })), ...rl });
  const lengths = [...all].filter((n) => n.startsWith('completions/') && n.includes('length') && !used.has(n)).sort();
  if (lengths.length) cards.push({ id: 'completions/length', title: 'Completion length (tokens)', group: 'lengths', lines: lengths.map((m) => ({ metric: take(m), label: m.replace('completions/', '') })), ...rl });

  for (const n of [...all].sort()) {
    if (used.has(n) || REWARD_FN_STD.test(n) || REWARD_FN_STD.test(n.replace(EVAL_PREFIX, ''))) continue;
    const words = metricWords(n);
    if (isWarmStartSeries(n)) {
      cards.push({ id: n, title: `Warm-start ${words}`, group: 'warm_start', lines: [{ metric: take(n), label: words }], axis: 'warm_start', smooth: true });
    } else if (n.startsWith(EVAL_PREFIX)) {
      cards.push({ id: n, title: `Eval ${words}`, group: 'eval', lines: [{ metric: take(n), label: words }], axis: 'rl', smooth: false });
    } else {
      cards.push({ id: n, title: n, group: n.startsWith('completions/') ? 'lengths' : 'other', lines: [{ metric: take(n), label: n }], ...rl });
    }
  }
  const order = new Map(GROUPS.map((g, i) => [g.id, i]));
  return cards.map((c, i) => ({ c, i })).sort((a, b) => order.get(a.c.group)! - order.get(b.c.group)! || a.i - b.i).map((x) => x.c);
}
