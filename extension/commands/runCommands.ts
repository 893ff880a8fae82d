// Reveal Run, Delete Run (with confirmation), Refresh Runs.
import * as vscode from 'vscode';
import { rm } from 'node:fs/promises';
import type { Services } from '../services';
import { runIdFromArg } from '../services';
import { pickRun } from './pickers';

export async function revealRun(s: Services, arg?: unknown): Promise<void> {
  const id = runIdFromArg(arg);
  const run = id ? s.store.getRun(id) : await pickRun(s.store, 'Reveal which run?', () => true, 'RL Studio: no runs yet.');
  if (!run) return;
  const uri = vscode.Uri.file(run.dir);
  const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
  await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri);
}

export async function deleteRun(s: Services, arg?: unknown): Promise<void> {
  const id = runIdFromArg(arg);
  const run = id ? s.store.getRun(id) : await pickRun(s.store, 'Delete which run?', (r) => r.status !== 'running', 'RL Studio: no finished runs to delete.');
  if (!run) return;
  if (run.status === 'running') {
    void vscode.window.showWarningMessage(`RL Studio: ${run.id} is running; stop it before deleting it.`);
    return;
  }
  const yes = 'Delete';
  const answer = await vscode.window.showWarningMessage(`Delete run ${run.id}?`,
    { modal: true, detail: `${run.dir}\nIts events, logs and ${run.checkpoints.length} checkpoint(s) are removed from disk.` }, yes);
  if (answer !== yes) return;
  await rm(run.dir, { recursive: true, force: true });
  s.log.info(`deleted run ${run.dir}`);
  await s.store.refresh();
}

export async function refreshRuns(s: Services): Promise<void> {
  await s.updateRunRoots();
  await s.store.refresh();
}
