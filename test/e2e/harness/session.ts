// What each e2e test file keeps: its code-server and workbench, named steps that print their time and leave a
// screenshot and the code-server log's path when they fail, and clean-up that keeps a failed test's folder.
import { rmSync } from 'node:fs';
import type { CodeServer } from './codeServer';
import { screenshot, type Workbench } from './workbench';

export class E2eSession {
  server: CodeServer | undefined;
  wb: Workbench | undefined;
  passed = false;
  private readonly t0 = Date.now();

  constructor(private readonly name: string) {}

  lap(message: string): void {
    console.log(`# [${((Date.now() - this.t0) / 1000).toFixed(1)}s] ${message}`);
  }

  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      const v = await fn();
      this.lap(name);
      return v;
    } catch (e) {
      const shot = await screenshot(this.wb?.page, `e2e-${this.name}-${name.replace(/\W+/g, '-')}`);
      if (this.server) console.log(`# code-server log: ${this.server.logFile}`);
      throw new Error(`${name}: ${(e as Error).message}${shot ? `\nscreenshot: ${shot}` : ''}`);
    }
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
