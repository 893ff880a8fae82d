// The inference commands: "Open Inference Panel" (palette) and "Try This Checkpoint" (Runs view checkpoints,
// best_model and final). One panel at a time; it starts its serve process with the trainer's Python, only in a
// trusted workspace (loading a run's reward functions runs its code). Activation registers the commands only.
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { Services } from '../services';
import type { InferencePanel } from './inferencePanel';
import { checkpointFromArg } from './checkpointChoices';

export function registerInference(services: Services): void {
  let panel: InferencePanel | undefined;
  const open = async (): Promise<InferencePanel | undefined> => {
    if (panel) {
      panel.reveal();
      return panel;
    }
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage('RL Studio: the inference panel runs the trainer and the run\'s reward functions; trust this workspace first.');
      return undefined;
    }
    const python = await services.python.resolve();
    if (!python) return undefined;
    // loaded on first use: activation stays free of the panel and its protocol
    const [{ InferencePanel: Panel }, { ServeClient }] = await Promise.all([import('./inferencePanel'), import('./serveClient')]);
    const cwd = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath ?? path.dirname(python.path);
    const client = new ServeClient(() => ({
      command: python.path, args: ['-m', 'rlstudio', 'serve'], cwd, env: { ...process.env, PYTHONUNBUFFERED: '1' },
    }), { onLog: (line, stream) => (stream === 'stderr' ? services.log.warn : services.log.info).call(services.log, `[serve] ${line}`) });
    const webview = vscode.window.createWebviewPanel('rlstudio.inference', 'RL Studio: Inference', vscode.ViewColumn.Active);
    panel = new Panel(webview, services.context.extensionUri, services.store, client, () => { panel = undefined; });
    return panel;
  };
  services.context.subscriptions.push(
    vscode.commands.registerCommand('rlstudio.openInferencePanel', () => open()),
    vscode.commands.registerCommand('rlstudio.tryCheckpoint', async (arg: unknown) => {
      const checkpoint = checkpointFromArg(arg, (runId) => services.store.getRun(runId)?.dir);
      if (!checkpoint) {
        void vscode.window.showErrorMessage('RL Studio: Try This Checkpoint works on a checkpoint in the Runs view.');
        return;
      }
      const p = await open();
      await p?.select('a', checkpoint);
    }),
  );
}
