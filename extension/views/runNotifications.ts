// A notification when a run this window watched ends: completed (with its final reward), failed (with the error),
// stopped. The status-bar item disappears at the same moment, so without it the end of a run goes unnoticed.
import * as vscode from 'vscode';
import type { RunStore } from '../runs/runStore';
import { RunEndings } from './runEndings';

export function createRunNotifications(store: RunStore, showLog: () => void): vscode.Disposable {
  const endings = new RunEndings();
  const check = (): void => {
    for (const e of endings.update(store.listRuns())) {
      const runId = e.run.id;
      const open = (choice: string | undefined): void => {
        if (choice === 'Open Dashboard') void vscode.commands.executeCommand('rlstudio.openDashboard', runId);
        else if (choice === 'Open Samples') void vscode.commands.executeCommand('rlstudio.openSamples', runId);
        else if (choice === 'Show Log') showLog();
      };
      if (e.status === 'failed') void vscode.window.showErrorMessage(e.message, 'Show Log', 'Open Dashboard').then(open);
      else void vscode.window.showInformationMessage(e.message, 'Open Dashboard', 'Open Samples').then(open);
    }
  };
  // onDidChangeRuns fires on every status change (a run's events alone do not end it)
  const sub = store.onDidChangeRuns(check);
  check();
  return new vscode.Disposable(() => sub.dispose());
}
