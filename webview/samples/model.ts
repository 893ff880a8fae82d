// The samples of one step arranged for reading: grouped by prompt, filtered by text, sorted. Pure: no DOM.
import type { Sample } from '../../schemas/generated/trainerEvent';
import type { SampleSource, SampleSteps } from '../protocol';

export type SortKey = 'group' | 'reward-desc' | 'reward-asc' | 'advantage-desc' | 'advantage-asc';
export const SORT_LABELS: Record<SortKey, string> = {
  group: 'Group order',
  'reward-desc': 'Reward (high first)',
  'reward-asc': 'Reward (low first)',
  'advantage-desc': 'Advantage (high first)',
  'advantage-asc': 'Advantage (low first)',
};

export interface SampleGroup {
  group: number;
  prompt: string;
  /** Completions in display order; `position` is the sample's index within its group as the trainer wrote it. */
  samples: (Sample & { position: number })[];
}

/** Reward function names over all samples (the columns), in first-seen order. */
export function rewardColumns(samples: Sample[]): string[] {
  const seen = new Set<string>();
  for (const s of samples) for (const k of Object.keys(s.rewards ?? {})) seen.add(k);
  return [...seen];
}

/** Columns the reward functions added with log_extra (TRL 1.16), over all samples, in first-seen order. */
export function extraColumns(samples: Sample[]): string[] {
  const seen = new Set<string>();
  for (const s of samples) for (const k of Object.keys(s.extra ?? {})) seen.add(k);
  return [...seen];
}

/** The table's variable columns: one per reward function, then one per log_extra column. */
export interface Columns { rewards: string[]; extras: string[] }

export function columnsOf(samples: Sample[]): Columns {
  return { rewards: rewardColumns(samples), extras: extraColumns(samples) };
}

/** An extra column's value as the cell shows it: numbers formatted by the caller, booleans as yes/no, absent as null. */
export function extraCell(v: string | number | boolean | null | undefined): { text: string; numeric: boolean } | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return { text: v ? 'yes' : 'no', numeric: false };
  if (typeof v === 'number') return { text: String(v), numeric: true };
  return { text: v, numeric: false };
}

export function arrange(samples: Sample[], sort: SortKey, search: string): SampleGroup[] {
  const needle = search.trim().toLowerCase();
  const groups = new Map<number, SampleGroup>();
  const counters = new Map<number, number>();
  for (const s of samples) {
    const position = s.index ?? (counters.get(s.group) ?? 0);
    counters.set(s.group, position + 1);
    if (needle && !s.prompt.toLowerCase().includes(needle) && !s.completion.toLowerCase().includes(needle)) continue;
    let g = groups.get(s.group);
    if (!g) { g = { group: s.group, prompt: s.prompt, samples: [] }; groups.set(s.group, g); }
    g.samples.push({ ...s, position });
  }
  const list = [...groups.values()].sort((a, b) => a.group - b.group);
  if (sort === 'group') {
    for (const g of list) g.samples.sort((a, b) => a.position - b.position);
    return list;
  }
  const key = sort.startsWith('reward') ? 'reward' : 'advantage';
  const dir = sort.endsWith('desc') ? -1 : 1;
  // Missing values sort last in both directions.
  const val = (s: Sample) => (Number.isFinite(s[key]) ? s[key] : dir * Infinity);
  for (const g of list) g.samples.sort((a, b) => dir * (val(a) - val(b)) || a.position - b.position);
  // A group ranks by its first completion after sorting (its best for "high first", its worst for "low first").
  return list.sort((a, b) => dir * (val(a.samples[0]) - val(b.samples[0])) || a.group - b.group);
}

export interface TokenView {
  tokens: { text: string; trained: boolean; id: number | null }[];
  trained: number;
}

/** Tokens with their loss-mask bit; null when the trainer recorded no tokens for the sample. */
export function tokenView(s: Sample): TokenView | null {
  if (!s.tokens || !s.tokens.length) return null;
  const mask = s.loss_mask;
  const ids = s.completion_ids;
  let trained = 0;
  const tokens = s.tokens.map((text, i) => {
    const t = mask ? mask[i] === 1 : true;
    if (t) trained++;
    return { text, trained: t, id: ids && i < ids.length ? ids[i] : null };
  });
  return { tokens, trained };
}

export interface SampleChoice {
  step: number;
  source: SampleSource;
  label: string;
}

export function choiceKey(c: { step: number; source: SampleSource }): string {
  return `${c.source}:${c.step}`;
}

/** The step picker's entries, newest first; an evaluation comes before the training step it shares a number with
 * (it ran after that step). */
export function sampleChoices(steps: number[], evalSteps: number[]): SampleChoice[] {
  const all: SampleChoice[] = [
    ...steps.map((step) => ({ step, source: 'train' as const, label: `step ${step}` })),
    ...evalSteps.map((step) => ({ step, source: 'eval' as const, label: `eval at step ${step}` })),
  ];
  return all.sort((a, b) => b.step - a.step || (a.source === 'eval' ? -1 : 1));
}

/** What "follow latest" shows: the newest training step (the evaluations are one click away), else the newest eval. */
export function latestChoice(choices: SampleChoice[]): SampleChoice | undefined {
  return choices.find((c) => c.source === 'train') ?? choices[0];
}

/** What an empty viewer says, in the words of the run's own settings. */
export function emptyMessage(s: SampleSteps | null): string {
  if (!s) return 'Loading…';
  if (s.logCompletions === false) return 'This run does not log samples: logging.log_completions is false in its config.';
  const every = s.completionsSteps ? `every ${s.completionsSteps === 1 ? 'step' : `${s.completionsSteps} steps`} (logging.completions_steps)` : 'every logging.completions_steps steps';
  return s.running
    ? `No samples yet: the trainer writes the completions of ${every} and of the last step.`
    : `This run logged no samples: it ended before its first samples step (samples are written ${every} and at the last step).`;
}
