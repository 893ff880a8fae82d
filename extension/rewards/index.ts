// Reward testing in the editor: the Test Explorer's reward cases, CodeLens and inline results above reward
// functions, and the commands behind them. One worker process per window serves them all.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { RewardWorkers } from './rewardWorkers';
import { RewardTestController, UNTRUSTED_MESSAGE } from './rewardTestController';
import { RewardCodeLens, RewardDecorations } from './rewardEditor';
import { CASES_SUFFIX, casesFileFor, findRewardFunctions, rewardFileFor } from './rewardFiles';
import { RewardResultsPanel } from './resultsPanel';
import { configsUsing, latestRunUsing, type ConfigText } from './runLookup';
import { REWARD_TEMPLATES, writeTemplate } from './rewardTemplates';
import type { Services } from '../services';

export function registerRewardTesting(context: vscode.ExtensionContext, services: Pick<Services, 'python' | 'log' | 'store'>): void {
  const workers = new RewardWorkers(services);
  const decorations = new RewardDecorations();
  const results = new RewardResultsPanel(context.extensionUri);
  const tests = new RewardTestController(workers, (file, response) => {
    decorations.show(file, response);
    results.update(`cases of ${path.basename(file)}`, response);
  });
  let configs: Promise<ConfigText[]> | undefined; // the workspace's run configs, read again after any of them changes
  const workspaceConfigs = (): Promise<ConfigText[]> => (configs ??= readWorkspaceConfigs());
  const configWatcher = vscode.workspace.createFileSystemWatcher('**/*.rlstudio.json');
  const configsChanged = (): void => { configs = undefined; lens.refresh(); };
  const lens = new RewardCodeLens(() => services.store.listRuns(), workspaceConfigs);

  const scoreDataset = async (uri?: vscode.Uri, fn?: string): Promise<void> => {
    if (!uri || !fn || !refuseUntrusted()) return;
    await saveIfDirty(uri);
    const using = configsUsing(await workspaceConfigs(), uri.fsPath, fn);
    const config = using.length > 1
      ? (await vscode.window.showQuickPick(using.map((f) => ({ label: vscode.workspace.asRelativePath(f), file: f })), { title: 'Score the dataset of which run config?' }))?.file
      : using[0];
    if (!config) return;
    const settings = vscode.workspace.getConfiguration('rlstudio.rewards');
    const limit = settings.get<number>('datasetRows') ?? 20;
    const column = settings.get<string>('completionColumn') || 'completion';
    const response = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, cancellable: true,
      title: `RL Studio: scoring the first ${limit} rows of ${path.basename(config)}'s dataset` }, (_p, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      return workers.test({ config, dataset: { limit, completion_column: column } }, ac.signal);
    });
    if (response.error?.message === 'cancelled') return;
    decorations.show(uri.fsPath, response);
    results.show(`${path.basename(config)}: first ${limit} rows`, response);
  };

  const rescore = async (uri?: vscode.Uri, fn?: string): Promise<void> => {
    if (!uri || !fn || !refuseUntrusted()) return;
    await saveIfDirty(uri);
    const run = latestRunUsing(services.store.listRuns(), uri.fsPath, fn);
    if (!run) {
      void vscode.window.showInformationMessage(`RL Studio: no run in the Runs view used ${path.basename(uri.fsPath)}:${fn}.`);
      return;
    }
    const response = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, cancellable: true,
      title: `RL Studio: re-scoring the completions of ${run.id}` }, (_p, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      return workers.test({ config: path.join(run.dir, 'config.json'), run: { run_dir: run.dir } }, ac.signal);
    });
    if (response.error?.message === 'cancelled') return;
    decorations.show(uri.fsPath, response);
    results.show(`re-scored ${run.id}`, response);
  };

  const runCases = async (arg?: unknown): Promise<void> => {
    const file = arg instanceof vscode.Uri ? arg.fsPath : vscode.window.activeTextEditor?.document.uri.fsPath;
    const casesFile = file && (rewardFileFor(file) ? file : casesFileFor(file));
    if (!casesFile || !existsSync(casesFile)) {
      void vscode.window.showWarningMessage(`RL Studio: no cases file${casesFile ? ` ${path.basename(casesFile)}` : ''}; use "Create cases file" above a reward function.`);
      return;
    }
    if (!refuseUntrusted()) return;
    await saveIfDirty(vscode.Uri.file(rewardFileFor(casesFile)!));
    const item = await tests.fileItem(vscode.Uri.file(casesFile));
    if (item) await runTests(tests, new vscode.TestRunRequest([item]));
  };

  context.subscriptions.push(workers, decorations, tests, lens, results,
    services.store.onDidChangeRuns(() => lens.refresh()),
    configWatcher, configWatcher.onDidCreate(configsChanged), configWatcher.onDidChange(configsChanged), configWatcher.onDidDelete(configsChanged),
    vscode.commands.registerCommand('rlstudio.scoreDatasetSamples', scoreDataset),
    vscode.commands.registerCommand('rlstudio.rescoreLatestRun', rescore),
    vscode.commands.registerCommand('rlstudio.newRewardFunction', () => newRewardFunction(context.extensionPath, lens)),
    vscode.languages.registerCodeLensProvider({ language: 'python', scheme: 'file' }, lens),
    vscode.commands.registerCommand('rlstudio.runRewardCases', runCases),
    vscode.commands.registerCommand('rlstudio.createRewardCases', (uri?: vscode.Uri, fn?: string) => createCasesFile(uri, fn, lens)),
    vscode.commands.registerCommand('rlstudio.testRewardFunctions', async () => {
      if (!refuseUntrusted()) return;
      await tests.discover();
      if (tests.controller.items.size === 0) {
        void vscode.window.showInformationMessage(`RL Studio: no reward cases yet (<reward file>${CASES_SUFFIX}). Open a reward file and use "Create cases file" above a reward function.`);
        return;
      }
      await runTests(tests, new vscode.TestRunRequest());
    }),
    // the first click should not wait for Python and torch to load
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (doc.uri.scheme === 'file' && (doc.uri.path.endsWith(CASES_SUFFIX) || existsSync(casesFileFor(doc.uri.fsPath)))) void workers.warm();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void tests.discover()),
  );
  void tests.discover();
}

