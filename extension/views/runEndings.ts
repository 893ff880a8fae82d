// Which runs just ended: a run this window saw running that is now completed, failed or stopped. Pure (no
// `vscode`): the notifications and their unit test share it. Runs first seen already finished (old runs found at
// start-up, a window reload after the end) never count as "just ended", so opening a workspace raises nothing.
import type { RunStatus, RunSummary } from '../runs/types';
import { rewardText, stepText } from './runPresentation';

export interface RunEnding {
  run: RunSummary;
  status: Exclude<RunStatus, 'running' | 'unknown'>;
  /** One sentence for the notification. */
  message: string;
}

export class RunEndings {
  private readonly lastStatus = new Map<string, RunStatus>();

  /** The runs that ended since the last call. */
  update(runs: RunSummary[]): RunEnding[] {
    const out: RunEnding[] = [];
    const seen = new Set<string>();
    for (const run of runs) {
      seen.add(run.id);
      const before = this.lastStatus.get(run.id);
      this.lastStatus.set(run.id, run.status);
      if (before !== 'running' || run.status === 'running' || run.status === 'unknown') continue;
      out.push({ run, status: run.status, message: endingMessage(run) });
    }
    for (const id of [...this.lastStatus.keys()]) if (!seen.has(id)) this.lastStatus.delete(id);
    return out;
  }
}

export function endingMessage(run: RunSummary): string {
  const reward = rewardText(run);
  const facts = [`step ${stepText(run)}`, reward ? `reward ${reward}` : undefined,
    run.bestEval ? `best ${run.bestEval.metric} ${Number(run.bestEval.value.toPrecision(4))} at step ${run.bestEval.step}` : undefined]
    .filter(Boolean).join(', ');
  switch (run.status) {
    case 'completed': return `RL Studio: run ${run.id} completed (${facts}).`;
    case 'stopped': return `RL Studio: run ${run.id} stopped at step ${run.step}; it can be resumed.`;
    default: return `RL Studio: run ${run.id} failed at step ${run.step}: ${run.error ?? 'no error message'}`;
  }
}
