// How a run reads in the tree, the status bar and quick picks: status words, step / max steps, reward, elapsed
// time and ETA. No `vscode` import.
import type { RunSummary } from '../runs/types';

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

/** Remaining time from the average pace so far; undefined until there is a pace to go by. */
export function etaMs(run: RunSummary, now: number): number | undefined {
  if (run.status !== 'running' || !run.maxSteps || run.maxSteps <= 0 || run.step <= 0 || run.startedAt === null) return undefined;
  const perStep = (now - run.startedAt) / run.step;
  return Math.max(0, (run.maxSteps - run.step) * perStep);
}

export function runDescription(run: RunSummary, now: number): string {
  const parts: string[] = [run.status === 'unknown' ? 'ended without a final event' : run.status, `step ${stepText(run)}`];
  const reward = rewardText(run);
  if (reward) parts.push(`reward ${reward}`);
  const elapsed = elapsedMs(run, now);
  if (elapsed !== undefined) parts.push(formatDuration(elapsed));
  return parts.join(' · ');
}

/** Plain sentence for screen readers (and the e2e test, which reads the tree's aria labels). */
export function runAccessibleLabel(run: RunSummary, healthLabel?: string): string {
  const reward = rewardText(run);
  return `Run ${run.id}, ${run.status}, step ${stepText(run)}${reward ? `, reward ${reward}` : ''}` +
    `${healthLabel ? `, ${healthLabel}` : ''}, ${run.checkpoints.length} checkpoint${run.checkpoints.length === 1 ? '' : 's'}`;
}

export function statusBarText(run: RunSummary, now: number): string {
  const parts = [`RL ${run.id}`, `step ${stepText(run)}`];
  const reward = rewardText(run);
  if (reward) parts.push(`r ${reward}`);
  const eta = etaMs(run, now);
  if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
  return parts.join(' · ');
}
