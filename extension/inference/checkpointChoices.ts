// What the inference panel offers to load, from the RunStore's runs: each run's best model, final and step
// checkpoints (newest first), and its base model, so "base vs final" or "step 0 vs best" is two picks. No `vscode`.
import * as path from 'node:path';
import type { RunSummary } from '../runs/types';
import type { CheckpointChoice } from '../../webview/inference/protocol';

export function checkpointChoices(runs: readonly RunSummary[]): CheckpointChoice[] {
  const out: CheckpointChoice[] = [];
  for (const run of runs) {
    const seen = new Set<string>();
    for (const c of [...run.checkpoints].reverse()) {
      const checkpoint = path.join(run.dir, c.path);
      if (seen.has(checkpoint)) continue; // a re-saved best_model/final is listed once
      seen.add(checkpoint);
      const what = c.kind === 'best' ? `best model (step ${c.step})` : c.kind === 'final' ? `final (step ${c.step})` : `step ${c.step}`;
      out.push({ label: `${run.id} · ${what}`, checkpoint });
    }
    if (run.model) out.push({ label: `${run.id} · base model (${run.model})`, checkpoint: run.model });
  }
  return out;
}

/** The checkpoint folder a Runs-view node or a command argument names, if any. */
export function checkpointFromArg(arg: unknown, runDir: (runId: string) => string | undefined): string | undefined {
  if (typeof arg === 'string') return arg;
  const node = arg as { kind?: unknown; runId?: unknown; checkpoint?: { path?: unknown } } | undefined;
  if (node?.kind !== 'checkpoint' || typeof node.runId !== 'string' || typeof node.checkpoint?.path !== 'string') return undefined;
  const dir = runDir(node.runId);
  return dir ? path.join(dir, node.checkpoint.path) : undefined;
}
