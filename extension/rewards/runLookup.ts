// Where a reward function is used: the newest run whose resolved config lists "<file>:<function>", and the workspace's
// run configs that reference it. No `vscode`.
import * as path from 'node:path';
import type { RunSummary } from '../runs/types';

export function latestRunUsing(runs: readonly RunSummary[], rewardFile: string, fn: string): RunSummary | undefined {
  const ref = `${rewardFile}:${fn}`;
  return runs
    .filter((r) => (r.config?.rewards ?? []).some((rw) => rw.function === ref))
    .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0))[0];
}

export interface ConfigText {
  file: string;
  text: string;
}

/**
 * Run configs (*.rlstudio.json) whose rewards list "<file>:<function>", the file written relative to the config's
 * folder or absolute. A config that is not valid JSON is skipped: the config diagnostics report it.
 */
export function configsUsing(configs: readonly ConfigText[], rewardFile: string, fn: string): string[] {
  return configs.filter(({ file, text }) => {
    let rewards: unknown;
    try {
      rewards = (JSON.parse(text) as { rewards?: unknown }).rewards;
    } catch {
      return false;
    }
    return Array.isArray(rewards) && rewards.some((r) => {
      const ref = typeof (r as { function?: unknown })?.function === 'string' ? (r as { function: string }).function : '';
      const at = ref.lastIndexOf(':');
      return at > 0 && ref.slice(at + 1) === fn && path.resolve(path.dirname(file), ref.slice(0, at)) === path.resolve(rewardFile);
    });
  }).map((c) => c.file);
}