async function runTests(tests: RewardTestController, request: vscode.TestRunRequest): Promise<void> {
  const cts = new vscode.CancellationTokenSource();
  try {
    await tests.run(request, cts.token);
  } finally {
    cts.dispose();
  }
}

async function readWorkspaceConfigs(): Promise<ConfigText[]> {
  const files = await vscode.workspace.findFiles('**/*.rlstudio.json', '**/{node_modules,.venv,.git}/**', 200);
  return Promise.all(files.map(async (u) => ({ file: u.fsPath, text: await readFile(u.fsPath, 'utf8').catch(() => '') })));
}

/** Reward code is read from disk by the worker: an edited, unsaved reward file is saved first. */
async function saveIfDirty(uri: vscode.Uri): Promise<void> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty) await doc.save();
}

function refuseUntrusted(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(`RL Studio: ${UNTRUSTED_MESSAGE}`);
  return false;
}

async function newRewardFunction(extensionPath: string, lens: RewardCodeLens): Promise<string | undefined> {
  const pick = await vscode.window.showQuickPick(REWARD_TEMPLATES.map((t) => ({ ...t, description: `${t.id}.py` })),
    { title: 'RL Studio: new reward function (TRL signature, with a cases file)', matchOnDetail: true });
  if (!pick) return undefined;
  const active = vscode.window.activeTextEditor?.document.uri;
  const folder = active?.scheme === 'file' ? path.dirname(active.fsPath) : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) {
    void vscode.window.showWarningMessage('RL Studio: open a folder first; the reward file is written into it.');
    return undefined;
  }
  const file = await writeTemplate(extensionPath, pick.id, folder);
  lens.refresh();
  await vscode.window.showTextDocument(vscode.Uri.file(file));
  void vscode.window.showInformationMessage(`RL Studio: wrote ${path.basename(file)} and ${path.basename(casesFileFor(file))}; reference it in a run config as "${path.basename(file)}:${pick.id}".`);
  return file;
}

async function createCasesFile(uri: vscode.Uri | undefined, fn: string | undefined, lens: RewardCodeLens): Promise<void> {
  const rewardFile = uri?.fsPath ?? vscode.window.activeTextEditor?.document.uri.fsPath;
  if (!rewardFile) return;
  const casesFile = casesFileFor(rewardFile);
  if (!existsSync(casesFile)) {
    const names = fn ? [fn] : findRewardFunctions((await vscode.workspace.openTextDocument(rewardFile)).getText()).map((f) => f.name);
    const lines = [
      '// One case per line: {"name", "prompt", "completion", "columns": {dataset columns}, "function": reward name, "expected": number | null | {"min", "max"}}',
      ...names.map((name) => JSON.stringify({ name: `${name}: replace with a real completion`, function: name, prompt: 'What is 2 + 2?',
        completion: '<think>2 + 2 = 4</think>\n<answer>4</answer>', columns: { reference: '4' }, expected: { min: 0 } })),
    ];
    await writeFile(casesFile, lines.join('\n') + '\n', 'utf8');
  }
  lens.refresh();
  await vscode.window.showTextDocument(vscode.Uri.file(casesFile));
}
