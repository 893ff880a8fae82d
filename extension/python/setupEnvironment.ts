// "Set Up Trainer Environment": a virtual environment in the extension's global storage with the bundled trainer
// (and torch, transformers, peft) pip-installed, with progress and cancel; or the Python extension's interpreter;
// or a path typed in.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import type { PythonResolver } from './pythonResolver';
import { pythonExtensionInterpreter } from './pythonResolver';
import { venvPython } from './pythonDiscovery';
import { trainerEnv } from '../trainer/commandLine';
import { runProcess } from './childProcess';
import { abortSignalOf } from './cancellation';

export async function setUpTrainerEnvironment(context: vscode.ExtensionContext, resolver: PythonResolver,
  log: vscode.LogOutputChannel): Promise<void> {
  const fromExt = await pythonExtensionInterpreter();
  type Choice = vscode.QuickPickItem & { action: 'venv' | 'python-ext' | 'path' };
  const choices: Choice[] = [
    { action: 'venv', label: '$(package) Create a virtual environment with the bundled trainer',
      detail: `pip installs rlstudio, torch, transformers and peft into ${resolver.managedVenvDir} (a few GB; needs PyPI)` },
    ...(fromExt ? [{ action: 'python-ext' as const, label: '$(python) Use the Python extension\'s interpreter', detail: fromExt }] : []),
    { action: 'path', label: '$(file) Enter the path of a Python that has rlstudio and torch…' },
  ];
  const choice = await vscode.window.showQuickPick(choices, { title: 'RL Studio: Set Up Trainer Environment' });
  if (!choice) return;
  const settings = vscode.workspace.getConfiguration('rlstudio');
  if (choice.action === 'python-ext') {
    await settings.update('pythonPath', '', vscode.ConfigurationTarget.Global); // the Python extension comes next in the order
  } else if (choice.action === 'path') {
    const p = await vscode.window.showInputBox({ title: 'Python interpreter for the trainer', prompt: 'Absolute path to python',
      validateInput: (v) => (existsSync(v) ? undefined : `${v} does not exist`) });
    if (!p) return;
    await settings.update('pythonPath', p, vscode.ConfigurationTarget.Global);
  } else {
    const ok = await createManagedVenv(context, resolver, log);
    if (!ok) return;
    await settings.update('pythonPath', '', vscode.ConfigurationTarget.Global);
  }
  resolver.invalidate();
  const found = await resolver.resolve();
  if (found) void vscode.window.showInformationMessage(`RL Studio trainer ready: ${found.path} (torch ${found.probe.torch}, ${found.probe.cuda ? 'CUDA' : 'CPU only'}).`);
}

async function createManagedVenv(context: vscode.ExtensionContext, resolver: PythonResolver, log: vscode.LogOutputChannel): Promise<boolean> {
  const venv = resolver.managedVenvDir;
  const trainerDir = path.join(context.extensionPath, 'trainer');
  const basePython = process.platform === 'win32' ? 'python' : 'python3';
  const py = venvPython(venv);
  const steps: { title: string; command: string; args: string[] }[] = [
    ...(existsSync(py) ? [] : [{ title: 'creating the virtual environment', command: basePython, args: ['-m', 'venv', venv] }]),
    { title: 'upgrading pip', command: py, args: ['-m', 'pip', 'install', '--upgrade', 'pip'] },
    { title: 'installing the trainer and its dependencies', command: py, args: ['-m', 'pip', 'install', '--progress-bar', 'off', trainerDir] },
  ];
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'RL Studio: setting up the trainer environment', cancellable: true },
    async (progress, token) => {
      for (const [i, step] of steps.entries()) {
        progress.report({ message: `${step.title} (${i + 1}/${steps.length})`, increment: i === 0 ? 0 : 100 / steps.length });
        const code = await runLogged(step.command, step.args, log, token, (line) => {
          const m = /^(Collecting|Downloading|Installing collected packages|Successfully installed)\s*(.*)/.exec(line);
          if (m) progress.report({ message: `${step.title}: ${m[1]} ${m[2].slice(0, 60)}` });
        });
        if (token.isCancellationRequested) {
          void vscode.window.showWarningMessage('RL Studio: trainer environment set-up cancelled.');
          return false;
        }
        if (code !== 0) {
          const show = 'Show Log';
          if (await vscode.window.showErrorMessage(`RL Studio: ${step.title} failed (exit ${code}). ${step.command} ${step.args.join(' ')}`, show) === show) log.show();
          return false;
        }
      }
      return true;
    });
}

async function runLogged(command: string, args: string[], log: vscode.LogOutputChannel, token: vscode.CancellationToken,
  onLine: (line: string) => void): Promise<number | null> {
  log.info(`$ ${command} ${args.join(' ')}`);
  const result = await runProcess({ command, args, env: trainerEnv(process.env) }, {
    signal: abortSignalOf(token),
    onLine: (line) => {
      log.info(line);
      onLine(line);
    },
  });
  if (result.spawnError) log.error(`${command}: ${result.spawnError.message}`);
  return result.spawnError ? null : result.code;
}
