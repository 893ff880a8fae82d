// The `rlstudio.health.*` settings as HealthThresholds (invalid values fall back to the defaults).
import * as vscode from 'vscode';
import { DEFAULT_HEALTH_THRESHOLDS, resolveThresholds, type HealthThresholds } from '../runs/health';

/** Every threshold is a setting of the same name (package.json declares each; a unit test holds the two lists equal). */
export function readHealthThresholds(): HealthThresholds {
  const c = vscode.workspace.getConfiguration('rlstudio.health');
  return resolveThresholds(Object.fromEntries(Object.keys(DEFAULT_HEALTH_THRESHOLDS).map((key) => [key, c.get(key)])));
}
