// Run-health alerts computed from a run's metric series: the conditions under which GRPO or PPO silently stops
// learning or learns the wrong thing, each with what to try, read from the algorithm's own (TRL) metric names. Pure
// (no `vscode`): the dashboard and the Runs view badge call it with the RunStore's series and the thresholds from the
// `rlstudio.health.*` settings.
import type { MetricSeries, RunSummary } from './types';
import type { HealthAlert } from '../../webview/protocol';
import { algorithmOf, type Algorithm } from './algorithm';

export interface HealthThresholds {
  /** Logged values averaged for "recent" values: steps, or rollouts for what a rollout measured (logged once each). */
  window: number;
  /** frac_reward_zero_std averaged over the window at or above this: no gradient signal. */
  zeroStdFraction: number;
  /** Reward exactly zero from the start through this step: the reward function never fires. */
  rewardZeroSteps: number;
  /** Recent entropy below this fraction of the early entropy: the policy collapsed. */
  entropyCollapseRatio: number;
  /** KL above this many times its recent median (and above klMin): a spike. */
  klSpikeFactor: number;
  klMin: number;
  /** completions/clipped_ratio averaged over the window above this: completions are cut off. */
  clippedRatio: number;
  /** Recent mean length above this many times the early length while reward rose: possible reward hacking. */
  lengthGrowthFactor: number;
  /** PPO: recent value loss above this many times its early value: the critic diverges. */
  valueLossGrowthFactor: number;
  /** PPO: policy/approxkl_avg above this (and klSpikeFactor times its recent median): the update moved too far. */
  approxKlMin: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  window: 10,
  zeroStdFraction: 0.9,
  rewardZeroSteps: 20,
  entropyCollapseRatio: 0.1,
  klSpikeFactor: 10,
  klMin: 0.1,
  clippedRatio: 0.5,
  lengthGrowthFactor: 2,
  valueLossGrowthFactor: 10,
  approxKlMin: 0.02,
};

/** Fills missing or invalid values from the defaults, so a bad setting never disables every check. */
export function resolveThresholds(partial: Partial<Record<keyof HealthThresholds, unknown>>): HealthThresholds {
  const out = { ...DEFAULT_HEALTH_THRESHOLDS };
  for (const key of Object.keys(out) as (keyof HealthThresholds)[]) {
    const v = partial[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) out[key] = v;
  }
  out.window = Math.max(1, Math.round(out.window));
  out.rewardZeroSteps = Math.max(1, Math.round(out.rewardZeroSteps));
  return out;
}

