// The `rlstudio.health.*` settings as HealthThresholds (invalid values fall back to the defaults).
import * as vscode from 'vscode';
import { resolveThresholds, type HealthThresholds } from '../runs/health';

export function readHealthThresholds(): HealthThresholds {
  const c = vscode.workspace.getConfiguration('rlstudio.health');
  return resolveThresholds({
    window: c.get('window'),
    zeroStdFraction: c.get('zeroStdFraction'),
    rewardZeroSteps: c.get('rewardZeroSteps'),
    entropyCollapseRatio: c.get('entropyCollapseRatio'),
    klSpikeFactor: c.get('klSpikeFactor'),
    klMin: c.get('klMin'),
    clippedRatio: c.get('clippedRatio'),
    lengthGrowthFactor: c.get('lengthGrowthFactor'),
  });
}
