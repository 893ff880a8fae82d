// Which charts the dashboard shows for a set of metric names, grouped the way a person reads a GRPO run.
// Names follow TRL. Pure: no DOM.

export type GroupId = 'rewards' | 'policy' | 'lengths' | 'optimisation' | 'speed' | 'eval' | 'other';

export const GROUPS: { id: GroupId; title: string }[] = [
  { id: 'rewards', title: 'Rewards' },
  { id: 'policy', title: 'Policy' },
  { id: 'lengths', title: 'Completion lengths' },
  { id: 'optimisation', title: 'Optimisation' },
  { id: 'speed', title: 'Speed' },
  { id: 'eval', title: 'Evaluation' },
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
}

const FIXED: { id: string; title: string; group: GroupId; metrics: string[] }[] = [
  { id: 'frac_reward_zero_std', title: 'Groups with zero reward std', group: 'rewards', metrics: ['frac_reward_zero_std'] },
  { id: 'loss', title: 'Loss', group: 'policy', metrics: ['loss'] },
  { id: 'kl', title: 'KL divergence', group: 'policy', metrics: ['kl'] },
  { id: 'entropy', title: 'Entropy', group: 'policy', metrics: ['entropy'] },
  { id: 'completions/clipped_ratio', title: 'Truncated completions (ratio)', group: 'lengths', metrics: ['completions/clipped_ratio'] },
  { id: 'grad_norm', title: 'Gradient norm', group: 'optimisation', metrics: ['grad_norm'] },
  { id: 'learning_rate', title: 'Learning rate', group: 'optimisation', metrics: ['learning_rate'] },
  { id: 'step_time', title: 'Step time (s)', group: 'speed', metrics: ['step_time'] },
  { id: 'tokens_per_second', title: 'Tokens per second', group: 'speed', metrics: ['tokens_per_second'] },
  { id: 'num_tokens', title: 'Tokens seen', group: 'speed', metrics: ['num_tokens'] },
];

const REWARD_FN = /^rewards\/(.+)\/mean$/;
const REWARD_FN_STD = /^rewards\/(.+)\/std$/;

export function buildCards(names: Iterable<string>): CardSpec[] {
  const all = new Set(names);
  const used = new Set<string>();
  const cards: CardSpec[] = [];
  const take = (m: string) => { used.add(m); return m; };

  const rewardLines: LineSpec[] = [];
  if (all.has('reward')) rewardLines.push({ metric: take('reward'), label: 'reward', std: all.has('reward_std') ? take('reward_std') : undefined });
  for (const n of [...all].sort()) {
    const m = REWARD_FN.exec(n);
    if (!m) continue;
    const std = `rewards/${m[1]}/std`;
    rewardLines.push({ metric: take(n), label: m[1], std: all.has(std) ? take(std) : undefined });
  }
  if (rewardLines.length) cards.push({ id: 'reward', title: 'Reward (mean ± std; per reward function)', group: 'rewards', lines: rewardLines });

  for (const f of FIXED) {
    const present = f.metrics.filter((m) => all.has(m));
    if (present.length) cards.push({ id: f.id, title: f.title, group: f.group, lines: present.map((m) => ({ metric: take(m), label: m })) });
  }
  const clip = [...all].filter((n) => n.startsWith('clip_ratio')).sort();
  if (clip.length) cards.push({ id: 'clip_ratio', title: 'Clip ratio', group: 'policy', lines: clip.map((m) => ({ metric: take(m), label: m.replace('clip_ratio/', '') })) });
  const lengths = [...all].filter((n) => n.startsWith('completions/') && n.includes('length') && !used.has(n)).sort();
  if (lengths.length) cards.push({ id: 'completions/length', title: 'Completion length (tokens)', group: 'lengths', lines: lengths.map((m) => ({ metric: take(m), label: m.replace('completions/', '') })) });

  for (const n of [...all].sort()) {
    if (used.has(n) || REWARD_FN_STD.test(n)) continue;
    const group: GroupId = n.startsWith('eval_') ? 'eval' : n.startsWith('completions/') ? 'lengths' : 'other';
    cards.push({ id: n, title: n, group, lines: [{ metric: take(n), label: n }] });
  }
  const order = new Map(GROUPS.map((g, i) => [g.id, i]));
  return cards.map((c, i) => ({ c, i })).sort((a, b) => order.get(a.c.group)! - order.get(b.c.group)! || a.i - b.i).map((x) => x.c);
}
