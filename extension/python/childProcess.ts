// The one seam around `child_process` for Python (or any) helper processes: spawned from an argument array (never a
// shell), in their own process group so a kill reaches what they started, stdout/stderr as lines, an optional stdin
// for a line protocol, and cancellation that escalates SIGTERM -> SIGKILL. No `vscode` import: cancellation is an
// AbortSignal, so plain unit tests drive it with real processes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { LineSplitter } from './lineSplitter';

export interface ProcessSpec {
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The process could not start (e.g. the interpreter does not exist). */
  spawnError?: Error;
}

export interface ChildOptions {
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Keep stdin open for writing (a JSON-lines worker); otherwise stdin is closed. */
  stdin?: boolean;
  spawnFn?: typeof spawn;
}

export class ChildLines {
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcess;
  private exit: ProcessExit | undefined;
  private timers: NodeJS.Timeout[] = [];

  constructor(readonly spec: ProcessSpec, options: ChildOptions = {}) {
    this.child = (options.spawnFn ?? spawn)(spec.command, [...spec.args], {
      cwd: spec.cwd, env: spec.env, shell: false, windowsHide: true, detached: process.platform !== 'win32',
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const splitter = new LineSplitter((line) => options.onLine?.(line, stream));
      this.child[stream]?.setEncoding('utf8');
      this.child[stream]?.on('data', (text: string) => splitter.push(text));
      this.child[stream]?.on('end', () => splitter.flush());
    }
    this.child.stdin?.on('error', () => undefined); // EPIPE after the process died: the exit reports it
    this.exited = new Promise((resolve) => {
      const done = (info: ProcessExit): void => {
        if (this.exit) return;
        this.exit = info;
        this.timers.forEach(clearTimeout);
        resolve(info);
      };
      this.child.on('error', (err) => done({ code: null, signal: null, spawnError: err }));
      this.child.on('close', (code, signal) => done({ code, signal }));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined && this.child.pid !== undefined;
  }

  /** Writes to stdin (opened with `stdin: true`); false when the process is gone. */
  write(text: string): boolean {
    const stdin = this.child.stdin;
    if (!this.running || !stdin || stdin.destroyed) return false;
    stdin.write(text);
    return true;
  }

  /** Closes stdin: a line-protocol worker takes that as the end. */
  endInput(): void {
    this.child.stdin?.end();
  }

  /** SIGTERM now, SIGKILL after `graceMs`. Resolves on exit. */
  cancel(graceMs = 2000): Promise<ProcessExit> {
    if (this.running) {
      this.signal('SIGTERM');
      this.timers.push(setTimeout(() => this.signal('SIGKILL'), graceMs));
    }
    return this.exited;
  }

  kill(): Promise<ProcessExit> {
    this.signal('SIGKILL');
    return this.exited;
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.child.pid && !this.exit) signalProcessTree(this.child.pid, sig);
  }
}

export interface RunResult extends ProcessExit {
  cancelled: boolean;
  /** The last `keepLines` lines of stdout and stderr, in order. */
  tail: string[];
}

/** Runs a process to its end; `signal` cancels it (SIGTERM, then SIGKILL). */
export async function runProcess(spec: ProcessSpec, options: { onLine?: ChildOptions['onLine']; signal?: AbortSignal; keepLines?: number; spawnFn?: typeof spawn } = {}): Promise<RunResult> {
  const tail: string[] = [];
  const keep = options.keepLines ?? 20;
  const child = new ChildLines(spec, {
    spawnFn: options.spawnFn,
    onLine: (line, stream) => {
      tail.push(line);
      if (tail.length > keep) tail.shift();
      options.onLine?.(line, stream);
    },
  });
  const onAbort = (): void => void child.cancel();
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const exit = await child.exited;
  options.signal?.removeEventListener('abort', onAbort);
  return { ...exit, cancelled: options.signal?.aborted ?? false, tail };
}

/** Signals a process's group when it leads one (spawned detached), else the process alone. */
export function signalProcessTree(pid: number, sig: NodeJS.Signals): boolean {
  if (process.platform !== 'win32') {
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      // not a group leader (e.g. a run started from a terminal): signal the process itself
    }
  }
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
