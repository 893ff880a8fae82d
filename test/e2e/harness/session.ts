// What each e2e test file keeps: its code-server and workbench, named steps that print their time and leave a
// screenshot and the code-server log's path when they fail, and clean-up that keeps a failed test's folder.
import { rmSync } from 'node:fs';
import type { CodeServer } from './codeServer';
import type { Workbench } from './workbench';
import { stepper } from './steps';

export class E2eSession {
  server: CodeServer | undefined;
  wb: Workbench | undefined;
  passed = false;
  private readonly steps: ReturnType<typeof stepper>;

  constructor(name: string) {
    this.steps = stepper(`e2e-${name}`, () => this.wb?.page, () => this.server?.logFile);
  }

  lap(message: string): void {
    this.steps.lap(message);
  }

  step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.steps.step(name, fn);
  }

  /** Closes the browser and code-server; beforeRemove (e.g. ending leftover trainers) runs first. A failed test's
   * folder (workspace, runs, logs) is kept for a look; a passing one is removed. */
  async close(beforeRemove?: (server: CodeServer) => Promise<void>): Promise<void> {
    await this.wb?.close().catch(() => undefined);
    await this.server?.stop();
    if (!this.server) return;
    await beforeRemove?.(this.server);
    if (this.passed) rmSync(this.server.base, { recursive: true, force: true });
    else console.log(`# kept ${this.server.base}`);
  }
}
