// Quick picks shared by the commands: a run config of the workspace, a run.
import * as vscode from 'vscode';
import type { RunStore } from '../runs/runStore';
import type { RunSummary } from '../runs/types';
import { CONFIG_SUFFIX, isRunConfig } from '../config/runConfigFiles';
import { runDescription } from '../views/runPresentation';

/** The config to train: the argument, the active editor's, the only one, or one the user picks. */
export async function pickRunConfig(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri && isRunConfig(arg)) return arg;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && isRunConfig(active)) return active;
  const found = await vscode.workspace.findFiles(`**/*${CONFIG_SUFFIX}`, '**/{node_modules,.venv,.git}/**', 200);
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    const demo = 'Create Demo Dataset';
    const fresh = 'New Run Config';
    const pick = await vscode.window.showWarningMessage('RL Studio: no *.rlstudio.json run config in this workspace.', demo, fresh);
    if (pick === demo) await vscode.commands.executeCommand('rlstudio.createDemoDataset');
    if (pick === fresh) await vscode.commands.executeCommand('rlstudio.newRunConfig');
    return undefined;
  }
  const items = found.sort((a, b) => a.fsPath.localeCompare(b.fsPath))
    .map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri }));
  return (await vscode.window.showQuickPick(items, { title: 'Run config to train', placeHolder: '*.rlstudio.json' }))?.uri;
}

export async function pickRun(store: RunStore, title: string, filter: (r: RunSummary) => boolean, none: string): Promise<RunSummary | undefined> {
  const runs = store.listRuns().filter(filter);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(none);
    return undefined;
  }
  if (runs.length === 1) return runs[0];
  const now = Date.now();
  const picked = await vscode.window.showQuickPick(runs.map((r) => ({ label: r.id, description: runDescription(r, now), run: r })), { title });
  return picked?.run;
}
