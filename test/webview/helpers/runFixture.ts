// Run directories on disk read by the real RunStore, the same way the extension reads them.
import { mkdtempSync, mkdirSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RunStore } from '../../../extension/runs/runStore';
import type { TrainerEvent } from '../../../schemas/generated/trainerEvent';
import { toJsonl } from './recordedRun';

export class RunsFolder {
  readonly root = mkdtempSync(path.join(tmpdir(), 'rlstudio-webview-'));
  readonly store = new RunStore({ roots: [this.root], pollIntervalMs: 0, isPidAlive: () => false, staleAfterMs: 1e12 });
  /** Events the store reported per run since the last take(). */
  private seen = new Map<string, TrainerEvent[]>();

  constructor() {
    this.store.onDidChangeRun(({ runId, events }) => {
      const list = this.seen.get(runId) ?? [];
      list.push(...events);
      this.seen.set(runId, list);
    });
  }

  write(runId: string, events: TrainerEvent[]): void {
    const dir = path.join(this.root, runId);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'events.jsonl'), toJsonl(events));
  }

  append(runId: string, events: TrainerEvent[]): void {
    appendFileSync(path.join(this.root, runId, 'events.jsonl'), toJsonl(events));
  }

  /** First read of everything written so far (its events are not kept for refresh()). */
  async load(): Promise<void> {
    await this.store.refresh();
    this.seen.clear();
  }

  /** Reads appended lines now and returns the events the store reported for the run. */
  async refresh(runId: string): Promise<TrainerEvent[]> {
    await this.store.refresh();
    const got = this.seen.get(runId) ?? [];
    this.seen.delete(runId);
    return got;
  }

  dispose(): void {
    this.store.dispose();
    rmSync(this.root, { recursive: true, force: true });
  }
}
