// A status-bar item for the active run (the newest running one): step, reward, ETA; clicking opens its dashboard.
import * as vscode from 'vscode';
import type { RunStore } from '../runs/runStore';
import { statusBarText, runDescription } from './runPresentation';

export function createRunStatusBar(store: RunStore): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('rlstudio.activeRun', vscode.StatusBarAlignment.Left, 50);
  item.name = 'RL Studio: active run';
  const update = (): void => {
    const run = store.listRuns().find((r) => r.status === 'running');
    if (!run) {
      item.hide();
      return;
    }
    const now = Date.now();
    item.text = `$(pulse) ${statusBarText(run, now)}`;
    item.tooltip = `${run.id}: ${runDescription(run, now)} — open the dashboard`;
    item.command = { command: 'rlstudio.openDashboard', title: 'Open Dashboard', arguments: [run.id] };
    item.show();
  };
  const subs = [store.onDidChangeRuns(update), store.onDidChangeRun(update)];
  const timer = setInterval(update, 5000); // elapsed / ETA move without new events
  update();
  return new vscode.Disposable(() => {
    clearInterval(timer);
    subs.forEach((s) => s.dispose());
    item.dispose();
  });
}
