// Messages between the Reward Results panel and its host. No DOM or `vscode` types: both sides import it.
import type { RewardTestResponse } from '../../schemas/generated/rewardTest';

export interface ShowResults {
  type: 'results';
  /** What was scored: "Run cases: rewards.py", "Re-score run grpo-…". */
  title: string;
  response: RewardTestResponse;
}

export type ToRewardResults = ShowResults;

export type FromRewardResults =
  | { type: 'ready' }
  /** Open the user's file at a 1-based line (an error's location). */
  | { type: 'openLocation'; file: string; line?: number };

export function isToRewardResults(d: unknown): d is ToRewardResults {
  const m = d as Partial<ShowResults> | null;
  return !!m && m.type === 'results' && typeof m.title === 'string' && !!m.response && Array.isArray(m.response.samples);
}
