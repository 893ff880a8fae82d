// Which Python runs the trainer, in order: the rlstudio.pythonPath setting; the Python extension's selected
// interpreter; the venv made by "Set Up Trainer Environment"; <extension>/.venv (a dev checkout); python3.
// A candidate is usable when `import rlstudio, torch` works there. No `vscode` import.
import * as path from 'node:path';
import { execFile } from 'node:child_process';

export type PythonSource = 'setting' | 'python-extension' | 'managed-venv' | 'dev-venv' | 'system';

export interface PythonCandidate {
  path: string;
  source: PythonSource;
}

export interface DiscoveryInput {
  setting?: string;
  pythonExtension?: string;
  managedVenv: string;
  extensionDir: string;
  platform?: NodeJS.Platform;
  exists(p: string): boolean;
}

export function venvPython(venvDir: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? path.join(venvDir, 'Scripts', 'python.exe') : path.join(venvDir, 'bin', 'python');
}

export function pythonCandidates(input: DiscoveryInput): PythonCandidate[] {
  const platform = input.platform ?? process.platform;
  // An explicit setting is the user's decision: no silent fallback to something else.
  if (input.setting?.trim()) return [{ path: input.setting.trim(), source: 'setting' }];
  const out: PythonCandidate[] = [];
  if (input.pythonExtension) out.push({ path: input.pythonExtension, source: 'python-extension' });
  const managed = venvPython(input.managedVenv, platform);
  if (input.exists(managed)) out.push({ path: managed, source: 'managed-venv' });
  const dev = venvPython(path.join(input.extensionDir, '.venv'), platform);
  if (input.exists(dev)) out.push({ path: dev, source: 'dev-venv' });
  out.push({ path: platform === 'win32' ? 'python' : 'python3', source: 'system' });
  return out;
}

export interface PythonProbe {
  ok: boolean;
  python: string;
  version?: string;
  torch?: string;
  cuda?: boolean;
  /** Why it is not usable: not found, or the module that is missing. */
  problem?: 'not-found' | 'missing-module' | 'failed';
  missingModule?: string;
  detail?: string;
}

const PROBE = [
  'import json, sys',
  'import torch, rlstudio',
  'print(json.dumps({"version": sys.version.split()[0], "torch": torch.__version__, "cuda": bool(torch.cuda.is_available())}))',
].join('\n');

export type ExecFileFn = (cmd: string, args: string[], opts: { timeout: number; env: NodeJS.ProcessEnv },
  cb: (err: (Error & { code?: string | number }) | null, stdout: string, stderr: string) => void) => void;

export function probePython(python: string, exec: ExecFileFn = execFile as unknown as ExecFileFn): Promise<PythonProbe> {
  return new Promise((resolve) => {
    exec(python, ['-c', PROBE], { timeout: 120_000, env: { ...process.env, PYTHONUTF8: '1' } }, (err, stdout, stderr) => {
      if (err && err.code === 'ENOENT') return resolve({ ok: false, python, problem: 'not-found', detail: `${python} was not found` });
      const missing = /No module named '([^']+)'/.exec(stderr ?? '');
      if (missing) return resolve({ ok: false, python, problem: 'missing-module', missingModule: missing[1].split('.')[0], detail: missing[0] });
      if (err) return resolve({ ok: false, python, problem: 'failed', detail: (stderr || err.message).trim().split('\n').slice(-3).join('\n') });
      try {
        const info = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { version: string; torch: string; cuda: boolean };
        resolve({ ok: true, python, version: info.version, torch: info.torch, cuda: info.cuda });
      } catch {
        resolve({ ok: false, python, problem: 'failed', detail: `unexpected output: ${stdout.slice(0, 200)}` });
      }
    });
  });
}

/** The first candidate that can run the trainer, or every candidate's problem. */
export async function findTrainerPython(candidates: PythonCandidate[], probe = probePython):
  Promise<{ found?: PythonCandidate & { probe: PythonProbe }; failures: (PythonCandidate & { probe: PythonProbe })[] }> {
  const failures: (PythonCandidate & { probe: PythonProbe })[] = [];
  for (const c of candidates) {
    const result = await probe(c.path);
    if (result.ok) return { found: { ...c, probe: result }, failures };
    failures.push({ ...c, probe: result });
  }
  return { failures };
}
