// Reward functions in the editor: CodeLens above each function with TRL's reward signature ("Run cases", or "Create
// cases file" when there is none yet; "Score dataset samples" when a workspace config uses it; "Re-score latest run"
// when a run used it) and, after a test, its
// mean / min / max / errors as an inline decoration (red when it failed). No lenses in an untrusted workspace:
// nothing there runs reward code.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { casesFileFor, findRewardFunctions } from './rewardFiles';
import { summaryText } from './caseOutcomes';
import { configsUsing, latestRunUsing, type ConfigText } from './runLookup';
import type { RunSummary } from '../runs/types';
import type { RewardTestResponse } from '../../schemas/generated/rewardTest';

export class RewardCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subs: vscode.Disposable[] = [this.changed,
    vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire())];

  constructor(private readonly runs: () => readonly RunSummary[], private readonly configs: () => Promise<ConfigText[]>) {}

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.isTrusted || doc.uri.scheme !== 'file') return [];
    const hasCases = existsSync(casesFileFor(doc.uri.fsPath));
    const runs = this.runs();
    const configs = findRewardFunctions(doc.getText()).length ? await this.configs() : [];
    return findRewardFunctions(doc.getText()).flatMap((f) => {
      const range = new vscode.Range(f.line, 0, f.line, 0);
      const lenses = [hasCases
        ? new vscode.CodeLens(range, { title: 'Run cases', command: 'rlstudio.runRewardCases', arguments: [doc.uri], tooltip: `Run ${casesFileFor(doc.uri.fsPath)}` })
        : new vscode.CodeLens(range, { title: 'Create cases file', command: 'rlstudio.createRewardCases', arguments: [doc.uri, f.name] })];
      if (configsUsing(configs, doc.uri.fsPath, f.name).length) lenses.push(new vscode.CodeLens(range, { title: 'Score dataset samples',
        command: 'rlstudio.scoreDatasetSamples', arguments: [doc.uri, f.name], tooltip: 'Score the first rows of the dataset of the run config that uses this function' }));
      const run = latestRunUsing(runs, doc.uri.fsPath, f.name);
      if (run) lenses.push(new vscode.CodeLens(range, { title: 'Re-score latest run', command: 'rlstudio.rescoreLatestRun', arguments: [doc.uri, f.name],
        tooltip: `Score the completions run ${run.id} recorded with the current code, beside the scores the run recorded` }));
      return lenses;
    });
  }

  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
  }
}

/** The latest test summary of each reward function, shown after its `def` line. */
export class RewardDecorations implements vscode.Disposable {
  private readonly ok = vscode.window.createTextEditorDecorationType({ after: { color: new vscode.ThemeColor('descriptionForeground'), margin: '0 0 0 2em' } });
  private readonly bad = vscode.window.createTextEditorDecorationType({ after: { color: new vscode.ThemeColor('errorForeground'), margin: '0 0 0 2em' } });
  private readonly latest = new Map<string, RewardTestResponse>();
  private readonly subs = [vscode.window.onDidChangeVisibleTextEditors(() => this.paintAll()),
    vscode.workspace.onDidChangeTextDocument((e) => this.latest.has(e.document.uri.fsPath) && this.paintAll())];

  show(rewardFile: string, response: RewardTestResponse): void {
    this.latest.set(rewardFile, response);
    this.paintAll();
  }

  private paintAll(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const response = this.latest.get(editor.document.uri.fsPath);
      if (!response) continue;
      const ok: vscode.DecorationOptions[] = [];
      const bad: vscode.DecorationOptions[] = [];
      for (const def of findRewardFunctions(editor.document.getText())) {
        const report = response.functions.find((f) => f.name === def.name);
        const range = new vscode.Range(def.line, Number.MAX_SAFE_INTEGER, def.line, Number.MAX_SAFE_INTEGER);
        if (response.error && response.error.file === editor.document.uri.fsPath) {
          bad.push({ range, renderOptions: { after: { contentText: `✗ ${response.error.message.split('\n')[0]}` } } });
          continue;
        }
        if (!report) continue;
        const failed = Boolean(report.error) || report.summary.share_error > 0;
        const text = summaryText(report.summary, Boolean(report.error));
        (failed ? bad : ok).push({ range, hoverMessage: report.error?.message, renderOptions: { after: { contentText: `${failed ? '✗' : '✓'} ${text}` } } });
      }
      editor.setDecorations(this.ok, ok);
      editor.setDecorations(this.bad, bad);
    }
  }

  dispose(): void {
    this.ok.dispose();
    this.bad.dispose();
    this.subs.forEach((s) => s.dispose());
  }
}
