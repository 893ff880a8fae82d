// Drives the VS Code workbench in headless Debian Chromium through playwright-core: the command palette, quick
// picks, and the Runs tree (read through its rows' accessible labels).
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

export interface Workbench {
  page: Page;
  context: BrowserContext;
  close(): Promise<void>;
}

export async function openWorkbench(url: string, folder: string, profileDir: string): Promise<Workbench> {
  rmSync(profileDir, { recursive: true, force: true });
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  return { page, context, close: () => context.close() };
}

/** Runs a command from the palette, picking the row by command id; retries while the extension host starts. */
export async function runCommand(page: Page, id: string, title: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    try {
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill('>' + title);
      const row = page.locator(`.quick-input-widget [data-quick-input-id="${id}"]`);
      await row.waitFor({ state: 'visible', timeout: 5000 });
      await row.click();
      return;
    } catch (e) {
      if (attempt >= 10) throw new Error(`command ${id} not in the palette: ${(e as Error).message}`);
      await page.waitForTimeout(1000);
    }
  }
}

/** Answers an open quick pick by typing (filters the list) and accepting the first match. */
export async function answerQuickPick(page: Page, text: string, expectTitle?: RegExp): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await widget.waitFor({ state: 'visible', timeout: 30_000 });
  if (expectTitle) await page.locator('.quick-input-widget .quick-input-title', { hasText: expectTitle }).waitFor({ timeout: 30_000 });
  const input = page.locator('.quick-input-widget input');
  await input.fill(text);
  await page.locator('.quick-input-widget .monaco-list-row').first().waitFor({ timeout: 10_000 });
  await input.press('Enter');
}

/** Accessible labels of the Runs view's rows ("Run <id>, <status>, step N/M, ..."). */
export async function runRows(page: Page): Promise<string[]> {
  const labels = await page.locator('.part.sidebar .monaco-list-row').evaluateAll(
    (rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
  return labels.filter((l) => l.startsWith('Run '));
}

export async function waitForRow(page: Page, match: (label: string) => boolean, what: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = await runRows(page).catch(() => []);
    const hit = last.find(match);
    if (hit) return hit;
    await page.waitForTimeout(500);
  }
  throw new Error(`Runs view never showed ${what}; rows: ${JSON.stringify(last)}`);
}

export async function screenshot(page: Page | undefined, name: string): Promise<string | undefined> {
  if (!page) return undefined;
  const dir = path.resolve(__dirname, '../../../../test-artifacts');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file }).catch(() => undefined);
  return file;
}
