// Cases files (<reward file>.cases.jsonl) in the Test Explorer: one test item per file, one child per case line. A
// run sends the file to the reward worker with every reward function of the reward file beside it; failures become
// TestMessages with expected vs actual and the failing line in the reward file. Nothing runs in an untrusted workspace.
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CASES_SUFFIX, findRewardFunctions, parseCasesFile, rewardFileFor } from './rewardFiles';
import { caseOutcomes, errorLocation, type CaseOutcome, type Location } from './caseOutcomes';
import type { RewardWorkers } from './rewardWorkers';
import type { RewardTestResponse } from '../../schemas/generated/rewardTest';

export const UNTRUSTED_MESSAGE = 'Reward functions are workspace code: they do not run until you trust this workspace.';

export class RewardTestController implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController('rlstudio.rewardCases', 'RL Studio Reward Cases');
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly workers: RewardWorkers,
    private readonly onResponse: (rewardFile: string, response: RewardTestResponse) => void) {
    this.controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, (req, token) => this.run(req, token), true);
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discover();
    };
    const watcher = vscode.workspace.createFileSystemWatcher(`**/*${CASES_SUFFIX}`);
    this.subs.push(watcher,
      watcher.onDidCreate((uri) => void this.refreshFile(uri)),
      watcher.onDidChange((uri) => void this.refreshFile(uri)),
      watcher.onDidDelete((uri) => this.controller.items.delete(uri.toString())),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.path.endsWith(CASES_SUFFIX)) this.upsert(e.document.uri, e.document.getText());
      }));
  }

  async discover(): Promise<void> {
    const files = await vscode.workspace.findFiles(`**/*${CASES_SUFFIX}`, '**/{node_modules,.venv,.git}/**', 500);
    await Promise.all(files.map((uri) => this.refreshFile(uri)));
  }

  /** The file's test item, read from disk (or the open editor) when it is not known yet. */
  async fileItem(casesUri: vscode.Uri): Promise<vscode.TestItem | undefined> {
    return this.controller.items.get(casesUri.toString()) ?? this.refreshFile(casesUri);
  }

  private async refreshFile(uri: vscode.Uri): Promise<vscode.TestItem | undefined> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const text = open ? open.getText() : await readFile(uri.fsPath, 'utf8').catch(() => undefined);
    return text === undefined ? undefined : this.upsert(uri, text);
  }

  private upsert(uri: vscode.Uri, text: string): vscode.TestItem | undefined {
    if (!rewardFileFor(uri.fsPath)) return undefined;
    const file = this.controller.items.get(uri.toString())
      ?? this.controller.createTestItem(uri.toString(), path.basename(uri.fsPath), uri);
    file.children.replace(parseCasesFile(text).map((c) => {
      const item = this.controller.createTestItem(`${uri.toString()}#${c.line}`, c.name, uri);
      item.range = new vscode.Range(c.line - 1, 0, c.line - 1, 0);
      item.description = c.problem ? `line ${c.line}: ${c.problem}` : `line ${c.line}`;
      return item;
    }));
    this.controller.items.add(file);
    return file;
  }

  async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    await this.discover();
    const byFile = new Map<vscode.TestItem, vscode.TestItem[]>();
    const requested = request.include ?? [...iterate(this.controller.items)];
    for (const item of requested) {
      const file = item.parent ?? item;
      const cases = item.parent ? [item] : [...iterate(item.children)];
      byFile.set(file, [...(byFile.get(file) ?? []), ...cases.filter((c) => !request.exclude?.includes(c))]);
    }
    const run = this.controller.createTestRun(request);
    try {
      for (const [file, cases] of byFile) {
        if (token.isCancellationRequested) cases.forEach((c) => run.skipped(c));
        else await this.runFile(run, file, cases, token);
      }
    } finally {
      run.end();
    }
  }

  private async runFile(run: vscode.TestRun, file: vscode.TestItem, cases: vscode.TestItem[], token: vscode.CancellationToken): Promise<void> {
    cases.forEach((c) => run.enqueued(c));
    if (!vscode.workspace.isTrusted) {
      cases.forEach((c) => run.errored(c, new vscode.TestMessage(UNTRUSTED_MESSAGE)));
      return;
    }
    const casesFile = file.uri!.fsPath;
    const rewardFile = rewardFileFor(casesFile)!;
    const source = await readFile(rewardFile, 'utf8').catch(() => undefined);
    const functions = source === undefined ? [] : findRewardFunctions(source);
    if (!functions.length) {
      const why = source === undefined ? `${rewardFile} does not exist` : `${rewardFile} has no function with a 'completions' parameter`;
      cases.forEach((c) => run.errored(c, message(`${why} (the cases in ${path.basename(casesFile)} test the reward functions of the file they are named after)`, { file: rewardFile })));
      return;
    }
    cases.forEach((c) => run.started(c));
    const ac = new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort());
    // relative to base_dir, so messages name the file as the user knows it
    const [first, ...rest] = functions.map((f) => ({ function: `${path.basename(rewardFile)}:${f.name}` }));
    const response = await this.workers.test({
      rewards: [first, ...rest],
      cases_file: casesFile, base_dir: path.dirname(rewardFile),
    }, ac.signal).finally(() => sub.dispose());
    this.onResponse(rewardFile, response);
    if (response.error) {
      const err = message(response.error.message, errorLocation(response.error));
      cases.forEach((c) => run.errored(c, err));
      return;
    }
    const outcomes = new Map<number, CaseOutcome>(caseOutcomes(response, casesFile).map((o) => [o.line, o]));
    for (const c of cases) {
      const outcome = outcomes.get(c.range!.start.line + 1);
      if (!outcome) run.skipped(c);
      else if (outcome.state === 'passed') run.passed(c, outcome.durationMs);
      else {
        const m = outcome.expected !== undefined && outcome.state === 'failed'
          ? vscode.TestMessage.diff(outcome.message, outcome.expected, outcome.actual ?? 'None')
          : new vscode.TestMessage(outcome.message);
        if (outcome.location) m.location = toLocation(outcome.location);
        if (outcome.state === 'failed') run.failed(c, m, outcome.durationMs);
        else run.errored(c, m, outcome.durationMs);
      }
    }
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
    this.controller.dispose();
  }
}

function* iterate(collection: vscode.TestItemCollection): Generator<vscode.TestItem> {
  for (const [, item] of collection) yield item;
}

function toLocation(loc: Location): vscode.Location {
  const line = Math.max(0, (loc.line ?? 1) - 1);
  return new vscode.Location(vscode.Uri.file(loc.file), new vscode.Range(line, 0, line, 0));
}

function message(text: string, loc?: Location): vscode.TestMessage {
  const m = new vscode.TestMessage(text);
  if (loc) m.location = toLocation(loc);
  return m;
}
