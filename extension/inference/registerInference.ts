// The inference commands: "Open Inference Panel" (palette) and "Try This Checkpoint" (Runs view checkpoints,
// best_model and final). One panel at a time, only in a trusted workspace (loading a run's reward functions and
// exporting a checkpoint run its code). Its backend comes from rlstudio.inference.backend: the PyTorch serve process
// (needs the trainer's Python), or ONNX in the extension host (Python only to export a checkpoint the first time).
// Activation registers the commands only.
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { Services } from '../services';
import type { InferencePanel } from './inferencePanel';
import type { BackendId, InferenceBackend } from './backend';
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
    const client = await createBackend(services);
    if (!client) return undefined;
    // loaded on first use: activation stays free of the panel and its protocol
    const { InferencePanel: Panel } = await import('./inferencePanel');
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

async function createBackend(services: Services): Promise<InferenceBackend | undefined> {
  const choice = vscode.workspace.getConfiguration('rlstudio').get<BackendId>('inference.backend', 'pytorch');
  const python = await services.python.resolve({ quiet: choice === 'onnx' });
  const cwd = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath
    ?? (python ? path.dirname(python.path) : services.context.globalStorageUri.fsPath);
  const env = { ...process.env, PYTHONUNBUFFERED: '1' };
  if (choice === 'onnx') {
    const { OnnxBackend } = await import('./onnx/onnxBackend');
    return new OnnxBackend({
      exportRoot: path.join(services.context.globalStorageUri.fsPath, 'onnx-exports'),
      exportCommand: python && ((checkpoint, out) => ({ command: python.path, args: ['-m', 'rlstudio', 'export-onnx', '--checkpoint', checkpoint, '--out', out], cwd, env })),
      onLog: (line) => services.log.info(`[export-onnx] ${line}`),
    });
  }
  if (!python) return undefined;
  const { ServeClient } = await import('./serveClient');
  return new ServeClient(() => ({ command: python.path, args: ['-m', 'rlstudio', 'serve'], cwd, env }),
    { onLog: (line, stream) => (stream === 'stderr' ? services.log.warn : services.log.info).call(services.log, `[serve] ${line}`) });
}
