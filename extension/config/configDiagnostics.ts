// Problems for *.rlstudio.json files. Syntax and schema problems are VS Code's JSON service's to show (the manifest's
// jsonValidation points it at the same schema), so they are not listed a second time here; this collection holds what
// the trainer itself checks (`validate --json`: files, reward references, dataset records, batch arithmetic, the model
// folder), refreshed on open and save. A launch checks both and stops at the first error.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { validateConfigText, type ConfigProblem, type ConfigValidation } from './configValidation';
import { problemsFromReport } from './trainerValidation';
import type { ValidationReport } from '../../schemas/generated/validationReport';
import { isRunConfig } from './runConfigFiles';

/** The trainer's report on a saved config file; undefined when it cannot run (no usable Python, untrusted workspace). */
export type TrainerCheck = (configFile: string, cwd: string) => Promise<ValidationReport | undefined>;

export class ConfigDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('rlstudio');
  private readonly subs: vscode.Disposable[] = [this.collection];
  private readonly running = new Map<string, Promise<ConfigProblem[] | undefined>>();

  constructor(private readonly trainerCheck: TrainerCheck) {
    const onDoc = (doc: vscode.TextDocument): void => {
      if (isRunConfig(doc.uri) && !doc.isDirty) void this.refresh(doc);
    };
    this.subs.push(
      vscode.workspace.onDidOpenTextDocument(onDoc),
      vscode.workspace.onDidSaveTextDocument(onDoc),
      // a clean document that changed was reloaded from disk (another program wrote the file)
      vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length && onDoc(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
    );
    for (const d of vscode.workspace.textDocuments) onDoc(d);
  }

  /** Before a launch: the schema (in-process) and then the trainer's own checks on the saved file. */
  async check(doc: vscode.TextDocument): Promise<ConfigValidation> {
    const result = validateConfigText(doc.getText());
    if (result.problems.some((p) => p.severity === 'error')) return result;
    const fromTrainer = await this.refresh(doc);
    return { ...result, problems: [...result.problems, ...(fromTrainer ?? [])] };
  }

  /** Runs the trainer's check (one at a time per file) and publishes its problems. */
  private refresh(doc: vscode.TextDocument): Promise<ConfigProblem[] | undefined> {
    const key = doc.uri.toString();
    const previous = this.running.get(key) ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(async () => {
      const text = doc.getText();
      const folder = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? path.dirname(doc.uri.fsPath);
      const report = await this.trainerCheck(doc.uri.fsPath, folder);
      if (!report) return undefined;
      const problems = problemsFromReport(report, text);
      this.collection.set(doc.uri, problems.map(toDiagnostic));
      return problems;
    });
    this.running.set(key, next);
    void next.finally(() => this.running.get(key) === next && this.running.delete(key));
    return next;
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
  }
}

function toDiagnostic(p: ConfigProblem): vscode.Diagnostic {
  const range = new vscode.Range(p.range.startLine, p.range.startCharacter, p.range.endLine, p.range.endCharacter);
  const d = new vscode.Diagnostic(range, `${p.jsonPath}: ${p.message}`,
    p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  d.source = 'RL Studio';
  return d;
}
