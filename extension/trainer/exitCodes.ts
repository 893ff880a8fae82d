// The exit codes of `python -m rlstudio train|resume` the editor acts on (all of them: trainer/rlstudio/user_errors.py
// and the README's table); a run that started reports how it ended through its events instead. No `vscode`.
/** Refused before training: a config, data, reward, model or checkpoint problem; nothing was trained. */
export const EXIT_INVALID = 2;
/** The run directory belongs to a live trainer, or already holds a run; nothing was written. */
export const EXIT_REFUSED = 3;

/** The message a refusing trainer printed (its last lines, without Python warnings), or undefined. */
export function refusalText(lastLines: readonly string[]): string | undefined {
  const lines = lastLines.map((l) => l.trim()).filter((l) => l && !/^warning: |Warning:|warnings\.warn/.test(l));
  return lines.length ? lines.join(' ') : undefined;
}