function finitePoints(s: MetricSeries | undefined): { steps: number[]; values: number[] } {
  const steps: number[] = [];
  const values: number[] = [];
  if (!s) return { steps, values };
  for (let i = 0; i < s.steps.length; i++) {
    const v = s.values[i];
    if (v !== null && Number.isFinite(v)) { steps.push(s.steps[i]); values.push(v); }
  }
  return { steps, values };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const fmt = (x: number) => (Math.abs(x) >= 100 || x === 0 ? x.toFixed(0) : x.toPrecision(3));

/** The metrics a check reads and the settings its hints name, per algorithm (TRL's GRPO and PPO names). */
interface Vocabulary {
  /** The objective the algorithm maximises (PPO's includes the missing-EOS penalty). */
  reward: string;
  /** What the reward functions returned, first one logged: the series that is 0 when they never fire. */
  rawReward: string[];
  entropy: string;
  /** The KL to the reference model. */
  kl: string;
  /** The setting that weights the KL penalty. */
  klSetting: string;
  entropyHint: string;
  klHint: string;
  lengthHint: string;
}
const VOCABULARY: Record<Algorithm, Vocabulary> = {
  grpo: {
    reward: 'reward', rawReward: ['reward'], entropy: 'entropy', kl: 'kl', klSetting: 'beta',
    klHint: 'Lower the learning rate, raise beta, lower epsilon, or check the samples of this step for degenerate text.',
    entropyHint: 'The policy became nearly deterministic: raise temperature, lower the learning rate, add/raise beta (KL penalty) or use epsilon_high (clip-higher).',
    lengthHint: 'Possible reward hacking: read the longest completions in the Samples viewer; add a length penalty or cap, or use loss_type dr_grpo/dapo.',
  },
  ppo: {
    // `reward` is the reward functions' weighted sum before ppo.missing_eos_penalty; runs written before RL Studio
    // logged it have only objective/scores
    reward: 'objective/scores', rawReward: ['reward', 'objective/scores'], entropy: 'objective/entropy', kl: 'objective/kl',
    klSetting: 'ppo.kl_coef',
    klHint: 'Lower the learning rate, raise ppo.kl_coef (or set ppo.adaptive_kl), lower ppo.cliprange, or check the samples of this step for degenerate text.',
    entropyHint: 'The policy became nearly deterministic: raise temperature, lower the learning rate or raise ppo.kl_coef (KL penalty).',
    lengthHint: 'Possible reward hacking: read the longest completions in the Samples viewer; add a length penalty or cap, or set ppo.missing_eos_penalty.',
  },
};

type Check = (series: Record<string, MetricSeries>, t: HealthThresholds, v: Vocabulary) => HealthAlert | null;

const alert = (code: string, level: HealthAlert['level'], message: string, hint: string, step: number | null): HealthAlert =>
  ({ code, level, message, hint, step, source: 'health' });

const nonFinite: Check = (series) => {
  const bad: { name: string; step: number }[] = [];
  for (const [name, s] of Object.entries(series)) {
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (v === null || !Number.isFinite(v)) { bad.push({ name, step: s.steps[i] }); }
    }
  }
  if (!bad.length) return null;
  const steps = [...new Set(bad.map((b) => b.step))].sort((a, b) => a - b);
  const names = [...new Set(bad.map((b) => b.name))].slice(0, 4).join(', ');
  return alert('nonfinite_step', 'error',
    `NaN/Inf in ${names} at ${steps.length} step${steps.length > 1 ? 's' : ''} (first: step ${steps[0]})`,
    'Lower the learning rate, keep max_grad_norm set (e.g. 1.0), use bfloat16 rather than float16, and check rewards for NaN.',
    steps[0]);
};

const zeroStd: Check = (series, t) => {
  const { steps, values } = finitePoints(series['frac_reward_zero_std']);
  if (values.length < t.window) return null;
  const recent = mean(values.slice(-t.window));
  if (recent < t.zeroStdFraction) return null;
  return alert('reward_zero_std', 'warning',
    `${(recent * 100).toFixed(0)}% of prompt groups have identical rewards (no gradient from them)`,
    'Raise num_generations or temperature, use a graded (partial-credit) reward, or drop prompts that are always solved or never solved.',
    steps[steps.length - 1]);
};

const rewardStuckZero: Check = (series, t, v) => {
  const name = v.rawReward.find((n) => series[n]);
  const { steps, values } = finitePoints(name ? series[name] : undefined);
  // Judged by step, not by point: logging_steps > 1, or PPO's once-per-rollout reward, log fewer points than steps.
  // Only while it is still zero: once reward moves, the early flat start is history, not a problem.
  if (!values.length || steps[steps.length - 1] < t.rewardZeroSteps || values.some((x) => x !== 0)) return null;
  return alert('reward_stuck_zero', 'warning',
    `Reward has been exactly 0 in every step logged so far (through step ${steps[steps.length - 1]})`,
    'Test the reward functions on a few completions (RL Studio: Test Reward Functions); check the expected answer format and the dataset columns they read.',
    steps[steps.length - 1]);
};

