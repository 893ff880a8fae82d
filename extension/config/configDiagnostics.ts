// Problems for *.rlstudio.json files: on open, edit (debounced) and save, and before every launch.
import * as vscode from 'vscode';
import { validateConfigText, type ConfigValidation } from './configValidation';
import { isRunConfig } from './runConfigFiles';

export class ConfigDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('rlstudio');
  private readonly subs: vscode.Disposable[] = [this.collection];
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor() {
    const onDoc = (doc: vscode.TextDocument, delay: number): void => {
      if (!isRunConfig(doc.uri)) return;
      const key = doc.uri.toString();
      clearTimeout(this.timers.get(key));
      this.timers.set(key, setTimeout(() => this.check(doc), delay));
    };
    this.subs.push(
      vscode.workspace.onDidOpenTextDocument((d) => onDoc(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => onDoc(e.document, 500)),
      vscode.workspace.onDidSaveTextDocument((d) => onDoc(d, 0)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
    );
    for (const d of vscode.workspace.textDocuments) onDoc(d, 0);
  }

  /** Validates and publishes the problems; returns the result for the caller (a launch) to act on. */
  check(doc: vscode.TextDocument): ConfigValidation {
    const result = validateConfigText(doc.getText(), doc.uri.fsPath);
    this.collection.set(doc.uri, result.problems.map((p) => {
      const range = new vscode.Range(p.range.startLine, p.range.startCharacter, p.range.endLine, p.range.endCharacter);
      const d = new vscode.Diagnostic(range, `${p.jsonPath}: ${p.message}`,
        p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      d.source = 'RL Studio';
      return d;
    }));
    return result;
  }

  dispose(): void {
    this.timers.forEach((t) => clearTimeout(t));
    this.subs.forEach((s) => s.dispose());
  }
}
