// Start / Resume / Stop Training: validate the config, find Python, launch the trainer into a new run directory,
// and stop gracefully.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import type { Services } from '../services';
import { runIdFromArg } from '../services';
import type { RunConfig } from '../../schemas/generated/runConfig';
import { buildTrainerCommand, newRunDir, runsFolderOf } from '../trainer/commandLine';
import { pickRun, pickRunConfig } from './pickers';

let cpuNoticeShown = false;

function requireTrust(what: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showErrorMessage(`RL Studio: ${what} runs workspace code (the trainer and reward functions), so it is disabled until you trust this workspace.`,
    'Manage Workspace Trust').then((p) => p && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}

/** opts.only: the algorithm a "Start GRPO / PPO Training" command is for (a config for another one is refused). */
export async function startTraining(s: Services, opts: { only?: 'grpo' | 'ppo' }, arg?: unknown): Promise<string | undefined> {
  if (!requireTrust('Training')) return undefined;
  const uri = await pickRunConfig(arg);
  if (!uri) return undefined;
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.isDirty) await doc.save();
  const result = await (await s.diagnostics()).check(doc);
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (errors.length || !result.config) {
    const first = errors[0];
    const editor = await vscode.window.showTextDocument(doc);
    if (first) {
      const pos = new vscode.Position(first.range.startLine, first.range.startCharacter);
      editor.selection = new vscode.Selection(pos, pos);
      editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
    }
    void vscode.window.showErrorMessage(`RL Studio: ${vscode.workspace.asRelativePath(uri)} has ${errors.length} problem(s)` +
      (first ? `; line ${first.range.startLine + 1}: ${first.jsonPath}: ${first.message}` : ''), 'Show Problems')
      .then((p) => p && vscode.commands.executeCommand('workbench.actions.view.problems'));
    return undefined;
  }
  const config: RunConfig = result.config;
  if (opts.only && (config.algorithm ?? 'grpo') !== opts.only) {
    void vscode.window.showErrorMessage(`RL Studio: ${vscode.workspace.asRelativePath(uri)} is for "${config.algorithm ?? 'grpo'}", not ${opts.only.toUpperCase()}. Use "Start Training (Algorithm from Config)".`);
    return undefined;
  }
  const python = await s.python.resolve();
  if (!python) return undefined;
  if (!python.probe.cuda && config.model.device !== 'cpu' && !cpuNoticeShown) {
    cpuNoticeShown = true;
    void vscode.window.showInformationMessage(`RL Studio: CUDA not found with ${python.path} — running on CPU (fine for the tiny demo model, slow for real models).`);
  }
  const runDir = newRunDir(runsFolderOf(uri.fsPath, config.output_dir), config.name ?? 'run', new Date(), existsSync);
  const command = buildTrainerCommand(python.path, {
    kind: 'train', configFile: uri.fsPath, runDir, nprocPerNode: config.distributed?.nproc_per_node ?? 1,
  });
  s.log.info(`[${path.basename(runDir)}] $ ${command.command} ${command.args.join(' ')}`);
  const { runId } = s.trainers.launch(command, runDir);
  // the walkthrough's "Start training" step is done when a trainer was launched, not when the command merely ran
  void vscode.commands.executeCommand('setContext', 'rlstudio.trainingLaunched', true);
  void vscode.commands.executeCommand('rlstudio.runs.focus');
  return runId;
}

export async function stopTraining(s: Services, arg?: unknown): Promise<void> {
  const id = runIdFromArg(arg);
  const run = id ? s.store.getRun(id) : await pickRun(s.store, 'Stop which run?', (r) => r.status === 'running', 'RL Studio: no run is training.');
  if (!run) return;
  const graceMs = 1000 * (vscode.workspace.getConfiguration('rlstudio').get<number>('stopGraceSeconds') ?? 120);
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, cancellable: true,
    title: `RL Studio: stopping ${run.id} (finishing the step and saving a checkpoint)` }, async (_progress, token) => {
    const stopped = s.trainers.stop(run.id, graceMs);
    // Cancelling only stops waiting here; the stop itself (and its escalation) goes on.
    const outcome = await Promise.race([stopped, new Promise<'waiting-cancelled'>((r) => token.onCancellationRequested(() => r('waiting-cancelled')))]);
    if (outcome === 'not-running') void vscode.window.showWarningMessage(`RL Studio: ${run.id} has no live trainer process to stop.`);
  });
}

export async function resumeTraining(s: Services, arg?: unknown): Promise<string | undefined> {
  if (!requireTrust('Resuming training')) return undefined;
  const id = runIdFromArg(arg);
  const run = id ? s.store.getRun(id)
    : await pickRun(s.store, 'Resume which run?', (r) => r.status !== 'running' && r.status !== 'completed' && r.checkpoints.length > 0,
      'RL Studio: no stopped, failed or interrupted run with a checkpoint to resume.');
  if (!run) return undefined;
  if (run.status === 'running') {
    void vscode.window.showWarningMessage(`RL Studio: ${run.id} is still running.`);
    return undefined;
  }
  let checkpoint: string | undefined;
  const fromArg = (arg as { checkpoint?: { path?: string } } | undefined)?.checkpoint?.path;
  if (fromArg) checkpoint = path.basename(fromArg);
  else if (run.checkpoints.length > 1) {
    const items = [...run.checkpoints].reverse().map((c, i) => ({
      label: i === 0 ? `${path.basename(c.path)} (latest)` : path.basename(c.path), description: `${c.kind} · step ${c.step}`, c,
    }));
    const picked = await vscode.window.showQuickPick(items, { title: `Resume ${run.id} from which checkpoint?` });
    if (!picked) return undefined;
    checkpoint = picked === items[0] ? undefined : path.basename(picked.c.path);
  }
  const python = await s.python.resolve();
  if (!python) return undefined;
  const command = buildTrainerCommand(python.path, { kind: 'resume', runDir: run.dir, checkpoint,
    nprocPerNode: run.config?.distributed?.nproc_per_node ?? 1 });
  s.log.info(`[${run.id}] $ ${command.command} ${command.args.join(' ')}`);
  s.trainers.launch(command, run.dir);
  return run.id;
}
