// Finds the Python that runs the trainer (see pythonDiscovery.ts for the order) and explains what to do when none
// works. The answer is cached until a relevant setting or the Python extension's interpreter changes.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { findTrainerPython, pythonCandidates, type PythonCandidate, type PythonProbe } from './pythonDiscovery';

export type ResolvedPython = PythonCandidate & { probe: PythonProbe };

export class PythonResolver implements vscode.Disposable {
  private cached: Promise<ResolvedPython | undefined> | undefined;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel) {
    this.subs.push(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('rlstudio.pythonPath') || e.affectsConfiguration('python.defaultInterpreterPath')) this.invalidate();
    }));
  }

  get managedVenvDir(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'trainer-venv');
  }

  invalidate(): void {
    this.cached = undefined;
  }

  /**
   * The usable interpreter, or undefined after telling the user what is wrong and offering the fix (`quiet`: without
   * telling, for background work such as config diagnostics).
   */
  resolve(opts: { quiet?: boolean } = {}): Promise<ResolvedPython | undefined> {
    const pending = this.cached ?? Promise.resolve(vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'RL Studio: checking Python for the trainer' },
      () => this.find(opts.quiet ?? false),
    )).then((r) => {
      if (!r) this.cached = undefined; // try again next time: the user may fix it meanwhile
      return r;
    });
    this.cached = pending;
    return pending;
  }

  private async find(quiet: boolean): Promise<ResolvedPython | undefined> {
    const candidates = pythonCandidates({
      setting: vscode.workspace.getConfiguration('rlstudio').get<string>('pythonPath'),
      pythonExtension: await pythonExtensionInterpreter(),
      managedVenv: this.managedVenvDir,
      extensionDir: this.context.extensionPath,
      exists: existsSync,
    });
    const { found, failures } = await findTrainerPython(candidates);
    for (const f of failures) this.log.warn(`python ${f.path} (${f.source}) cannot run the trainer: ${f.probe.detail}`);
    if (found) {
      this.log.info(`trainer python: ${found.path} (${found.source}); Python ${found.probe.version}, torch ${found.probe.torch}, CUDA ${found.probe.cuda ? 'available' : 'not available'}`);
      return found;
    }
    if (!quiet) void this.explain(failures);
    return undefined;
  }

  private async explain(failures: ResolvedPython[]): Promise<void> {
    const first = failures[0];
    const what = !first ? 'no Python interpreter found'
      : first.probe.problem === 'not-found' ? `Python not found (${first.path})`
        : first.probe.problem === 'missing-module' ? `${first.path} lacks the "${first.probe.missingModule}" package`
          : `${first.path} failed: ${first.probe.detail}`;
    const setUp = 'Set Up Trainer Environment';
    const choose = 'Choose Interpreter…';
    const pick = await vscode.window.showErrorMessage(`RL Studio cannot start the trainer: ${what}.`, setUp, choose);
    if (pick === setUp) await vscode.commands.executeCommand('rlstudio.setUpTrainerEnvironment');
    if (pick === choose) await vscode.commands.executeCommand('workbench.action.openSettings', 'rlstudio.pythonPath');
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
  }
}

/** The interpreter selected in the Python extension, when that extension is installed (its API is optional here). */
export async function pythonExtensionInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension('ms-python.python');
  if (!ext) return undefined;
  try {
    const api = (ext.isActive ? ext.exports : await ext.activate()) as {
      environments?: {
        getActiveEnvironmentPath(r?: vscode.Uri): { path: string };
        resolveEnvironment(p: { path: string } | string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
      };
    };
    const envs = api?.environments;
    if (!envs) return undefined;
    const active = envs.getActiveEnvironmentPath(resource ?? vscode.workspace.workspaceFolders?.[0]?.uri);
    const resolved = await envs.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath ?? active.path;
  } catch {
    return undefined;
  }
}
