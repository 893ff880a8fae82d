// Drives the VS Code workbench in headless Debian Chromium through playwright-core: the command palette, quick
// picks, and the Runs tree (read through its rows' accessible labels).
import { chromium, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
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

/** A row of the Runs view by the start of its accessible label ("Run <id>, <status>"). */
export function runRow(page: Page, labelStart: string) {
  return page.locator(`.part.sidebar .monaco-list-row[aria-label^="${labelStart}"]`).first();
}

/** Clicks one of a Runs-view row's inline actions (shown on hover), by its title, as a user does. */
export async function clickInlineAction(page: Page, labelStart: string, title: string): Promise<void> {
  const row = runRow(page, labelStart);
  await row.hover();
  await row.locator(`.actions .action-label[aria-label^="${title}"]`).click({ timeout: 10_000 });
}

/** Picks an entry of a Runs-view row's context menu (right click), by its title. */
export async function clickContextMenu(page: Page, labelStart: string, title: string): Promise<void> {
  const item = page.locator('.context-view .monaco-menu .action-item', { hasText: title }).first();
  // A menu opened in the first seconds after the workbench loads can lack items whose `when` clause reads a context
  // key VS Code sets a moment later (isWorkspaceTrusted: a CI run's menu had Resume Training but not Try This
  // Checkpoint): such a menu is closed and opened again.
  const deadline = Date.now() + 20_000;
  for (;;) {
    await runRow(page, labelStart).click({ button: 'right' });
    const shown = await item.waitFor({ state: 'visible', timeout: 4_000 }).then(() => true, () => false);
    if (shown) break;
    if (Date.now() > deadline) await item.waitFor({ state: 'visible', timeout: 1 }); // fails with Playwright's words
    await page.keyboard.press('Escape');
    await page.waitForTimeout(500);
  }
  // VS Code's menu takes a click that comes right after the right click for the opening one and ignores it; the
  // hovered item has focus, and Enter runs it.
  await item.hover();
  await page.keyboard.press('Enter');
  await item.waitFor({ state: 'hidden', timeout: 10_000 });
}

/**
 * The content of the webview (two iframes deep: the host's `iframe.webview.ready`, then `iframe#active-frame`)
 * whose document has `selector`: with several webviews open, the one a test means is told by what it shows.
 */
export async function webviewWith(page: Page, selector: string, timeoutMs: number): Promise<FrameLocator> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const hosts = page.locator('iframe.webview.ready');
    for (let i = 0; i < await hosts.count(); i++) {
      const inner = hosts.nth(i).contentFrame().locator('iframe#active-frame').contentFrame();
      if (await inner.locator(selector).count().catch(() => 0)) return inner;
    }
    await page.waitForTimeout(300);
  }
  throw new Error(`no webview shows ${selector} within ${timeoutMs} ms`);
}

/** Waits for a notification toast whose message matches (VS Code shows each new one as a toast, bottom right). */
export async function waitForNotification(page: Page, message: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    seen = await page.locator('.notifications-toasts .notification-toast .notification-list-item-message').allInnerTexts().catch(() => []);
    const hit = seen.find((t) => message.test(t));
    if (hit) return hit;
    await page.waitForTimeout(500);
  }
  throw new Error(`no notification matched ${message}; shown: ${JSON.stringify(seen)}`);
}
