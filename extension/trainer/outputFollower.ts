// After a window reload (or for a run another window started), follows <run>/process-output.log of each live run
// this window did not launch, so its trainer output keeps arriving in the log channel. No `vscode` import.
import * as path from 'node:path';
import { statSync } from 'node:fs';
import type { RunStore } from '../runs/runStore';
import { LineTail } from '../runs/lineTail';
import { PROCESS_OUTPUT_FILE } from './trainerRegistry';

export class OutputFollower {
  private readonly tails = new Map<string, LineTail>();
  private readonly timer: NodeJS.Timeout;
  private busy = false;

  constructor(private readonly store: RunStore, private readonly isOwnRun: (runId: string) => boolean,
    private readonly onLine: (runId: string, line: string) => void, periodMs = 1000) {
    this.timer = setInterval(() => void this.poll(), periodMs);
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const live = new Set<string>();
      for (const run of this.store.listRuns()) {
        if (run.status !== 'running' || this.isOwnRun(run.id)) continue;
        live.add(run.id);
        let tail = this.tails.get(run.id);
        if (!tail) {
          const file = path.join(run.dir, PROCESS_OUTPUT_FILE);
          tail = new LineTail(file);
          try {
            tail.offset = statSync(file).size; // only what comes from now on
          } catch {
            continue; // started from a terminal: its output is in that terminal (and trainer.log)
          }
          this.tails.set(run.id, tail);
        }
        await this.readNew(run.id, tail);
      }
      // A run that just ended wrote its last lines (the stop message, the final step) together with run_finished:
      // read them once more before letting the tail go.
      for (const [id, tail] of [...this.tails]) {
        if (live.has(id)) continue;
        this.tails.delete(id);
        await this.readNew(id, tail);
      }
    } catch {
      // a run directory deleted mid-read: the next poll sees the new state
    } finally {
      this.busy = false;
    }
  }

  private async readNew(runId: string, tail: LineTail): Promise<void> {
    await tail.read((lines) => lines.forEach((l) => this.onLine(runId, l.text.slice(l.text.lastIndexOf('\r') + 1))));
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
