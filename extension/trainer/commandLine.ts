// Builds the trainer's command lines as argument arrays (never a shell string), so paths with spaces or quotes
// reach Python intact. No `vscode` import.
import * as path from 'node:path';

export interface TrainerCommand {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export type TrainerRequest =
  | { kind: 'train'; configFile: string; runDir: string; nprocPerNode?: number; overrides?: string[] }
  | { kind: 'resume'; runDir: string; checkpoint?: string; nprocPerNode?: number }
  | { kind: 'demo-data'; datasetKind: string; outDir: string; maxSteps?: number }
  | { kind: 'rewards-worker'; cwd: string };

/** Environment for every trainer process: unbuffered so events and progress arrive as they happen; UTF-8 everywhere. */
export function trainerEnv(base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  env.PYTHONUNBUFFERED = '1';
  env.PYTHONUTF8 = '1';
  env.PYTHONIOENCODING = 'utf-8';
  return env;
}

export function buildTrainerCommand(python: string, request: TrainerRequest, baseEnv: NodeJS.ProcessEnv = process.env): TrainerCommand {
  const env = trainerEnv(baseEnv);
  switch (request.kind) {
    case 'train': {
      const cli = ['train', '--config', request.configFile, '--run-dir', request.runDir];
      for (const o of request.overrides ?? []) cli.push('--set', o);
      return { ...launcher(python, request.nprocPerNode ?? 1, cli), cwd: path.dirname(request.configFile), env };
    }
    case 'resume': {
      const cli = ['resume', '--run-dir', request.runDir];
      if (request.checkpoint) cli.push('--checkpoint', request.checkpoint);
      return { ...launcher(python, request.nprocPerNode ?? 1, cli), cwd: request.runDir, env };
    }
    case 'demo-data': {
      const args = ['-m', 'rlstudio', 'demo-data', '--kind', request.datasetKind, '--out', request.outDir];
      if (request.maxSteps !== undefined) args.push('--max-steps', String(request.maxSteps));
      return { command: python, args, cwd: path.dirname(request.outDir), env };
    }
    case 'rewards-worker':
      return { command: python, args: ['-m', 'rlstudio', 'rewards', 'worker'], cwd: request.cwd, env };
  }
}

/** One process: `python -m rlstudio ...`; several: torchrun through the same interpreter (`python -m torch.distributed.run`). */
function launcher(python: string, nproc: number, cli: string[]): { command: string; args: string[] } {
  if (nproc > 1) {
    return { command: python, args: ['-m', 'torch.distributed.run', '--standalone', `--nproc_per_node=${nproc}`, '-m', 'rlstudio', ...cli] };
  }
  return { command: python, args: ['-m', 'rlstudio', ...cli] };
}

/** Run directory for a new run: <runs folder>/<name>-YYYYMMDD-HHMMSS (suffixed when taken). */
export function newRunDir(runsFolder: string, name: string, now: Date, exists: (p: string) => boolean): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p2(now.getMonth() + 1)}${p2(now.getDate())}-${p2(now.getHours())}${p2(now.getMinutes())}${p2(now.getSeconds())}`;
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'run';
  let dir = path.join(runsFolder, `${safe}-${stamp}`);
  for (let n = 2; exists(dir); n++) dir = path.join(runsFolder, `${safe}-${stamp}-${n}`);
  return dir;
}

/** The folder that holds a config's runs: output_dir (default "runs") relative to the config file. */
export function runsFolderOf(configFile: string, outputDir: string | undefined): string {
  return path.resolve(path.dirname(configFile), outputDir || 'runs');
}
