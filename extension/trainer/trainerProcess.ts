// A trainer child process: spawned from an argument array in its own process group (so a stop reaches torchrun's
// workers too, and a window reload does not take it down), output split into lines for the log channel, and a
// graceful stop: SIGINT (the trainer finishes the step, checkpoints, exits "stopped"), then SIGTERM, then SIGKILL.
// No `vscode` import.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { stat, readFile } from 'node:fs/promises';
import type { TrainerCommand } from './commandLine';
import { LineTail } from '../runs/lineTail';
import { LineSplitter, lastRedraw } from '../python/lineSplitter';
import { signalProcessTree } from '../python/childProcess';

// re-exported for the modules that imported them from here before the process seam moved to python/
export { LineSplitter } from '../python/lineSplitter';
export { signalProcessTree } from '../python/childProcess';

export interface TrainerProcessOptions {
  /** Each line of stdout/stderr (progress-bar redraws collapsed to their last state). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /**
   * Send stdout/stderr to this file (appended) instead of pipes, and read the lines from it. A pipe would break when
   * the extension host goes away (window reload) and the trainer would die of SIGPIPE / BrokenPipeError; a file does not.
   */
  outputFile?: string;
  spawnFn?: typeof spawn;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The process could not start (e.g. the interpreter does not exist). */
  spawnError?: Error;
}

export class TrainerProcess {
  readonly exited: Promise<ExitInfo>;
  private readonly child: ChildProcess;
  private exitInfo: ExitInfo | undefined;
  private stopTimers: NodeJS.Timeout[] = [];

  constructor(readonly command: TrainerCommand, options: TrainerProcessOptions = {}) {
    const spawnFn = options.spawnFn ?? spawn;
    const fd = options.outputFile ? openSync(options.outputFile, 'a') : undefined;
    const stdio: ('ignore' | 'pipe' | number)[] = fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd];
    try {
      this.child = spawnFn(command.command, command.args, {
        cwd: command.cwd, env: command.env, shell: false, detached: process.platform !== 'win32', stdio, windowsHide: true,
      });
    } finally {
      if (fd !== undefined) closeSync(fd); // the child holds its own copy
    }
    let finishOutput: () => Promise<void> = async () => undefined;
    if (options.outputFile) {
      finishOutput = this.tailOutput(options.outputFile, (line) => options.onLine?.(line, 'stdout'));
    } else {
      for (const stream of ['stdout', 'stderr'] as const) {
        const splitter = new LineSplitter((line) => options.onLine?.(line, stream));
        this.child[stream]?.setEncoding('utf8');
        this.child[stream]?.on('data', (text: string) => splitter.push(text));
        this.child[stream]?.on('end', () => splitter.flush());
      }
    }
    this.exited = new Promise((resolve) => {
      const done = (info: ExitInfo): void => {
        if (this.exitInfo) return;
        this.exitInfo = info;
        for (const t of this.stopTimers) clearTimeout(t);
        void finishOutput().finally(() => resolve(info));
      };
      this.child.on('error', (err) => done({ code: null, signal: null, spawnError: err }));
      this.child.on('close', (code, signal) => done({ code, signal }));
    });
  }

  /** Polls the output file for new lines until the process ends; the returned function reads the rest and stops. */
  private tailOutput(file: string, onLine: (line: string) => void): () => Promise<void> {
    const tail = new LineTail(file);
    // start at the current end: the file may hold an earlier process's output (a resumed run)
    let reading: Promise<unknown> = stat(file).then((st) => (tail.offset = st.size), () => (tail.offset = 0));
    const read = (): Promise<unknown> => (reading = reading
      .then(() => tail.read((lines) => lines.forEach((l) => onLine(lastRedraw(l.text)))))
      .catch(() => undefined));
    const timer = setInterval(() => void read(), 300);
    return async () => {
      clearInterval(timer);
      await read();
      // a last line without a newline (a crash mid-print)
      const rest = await readFile(file).then((b) => b.subarray(tail.offset).toString('utf8'), () => '');
      if (rest.trim()) onLine(lastRedraw(rest.replace(/\r?\n$/, '')));
    };
  }
  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined && this.child.pid !== undefined;
  }

  /** Graceful stop; escalates to SIGTERM after `graceMs` and SIGKILL after twice that. Resolves on exit. */
  stop(graceMs = 60_000): Promise<ExitInfo> {
    if (this.running) {
      this.signal('SIGINT');
      this.stopTimers.push(setTimeout(() => this.signal('SIGTERM'), graceMs));
      this.stopTimers.push(setTimeout(() => this.signal('SIGKILL'), graceMs * 2));
    }
    return this.exited;
  }

  kill(): void {
    this.signal('SIGKILL');
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (!pid || this.exitInfo) return;
    signalProcessTree(pid, sig);
  }
}