const entropyCollapse: Check = (series, t, v) => {
  const { steps, values } = finitePoints(series[v.entropy]);
  if (values.length < 2 * t.window) return null;
  const early = mean(values.slice(0, t.window));
  const recent = mean(values.slice(-t.window));
  if (early <= 0 || recent >= early * t.entropyCollapseRatio) return null;
  // Entropy falling while the reward rose to its best is a policy that converged on what it is rewarded for: say
  // so (info), but do not head a run that worked with a warning. A collapse without that gain stays a warning.
  const reward = finitePoints(series[v.reward]).values;
  if (reward.length >= 2 * t.window) {
    const earlyReward = mean(reward.slice(0, t.window));
    const recentReward = mean(reward.slice(-t.window));
    const best = Math.max(...reward);
    if (recentReward > earlyReward && recentReward >= best - 0.05 * Math.max(Math.abs(best), 1e-9)) {
      return alert('entropy_converged', 'info',
        `Entropy fell to ${fmt(recent)} from ${fmt(early)} while the reward rose to ${fmt(recentReward)}: the policy converged`,
        `Expected when the task is solved. If the reward stalls below what you want, raise temperature or ${v.klSetting} so the policy keeps exploring.`,
        steps[steps.length - 1]);
    }
  }
  return alert('entropy_collapse', 'warning',
    `Entropy fell to ${fmt(recent)} from ${fmt(early)} (below ${(t.entropyCollapseRatio * 100).toFixed(0)}% of its start)`,
    v.entropyHint, steps[steps.length - 1]);
};

/** The last point when it is at least `min` and `factor` times the median of the window before it. */
function spike(s: MetricSeries | undefined, t: HealthThresholds, min: number): { step: number; last: number; before: number } | null {
  const { steps, values } = finitePoints(s);
  if (values.length < t.window + 1) return null;
  const last = values[values.length - 1];
  const before = median(values.slice(-t.window - 1, -1));
  if (last < min || last < t.klSpikeFactor * Math.max(before, 1e-12)) return null;
  return { step: steps[steps.length - 1], last, before };
}

const klSpike: Check = (series, t, v) => {
  const s = spike(series[v.kl], t, t.klMin);
  if (!s) return null;
  return alert('kl_spike', 'warning',
    `KL to the reference jumped to ${fmt(s.last)} at step ${s.step} (recent median ${fmt(s.before)})`, v.klHint, s.step);
};

/** PPO's counterpart of GRPO's zero-std check: when every completion of a rollout scores the same, the whitened
 * advantages carry no reward signal, only the KL penalty and the critic's errors. */
const rewardNoSpread: Check = (series, t) => {
  const { steps, values } = finitePoints(series['reward_std']);
  if (values.length < t.window || values.slice(-t.window).some((x) => x > 0)) return null;
  const reward = finitePoints(series['reward']).values;
  const same = reward.length ? ` (${fmt(reward[reward.length - 1])})` : '';
  return alert('reward_no_spread', 'warning',
    `Every completion got the same reward${same} in the last ${t.window} logged rollouts: PPO learns nothing from the reward`,
    'Use a graded (partial-credit) reward or a reward model, raise temperature, warm-start the model on the answer format, or test the reward functions on a few completions (RL Studio: Test Reward Functions).',
    steps[steps.length - 1]);
};

const approxKlSpike: Check = (series, t) => {
  const s = spike(series['policy/approxkl_avg'], t, t.approxKlMin);
  if (!s) return null;
  return alert('approxkl_spike', 'warning',
    `Approximate KL between the rollout policy and the updated one jumped to ${fmt(s.last)} at step ${s.step} (recent median ${fmt(s.before)})`,
    'One PPO update moved the policy too far: lower the learning rate, ppo.cliprange or ppo.num_ppo_epochs, or raise ppo.num_mini_batches.',
    s.step);
};

const valueLossExploding: Check = (series, t) => {
  const { steps, values } = finitePoints(series['loss/value_avg']);
  if (values.length < 2 * t.window) return null;
  const early = mean(values.slice(0, t.window));
  const recent = mean(values.slice(-t.window));
  if (early <= 0 || recent < early * t.valueLossGrowthFactor) return null;
  return alert('value_loss_exploding', 'warning',
    `Value loss grew ${fmt(recent / early)}x (${fmt(early)} -> ${fmt(recent)}): the critic is diverging`,
    'Lower the learning rate or ppo.vf_coef, keep ppo.cliprange_value set, turn on ppo.whiten_rewards, or scale the rewards down.',
    steps[steps.length - 1]);
};

