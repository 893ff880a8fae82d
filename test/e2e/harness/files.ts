// Reading the run directory and the extension's log from the test side (the ground truth the UI is compared with).
import { readFileSync, readdirSync, existsSync, statSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';

export interface EventLine { type: string; step?: number; status?: string; [k: string]: unknown }

export function readEvents(runDir: string): EventLine[] {
  const file = path.join(runDir, 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => {
    try {
      return [JSON.parse(l) as EventLine];
    } catch {
      return []; // a line being written right now
    }
  });
}

export function lastStep(events: EventLine[]): number {
  return events.reduce((m, e) => (e.type === 'metrics' && (e.phase ?? 'rl') === 'rl' || e.type === 'run_finished') && typeof e.step === 'number' ? Math.max(m, e.step) : m, 0);
}

export function runDirs(runsFolder: string): string[] {
  if (!existsSync(runsFolder)) return [];
  return readdirSync(runsFolder).map((d) => path.join(runsFolder, d)).filter((d) => statSync(d).isDirectory()).sort();
}

export function findFiles(dir: string, name: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? findFiles(p, name) : e.isFile() && e.name === name ? [p] : [];
  });
}

export function findFile(dir: string, name: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isFile() && e.name === name) return p;
    if (e.isDirectory()) {
      const hit = findFile(p, name);
      if (hit) return hit;
    }
  }
  return undefined;
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * Ends trainer processes a failed test left behind (they run detached, outside code-server's process group). A run
 * that just wrote run_finished gets a few seconds to exit on its own first.
 */
export async function killTrainers(runsFolder: string, graceMs = 10_000): Promise<number[]> {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const pids = runDirs(runsFolder).flatMap((dir) => readEvents(dir))
    .filter((e) => (e.type === 'run_started' || e.type === 'resumed') && typeof e.pid === 'number').map((e) => e.pid as number);
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  const killed = pids.filter(alive);
  for (const pid of killed) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
  return killed;
}

/** Pids of `python -m rlstudio serve` processes started for this workspace (their cwd), not other sessions'. */
export function servePids(workspace: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return cmd.includes('rlstudio') && cmd.includes('serve') && readlinkSync(`/proc/${pid}/cwd`) === workspace;
    } catch {
      return false;
    }
  }).map(Number);
}
