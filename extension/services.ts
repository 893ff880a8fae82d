// What the command handlers share: the store, the log, the trainer processes, Python discovery, diagnostics.
import type * as vscode from 'vscode';
import type { RunStore } from './runs/runStore';
import type { TrainerRegistry } from './trainer/trainerRegistry';
import type { PythonResolver } from './python/pythonResolver';
import type { ConfigDiagnostics } from './config/configDiagnostics';

export interface Services {
  context: vscode.ExtensionContext;
  store: RunStore;
  log: vscode.LogOutputChannel;
  trainers: TrainerRegistry;
  python: PythonResolver;
  /** Created on first use: it loads ajv and the schema. */
  diagnostics(): Promise<ConfigDiagnostics>;
  /** Re-reads which folders hold runs (workspace configs' output_dir and the rlstudio.runsFolders setting). */
  updateRunRoots(): Promise<void>;
}

/** A run id from a command argument: a tree node, a run id string, or an object with runId. */
export function runIdFromArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && typeof (arg as { runId?: unknown }).runId === 'string') return (arg as { runId: string }).runId;
  return undefined;
}
