// Activation: the RunStore, the Runs view, the status bar and the commands. Heavy parts load on first use:
// ajv + the schema (config diagnostics) when a run config is checked, the panels (dashboard, samples: the webview
// protocol and their hosts) right after activation without delaying it. The activation time goes to the log.
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import { RunStore } from './runs/runStore';
import { runRootsFor } from './runs/runRoots';
import { RunsTreeProvider } from './views/runsTree';
import { createRunStatusBar } from './views/runStatusBar';
import { createRunNotifications } from './views/runNotifications';
import { TrainerRegistry } from './trainer/trainerRegistry';
import { OutputFollower } from './trainer/outputFollower';
import { PythonResolver } from './python/pythonResolver';
import type { ConfigDiagnostics } from './config/configDiagnostics';
import type { Services } from './services';
import { startTraining, stopTraining, resumeTraining } from './commands/trainingCommands';
import { createDemoDataset, newRunConfig } from './commands/demoCommands';
import { revealRun, deleteRun, refreshRuns } from './commands/runCommands';
import { EXIT_INVALID, EXIT_REFUSED, refusalText } from './trainer/exitCodes';
import { registerRewardTesting } from './rewards/index';
import { registerInference } from './inference/registerInference';

export function activate(context: vscode.ExtensionContext): { store: RunStore } {
  const t0 = performance.now();
  const log = vscode.window.createOutputChannel('RL Studio', { log: true });
  const store = new RunStore({
    pollIntervalMs: 1000,
    watch: true, // live runs' new events within milliseconds; the 1 s poll stays as the fallback
    onMalformedLine: (r) => log.warn(`${r.file}:${r.lineNo}: skipped a line that is not a trainer event (${r.reason})`),
  });
  const trainers = new TrainerRegistry(store,
    (runId, line, stream) => (stream === 'stderr' ? log.warn : log.info).call(log, `[${runId}] ${line}`),
    (runId, exit, lastLines) => {
      const run = store.getRun(runId);
      log.info(`[${runId}] trainer exited (code ${exit.code ?? '-'}${exit.signal ? `, ${exit.signal}` : ''}); status ${run?.status}`);
      // A run that ends after it started is announced by the run notifications (from its status, like a run started
      // from a terminal). Reported here: a trainer that could not be started at all, and one that refused to start
      // (invalid input, or a run directory that belongs to a live trainer), which writes no events: its own words.
      if (exit.spawnError) {
        void vscode.window.showErrorMessage(`RL Studio: run ${runId} could not start: ${exit.spawnError.message}`, 'Show Log').then((p) => p && log.show());
      } else if (exit.code === EXIT_INVALID || exit.code === EXIT_REFUSED) {
        const why = refusalText(lastLines) ?? `exit code ${exit.code}`;
        void vscode.window.showErrorMessage(`RL Studio: the trainer refused to start: ${why}`, 'Show Log').then((p) => p && log.show());
      }
    });
  const follower = new OutputFollower(store, (runId) => trainers.get(runId) !== undefined, (runId, line) => log.info(`[${runId}] ${line}`));
  context.subscriptions.push(follower);
  let diagnostics: Promise<ConfigDiagnostics> | undefined;
  const services: Services = {
    context, store, log, trainers,
    python: new PythonResolver(context, log),
    diagnostics: () => (diagnostics ??= import('./config/configDiagnostics').then((m) => {
      // the trainer's own checks run its Python: workspace code, so only in a trusted workspace
      const d = new m.ConfigDiagnostics(async (file, cwd) => {
        if (!vscode.workspace.isTrusted) return undefined;
        const python = await services.python.resolve({ quiet: true });
        return python ? (await import('./config/trainerValidation')).runTrainerValidation(python.path, file, cwd) : undefined;
      });
      context.subscriptions.push(d);
      return d;
    })),
    updateRunRoots: async () => store.setRoots(await computeRunRoots()),
  };

  const tree = new RunsTreeProvider(store);
  const view = vscode.window.createTreeView('rlstudio.runs', { treeDataProvider: tree, showCollapseAll: true });
  const cmd = (id: string, fn: (...args: unknown[]) => unknown): vscode.Disposable => vscode.commands.registerCommand(id, fn);
  context.subscriptions.push(
    log, services.python, tree, view, createRunStatusBar(store), createRunNotifications(store, () => log.show()), { dispose: () => store.dispose() }, { dispose: () => trainers.dispose() },
    cmd('rlstudio.startGrpoTraining', (arg) => startTraining(services, { only: 'grpo' }, arg)),
    cmd('rlstudio.startPpoTraining', (arg) => startTraining(services, { only: 'ppo' }, arg)),
    cmd('rlstudio.startTraining', (arg) => startTraining(services, {}, arg)),
    cmd('rlstudio.resumeTraining', (arg) => resumeTraining(services, arg)),
    cmd('rlstudio.stopTraining', (arg) => stopTraining(services, arg)),
    cmd('rlstudio.createDemoDataset', () => createDemoDataset(services)),
    cmd('rlstudio.newRunConfig', () => newRunConfig(services)),
    cmd('rlstudio.setUpTrainerEnvironment', async () =>
      (await import('./python/setupEnvironment')).setUpTrainerEnvironment(context, services.python, log)),
    cmd('rlstudio.revealRun', (arg) => revealRun(services, arg)),
    cmd('rlstudio.deleteRun', (arg) => deleteRun(services, arg)),
    cmd('rlstudio.refreshRuns', () => refreshRuns(services)),
  );

  registerRewardTesting(context, services);

  // Keep the runs folders in step with the workspace's configs and settings.
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.rlstudio.json');
  const rootsChanged = (): void => void services.updateRunRoots();
  context.subscriptions.push(watcher, watcher.onDidCreate(rootsChanged), watcher.onDidChange(rootsChanged), watcher.onDidDelete(rootsChanged),
    vscode.workspace.onDidChangeWorkspaceFolders(rootsChanged),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('rlstudio.runsFolders') && rootsChanged()));
  // Until the first scan of the runs folders ends, the view says so: its welcome text ("No training runs yet") is
  // shown only once that is known (`rlstudio.runsLoaded`), so a workspace with runs never flashes it.
  view.message = 'Reading runs…';
  void services.updateRunRoots().then(() => store.start()).finally(() => {
    view.message = undefined;
    void vscode.commands.executeCommand('setContext', 'rlstudio.runsLoaded', true);
  });

  // Config diagnostics only once a run config is (or gets) open: that is what loads ajv.
  const maybeDiagnostics = (doc: vscode.TextDocument): void => {
    if (doc.uri.path.endsWith('.rlstudio.json')) void services.diagnostics();
  };
  vscode.workspace.textDocuments.forEach(maybeDiagnostics);
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(maybeDiagnostics));

  registerInference(services); // Open Inference Panel, Try This Checkpoint (the panel loads on first use)

  // The panels register their own commands (openDashboard, openSamples, compareRuns) and webview serializers.
  void import('./panels/index').then((m) => m.registerPanels(context, store))
    .catch((e: Error) => log.error(`dashboard panels failed to load: ${e.message}`));

  log.info(`activated in ${(performance.now() - t0).toFixed(1)} ms (activate() only; VS Code's Running Extensions view adds code loading)`);
  return { store };
}

async function computeRunRoots(): Promise<string[]> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const setting = vscode.workspace.getConfiguration('rlstudio').get<string[]>('runsFolders') ?? ['runs'];
  const files = await vscode.workspace.findFiles('**/*.rlstudio.json', '**/{node_modules,.venv,.git}/**', 200);
  const configs = await Promise.all(files.map(async (u) => ({ file: u.fsPath, text: await readFile(u.fsPath, 'utf8').catch(() => '') })));
  return runRootsFor(folders, setting, configs);
}

export function deactivate(): void {
  // Trainer processes keep running on purpose: a reloaded window re-attaches to them through their run directory.
}
