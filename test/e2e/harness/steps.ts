// Named steps of an end-to-end test: each one's time since the start goes to the output, and a failing one takes
// a screenshot and names itself in the error.
import type { Page } from 'playwright-core';
import { screenshot } from './workbench';

export function stepper(prefix: string, page: () => Page | undefined, logFile?: () => string | undefined) {
  const t0 = Date.now();
  const lap = (m: string): void => console.log(`# [${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
  async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      const v = await fn();
      lap(name);
      return v;
    } catch (e) {
      const shot = await screenshot(page(), `${prefix}-${name.replace(/\W+/g, '-')}`);
      const log = logFile?.();
      if (log) console.log(`# code-server log: ${log}`);
      throw new Error(`${name}: ${(e as Error).message}${shot ? `\nscreenshot: ${shot}` : ''}`);
    }
  }
  return { lap, step };
}
