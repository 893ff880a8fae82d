// Create Demo Dataset (the trainer's demo-data: datasets plus a ready <kind>.rlstudio.json) and New Run Config
// (from templates).
import * as vscode from 'vscode';
import * as path from 'node:path';
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import type { Services } from '../services';
import { buildTrainerCommand } from '../trainer/commandLine';
import { runProcess } from '../python/childProcess';
import { abortSignalOf } from '../python/cancellation';
import { RUN_CONFIG_TEMPLATES } from './runConfigTemplates';

const DEMO_KINDS = [
  { label: 'arithmetic', description: 'verifiable answers: integer sums and products (learns in minutes on CPU)' },
  { label: 'arithmetic-ppo', description: 'the arithmetic demo trained with PPO (a critic, a KL penalty in the reward)' },
  { label: 'arithmetic-preferences', description: 'preference pairs for the arithmetic demo and a reward-model config' },
  { label: 'finance', description: 'query / context / reference financial-advice prompts with a rule-based reward' },
];

function workspaceRoot(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) void vscode.window.showErrorMessage('RL Studio: open a folder first; the demo data and runs are written into it.');
  return folder?.uri.fsPath;
}

export async function createDemoDataset(s: Services): Promise<vscode.Uri | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage('RL Studio: creating demo data runs the trainer; trust this workspace first.');
    return undefined;
  }
  const root = workspaceRoot();
  if (!root) return undefined;
  const kind = await vscode.window.showQuickPick(DEMO_KINDS, { title: 'RL Studio: demo dataset' });
  if (!kind) return undefined;
  const python = await s.python.resolve();
  if (!python) return undefined;
  const outDir = path.join(root, 'rlstudio-demo');
  const maxSteps = vscode.workspace.getConfiguration('rlstudio').get<number | null>('demo.maxSteps') ?? undefined;
  const cmd = buildTrainerCommand(python.path, { kind: 'demo-data', datasetKind: kind.label, outDir, maxSteps: maxSteps || undefined });
  mkdirSync(outDir, { recursive: true });
  s.log.info(`$ ${cmd.command} ${cmd.args.join(' ')}`);
  const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, cancellable: true,
    title: `RL Studio: creating the ${kind.label} demo dataset` }, async (_p, token) => {
    const result = await runProcess({ command: cmd.command, args: cmd.args, cwd: cmd.cwd, env: cmd.env },
      { signal: abortSignalOf(token), keepLines: 5, onLine: (line) => s.log.info(`[demo-data] ${line}`) });
    if (result.spawnError) return { code: null, tail: [result.spawnError.message] };
    return { code: result.cancelled ? -1 : result.code, tail: result.tail };
  });
  if (outcome.code === -1) return undefined;
  const configFile = path.join(outDir, kind.label === 'arithmetic-preferences' ? 'arithmetic.reward-model.json' : `${kind.label}.rlstudio.json`);
  if (outcome.code !== 0 || !existsSync(configFile)) {
    const show = 'Show Log';
    if (await vscode.window.showErrorMessage(`RL Studio: demo-data failed (exit ${outcome.code}): ${outcome.tail.slice(-2).join(' ')}`, show) === show) s.log.show();
    return undefined;
  }
  const uri = vscode.Uri.file(configFile);
  await vscode.window.showTextDocument(uri);
  await s.updateRunRoots();
  const start = demoStartCommand(kind.label);
  if (!start) {  // preference pairs: trained with `python -m rlstudio reward-model train --config <file>`
    void vscode.window.showInformationMessage(`RL Studio: preference pairs and ${path.basename(configFile)} written to ${vscode.workspace.asRelativePath(outDir)}; train the reward model with: python -m rlstudio reward-model train --config ${configFile}`);
    return uri;
  }
  void vscode.window.showInformationMessage(`RL Studio: demo dataset and ${path.basename(configFile)} written to ${vscode.workspace.asRelativePath(outDir)}.`,
    start.title).then((p) => p && vscode.commands.executeCommand(start.command, uri));
  return uri;
}

/** The training command offered after writing a demo of this kind (none for preference pairs). */
export function demoStartCommand(kind: string): { command: string; title: string } | undefined {
  if (kind === 'arithmetic-preferences') return undefined;
  return kind === 'arithmetic-ppo' ? { command: 'rlstudio.startPpoTraining', title: 'Start PPO Training' }
    : { command: 'rlstudio.startGrpoTraining', title: 'Start GRPO Training' };
}

export async function newRunConfig(s: Services): Promise<vscode.Uri | undefined> {
  const root = workspaceRoot();
  if (!root) return undefined;
  const template = await vscode.window.showQuickPick(RUN_CONFIG_TEMPLATES.map((t) => ({ label: t.label, detail: t.detail, t })),
    { title: 'RL Studio: new run config from a template' });
  if (!template) return undefined;
  const name = await vscode.window.showInputBox({ title: 'Run config name', value: template.t.defaultName,
    prompt: 'Written as <name>.rlstudio.json in the workspace folder',
    validateInput: (v) => (!/^[A-Za-z0-9_.-]+$/.test(v) ? 'letters, digits, _ . - only'
      : existsSync(path.join(root, `${v}.rlstudio.json`)) ? `${v}.rlstudio.json already exists` : undefined) });
  if (!name) return undefined;
  const file = path.join(root, `${name}.rlstudio.json`);
  writeFileSync(file, JSON.stringify({ ...template.t.config, name }, null, 2) + '\n');
  const uri = vscode.Uri.file(file);
  await vscode.window.showTextDocument(uri);
  await s.updateRunRoots();
  return uri;
}
