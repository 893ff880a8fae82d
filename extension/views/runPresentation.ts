// How a run reads in the tree, the status bar and quick picks: status words, progress (warm start n/N while the
// supervised warm start runs, else step / max steps), reward, elapsed time and ETA. No `vscode` import.
import type { RunSummary } from '../runs/types';
import type { CheckpointEvent } from '../../schemas/generated/trainerEvent';
import { algorithmLabel } from '../runs/algorithm';

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

export function stepText(run: RunSummary): string {
  return run.maxSteps && run.maxSteps > 0 ? `${run.step}/${run.maxSteps}` : `${run.step}`;
}

/** "warm start n/N" while a running run is in its warm start; undefined otherwise. */
export function warmStartText(run: RunSummary): string | undefined {
  const ws = run.warmStart;
  return run.status === 'running' && ws && !ws.finished ? `warm start ${ws.step}/${ws.steps}` : undefined;
}

/** Where the run is: its warm start while in it, else its RL step. */
export function progressText(run: RunSummary): string {
  return warmStartText(run) ?? `step ${stepText(run)}`;
}

export function statusWord(run: RunSummary): string {
  return run.status === 'unknown' ? 'ended without a final event' : run.status;
}

export function rewardText(run: RunSummary): string | undefined {
  const r = run.latest.reward;
  return typeof r === 'number' ? r.toFixed(3) : undefined;
}

/** Wall time the run has been going (running) or took (finished). */
export function elapsedMs(run: RunSummary, now: number): number | undefined {
  if (run.startedAt === null) return undefined;
  const end = run.status === 'running' ? now : (run.finishedAt ?? run.lastEventAt ?? run.startedAt);
  return end - run.startedAt;
}

/** Remaining RL steps at the RL pace (RL step times only: model loading and the warm start would inflate it);
 * undefined until there is a pace to go by. `_now` is kept for callers that format against the clock. */
export function etaMs(run: RunSummary, _now?: number): number | undefined {
  if (run.status !== 'running' || !run.maxSteps || run.maxSteps <= 0 || run.rlStepMs === null || run.rlStepMs === undefined) return undefined;
  return Math.max(0, (run.maxSteps - run.step) * run.rlStepMs);
}

export function runDescription(run: RunSummary, now: number): string {
  const parts: string[] = [statusWord(run), progressText(run)];
  const reward = rewardText(run);
  if (reward) parts.push(`reward ${reward}`);
  const elapsed = elapsedMs(run, now);
  if (elapsed !== undefined) parts.push(formatDuration(elapsed));
  return parts.join(' · ');
}

/** Plain sentence for screen readers (and the e2e test, which reads the tree's aria labels). */
export function runAccessibleLabel(run: RunSummary, healthLabel?: string): string {
  const reward = rewardText(run);
  return `Run ${run.id}, ${run.status}, ${progressText(run)}${reward ? `, reward ${reward}` : ''}` +
    `${healthLabel ? `, ${healthLabel}` : ''}, ${run.checkpoints.length} checkpoint${run.checkpoints.length === 1 ? '' : 's'}`;
}

/** The Runs view's row: the facts first, short enough for the default sidebar width beside an inline action
 * ("completed 20/20 · r 0.950", "warm start 40/200"; r is the mean reward, as in the status bar); the run's name
 * follows as the description, and the tooltip and the accessible label spell everything out. */
export function treeLabel(run: RunSummary, badgeText?: string): string {
  const reward = rewardText(run);
  const where = warmStartText(run) ?? `${statusWord(run)} ${stepText(run)}`;
  return [where, reward ? `r ${reward}` : undefined, badgeText].filter(Boolean).join(' · ');
}

/** "grpo-demo · PPO · 5m 03s": the run's name, its algorithm (GRPO and PPO runs sit side by side), its time. */
export function treeDescription(run: RunSummary, now: number): string {
  const elapsed = elapsedMs(run, now);
  return [run.id, algorithmLabel(run.algorithm), elapsed === undefined ? undefined : formatDuration(elapsed)].filter(Boolean).join(' · ');
}

export function statusBarText(run: RunSummary, now: number): string {
  const parts = [`RL ${run.id}`, progressText(run)];
  const reward = rewardText(run);
  if (reward) parts.push(`r ${reward}`);
  const eta = etaMs(run, now);
  if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
  return parts.join(' · ');
}

/** A checkpoint row says each thing once: "final · step 20", "step 450", "best model · eval_accuracy 0.755 · step 40"
 * (the folder name, which repeats the label, is in the tooltip). */
export function checkpointText(c: CheckpointEvent): { label: string; description: string | undefined } {
  if (c.kind === 'best') {
    const value = typeof c.value === 'number' ? ` ${Number(c.value.toPrecision(4))}` : '';
    return { label: 'best model', description: `${c.metric ? `${c.metric}${value} · ` : ''}step ${c.step}` };
  }
  if (c.kind === 'final') return { label: 'final', description: `step ${c.step}` };
  return { label: `step ${c.step}`, description: undefined };
}
