// Which RL algorithm a run trains with, as its run_started event says ("grpo" | "ppo"): it decides the dashboard's
// chart groups, the header's config keys and the run-health checks. No `vscode` import (the webview uses it too).

export type Algorithm = 'grpo' | 'ppo';
export const ALGORITHMS: readonly Algorithm[] = ['grpo', 'ppo'];

/** A run without the field (written before PPO existed) or with a name this editor does not know reads as GRPO,
 * the algorithm every earlier run used. */
export function algorithmOf(value: string | null | undefined): Algorithm {
  const v = (value ?? '').toLowerCase();
  return (ALGORITHMS as readonly string[]).includes(v) ? (v as Algorithm) : 'grpo';
}

/** How the Runs view writes it (an unknown name as written, so it is not passed off as GRPO). */
export function algorithmLabel(value: string | null | undefined): string {
  return (value || 'grpo').toUpperCase();
}
