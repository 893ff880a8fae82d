// What a run config file is (kept apart from the validator so that recognising one does not load ajv).
import type * as vscode from 'vscode';

export const CONFIG_SUFFIX = '.rlstudio.json';

export function isRunConfig(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && uri.path.endsWith(CONFIG_SUFFIX);
}
