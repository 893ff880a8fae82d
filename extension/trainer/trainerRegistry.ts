// The trainer processes this window started, by run id, wired to the RunStore: the store knows such a run is alive
// exactly (not by guessing from event times) and re-reads it the moment the process exits. No `vscode` import.
import * as path from 'node:path';
import { mkdirSync } from 'node:fs';
import { isPidAlive, type RunStore } from '../runs/runStore';
import type { TrainerCommand } from './commandLine';
import { TrainerProcess, signalProcessTree, type ExitInfo } from './trainerProcess';

/** stdout + stderr of trainer processes started by the editor, in the run directory. */
export const PROCESS_OUTPUT_FILE = 'process-output.log';
const LAST_LINES = 12;

export interface LaunchedRun {
  runId: string;
  process: TrainerProcess;
}

export class TrainerRegistry {
  private readonly byRun = new Map<string, TrainerProcess>();

  constructor(private readonly store: RunStore, private readonly onLine: (runId: string, line: string, stream: 'stdout' | 'stderr') => void,
    /** lastLines: what the process printed last, which is all there is when it refused to start (exit 2 or 3). */
    private readonly onExit: (runId: string, exit: ExitInfo, lastLines: string[]) => void) {}

  launch(command: TrainerCommand, runDir: string): LaunchedRun {
    mkdirSync(runDir, { recursive: true });
    const runsFolder = path.dirname(runDir);
    if (!this.store.getRoots().includes(path.resolve(runsFolder))) this.store.setRoots([...this.store.getRoots(), runsFolder]);
    const runId = this.store.trackRunDir(runDir, true);
    const lastLines: string[] = [];
    const proc = new TrainerProcess(command, {
      onLine: (line, stream) => {
        if (line.trim()) lastLines.push(line);
        if (lastLines.length > LAST_LINES) lastLines.shift();
        this.onLine(runId, line, stream);
      },
      // A file, not a pipe: the trainer outlives this window (reload) and must not die writing to a closed pipe.
      // (The trainer itself tees the same output into trainer.log; this file also has what it printed before that.)
      outputFile: path.join(runDir, PROCESS_OUTPUT_FILE),
    });
    this.byRun.set(runId, proc);
    void proc.exited.then(async (exit) => {
      if (this.byRun.get(runId) === proc) this.byRun.delete(runId);
      this.store.setLiveProcess(runId, false);
      await this.store.refresh();
      this.onExit(runId, exit, lastLines);
    });
    return { runId, process: proc };
  }

  get(runId: string): TrainerProcess | undefined {
    return this.byRun.get(runId);
  }

  /**
   * Graceful stop of a run: through its process when this window started it, else by the pid in its events
   * (a run from a terminal or from before a window reload). Resolves when it has ended or after the last escalation.
   */
  async stop(runId: string, graceMs: number): Promise<'stopped' | 'not-running'> {
    const proc = this.byRun.get(runId);
    if (proc) {
      await proc.stop(graceMs);
      return 'stopped';
    }
    const pid = this.store.getTrainerPid(runId);
    if (!pid || !signalProcessTree(pid, 'SIGINT')) return 'not-running';
    const deadline = Date.now() + graceMs * 2;
    let escalated = false;
    while (isPidAlive(pid)) {
      if (!escalated && Date.now() > deadline - graceMs) {
        signalProcessTree(pid, 'SIGTERM');
        escalated = true;
      }
      if (Date.now() > deadline) {
        signalProcessTree(pid, 'SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await this.store.refresh();
    return 'stopped';
  }

  runningIds(): string[] {
    return [...this.byRun.keys()];
  }

  dispose(): void {
    // Training outlives a window reload on purpose (the new window re-attaches through the run directory).
    this.byRun.clear();
  }
}
