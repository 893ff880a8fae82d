// How `python -m rlstudio train|resume` ended (trainer/rlstudio/user_errors.py; the README's table). No `vscode`.
export const EXIT_COMPLETED = 0;
export const EXIT_FAILED = 1;
/** Refused before training: a config, data, reward, model or checkpoint problem; nothing was trained. */
export const EXIT_INVALID = 2;
/** The run directory belongs to a live trainer, or already holds a run; nothing was written. */
export const EXIT_REFUSED = 3;
/** Stopped by SIGINT/SIGTERM after checkpointing: resumable. */
export const EXIT_STOPPED = 130;

/** The message a refusing trainer printed (its last lines, without Python warnings), or undefined. */
export function refusalText(lastLines: readonly string[]): string | undefined {
  const lines = lastLines.map((l) => l.trim()).filter((l) => l && !/^warning: |Warning:|warnings\.warn/.test(l));
  return lines.length ? lines.join(' ') : undefined;
}