const explainedVarianceNegative: Check = (series, t) => {
  const { steps, values } = finitePoints(series['val/explained_variance']);
  // The critic starts from scratch: judge it only after a few windows of training.
  if (values.length < 2 * t.window) return null;
  const recent = mean(values.slice(-t.window));
  if (recent >= 0) return null;
  return alert('explained_variance_negative', 'warning',
    `Explained variance of the value function is ${fmt(recent)} over the last ${t.window} rollouts: the critic predicts returns worse than their mean`,
    'The advantages are mostly noise: lower the learning rate, raise ppo.vf_coef or ppo.num_ppo_epochs, initialise the critic from a reward model, or check that rewards are not random.',
    steps[steps.length - 1]);
};

const clippedHigh: Check = (series, t) => {
  const { steps, values } = finitePoints(series['completions/clipped_ratio']);
  if (values.length < t.window) return null;
  const recent = mean(values.slice(-t.window));
  if (recent <= t.clippedRatio) return null;
  return alert('clipped_ratio_high', 'warning',
    `${(recent * 100).toFixed(0)}% of completions hit max_completion_length (truncated)`,
    'Raise max_completion_length, add a length or format reward, or set mask_truncated_completions so cut-off text is not trained.',
    steps[steps.length - 1]);
};

const lengthHacking: Check = (series, t, v) => {
  const reward = finitePoints(series[v.reward]).values;
  const len = finitePoints(series['completions/mean_length']);
  if (reward.length < 2 * t.window || len.values.length < 2 * t.window) return null;
  const rewardRise = mean(reward.slice(-t.window)) - mean(reward.slice(0, t.window));
  const earlyLen = mean(len.values.slice(0, t.window));
  const recentLen = mean(len.values.slice(-t.window));
  if (rewardRise <= 0 || earlyLen <= 0 || recentLen < earlyLen * t.lengthGrowthFactor) return null;
  return alert('length_explosion', 'warning',
    `Reward rose while mean completion length grew ${fmt(recentLen / earlyLen)}x (${fmt(earlyLen)} -> ${fmt(recentLen)} tokens)`,
    v.lengthHint, len.steps[len.steps.length - 1]);
};

/** The checks that make sense for each algorithm: zero-std groups only mean something for GRPO, whose advantages are
 * per group; PPO has rollouts without reward spread, a critic to watch and a KL between the rollout and updated
 * policies. Both have a KL to the reference (GRPO's `kl`, PPO's `objective/kl`). */
const CHECKS: Record<Algorithm, Check[]> = {
  grpo: [nonFinite, rewardStuckZero, zeroStd, entropyCollapse, klSpike, clippedHigh, lengthHacking],
  ppo: [nonFinite, rewardStuckZero, rewardNoSpread, entropyCollapse, klSpike, approxKlSpike, valueLossExploding,
    explainedVarianceNegative, clippedHigh, lengthHacking],
};

/** Every alert that holds for the run now, most severe first. */
export function computeHealthAlerts(series: Record<string, MetricSeries>, thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS,
  algorithm: string | null = 'grpo'): HealthAlert[] {
  const a = algorithmOf(algorithm);
  const out = CHECKS[a].map((c) => c(series, thresholds, VOCABULARY[a])).filter((x): x is HealthAlert => x !== null);
  const rank = { error: 0, warning: 1, info: 2 } as const;
  return out.sort((a, b) => rank[a.level] - rank[b.level]);
}

/** The run's alerts as the dashboard and the Runs view show them: computed ones plus those the trainer wrote. */
export function alertsOf(summary: RunSummary, series: Record<string, MetricSeries>, thresholds: HealthThresholds): HealthAlert[] {
  const fromTrainer: HealthAlert[] = summary.alerts.map((a) => ({
    code: a.code, level: a.level, message: a.message, hint: a.hint ?? '', step: a.step ?? null, source: 'trainer',
  }));
  const computed = computeHealthAlerts(series, thresholds, summary.algorithm);
  // A trainer alert with the same code says the same thing with the trainer's own numbers: keep that one.
  const trainerCodes = new Set(fromTrainer.map((a) => a.code));
  return [...computed.filter((a) => !trainerCodes.has(a.code)), ...fromTrainer];
}
