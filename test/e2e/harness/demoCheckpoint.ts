// The inference tests' starting point: a demo run trained from a terminal (2 steps, with an eval that writes
// best_model) in the workspace, then its best model's row shown in the Runs view, ready for "Try This Checkpoint".
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { runDirs } from './files';
import { runCommand, waitForRow, runRow } from './workbench';

/** Trains the demo into <workspace>/rlstudio-demo; returns the run directory and the demo folder. */
export function trainDemoRun(python: string, workspace: string): { runDir: string; demo: string } {
  const demo = path.join(workspace, 'rlstudio-demo');
  const env = { ...process.env, OMP_NUM_THREADS: '1' };
  execFileSync(python, ['-m', 'rlstudio', 'demo-data', '--kind', 'arithmetic', '--out', demo], { env, stdio: 'ignore' });
  const configFile = path.join(demo, 'arithmetic.rlstudio.json');
  const cfg = JSON.parse(readFileSync(configFile, 'utf8'));
  cfg.warm_start = { ...cfg.warm_start, steps: 0 };
  cfg.training = { ...cfg.training, max_steps: 2, per_device_train_batch_size: 16 };
  cfg.eval = { ...cfg.eval, enabled: true, eval_steps: 2, max_samples: 8 };
  cfg.checkpointing = { ...cfg.checkpointing, save_steps: 2 };
  writeFileSync(configFile, JSON.stringify(cfg, null, 2));
  execFileSync(python, ['-m', 'rlstudio', 'train', '--config', configFile], { env, stdio: 'ignore', cwd: demo, timeout: 180_000 });
  const runDir = runDirs(path.join(demo, 'runs'))[0];
  assert.ok(runDir && existsSync(path.join(runDir, 'best_model')), `a run with best_model/ under ${demo}/runs`);
  return { runDir, demo };
}

/** Opens the Runs view and expands the run until its best model's row shows. */
export async function showBestModelRow(page: Page, id: string): Promise<void> {
  await runCommand(page, 'rlstudio.runs.focus', 'RL Studio: Focus on Runs View');
  await waitForRow(page, (l) => l.startsWith(`Run ${id}, completed`), `${id} completed`, 60_000);
  await runRow(page, `Run ${id}, completed`).locator('.monaco-tl-twistie').click();
  await runRow(page, `Checkpoint best model of run ${id}`).waitFor({ timeout: 15_000 });
}
