// Which run last used a reward function: the newest run whose resolved config lists "<file>:<function>". No `vscode`.
import type { RunSummary } from '../runs/types';

export function latestRunUsing(runs: readonly RunSummary[], rewardFile: string, fn: string): RunSummary | undefined {
  const ref = `${rewardFile}:${fn}`;
  return runs
    .filter((r) => (r.config?.rewards ?? []).some((rw) => rw.function === ref))
    .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0))[0];
}
