// Loads a built webview bundle (dist/webview/<panel>.js) in real headless Chromium, in the same HTML shell and CSP
// the extension uses, served over HTTP from one origin (the stand-in for the webview resource origin), with a
// stand-in acquireVsCodeApi that records posted messages and keeps state. Every request and CSP violation is kept.
import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
/* eslint-disable @typescript-eslint/no-explicit-any */
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderWebviewHtml } from '../../../extension/panels/html';
import { themeCss, THEMES, type ThemeKind } from './themes';

export const ROOT = path.resolve(__dirname, '../../../..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'webview');
const DIST = path.join(ROOT, 'dist', 'webview');
const CHROMIUM = process.env.RLSTUDIO_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];

export interface Harness {
  browser: Browser;
  origin: string;
  /** Every path the server was asked for. */
  served: string[];
  close(): Promise<void>;
}

/** `dist`: the folder of built panel bundles to serve (a benchmark serves an older build beside the current one). */
export async function startHarness(dist: string = DIST): Promise<Harness> {
  if (!existsSync(path.join(dist, 'dashboard.js'))) throw new Error(`${dist}/dashboard.js is missing: run node scripts/build.mjs first`);
  const served: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    // Chromium asks every top-level page for a favicon; a webview iframe never does. Not the panel's request.
    if (url.pathname === '/favicon.ico') { res.writeHead(204).end(); return; }
    served.push(url.pathname);
    const page = /^\/page\/(\w+)\/(light|dark|high-contrast)$/.exec(url.pathname);
    if (page) {
      const [, panel, theme] = page;
      let html = renderWebviewHtml({ title: panel, scriptUri: `/dist/${panel}.js`, styleUri: `/dist/${panel}.css`, cspSource: origin });
      html = html.replace('<link rel="stylesheet"', `<link rel="stylesheet" href="/theme/${theme}.css">\n<link rel="stylesheet"`)
        .replace('<body>', `<body class="vscode-${theme}" data-vscode-theme-kind="vscode-${theme}">`);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    const theme = /^\/theme\/(light|dark|high-contrast)\.css$/.exec(url.pathname);
    if (theme) { res.writeHead(200, { 'content-type': 'text/css' }).end(themeCss(theme[1] as ThemeKind)); return; }
    const asset = /^\/dist\/([\w.-]+\.(js|css|map))$/.exec(url.pathname);
    if (asset && existsSync(path.join(dist, asset[1]))) {
      const type = asset[2] === 'js' ? 'text/javascript' : asset[2] === 'css' ? 'text/css' : 'application/json';
      res.writeHead(200, { 'content-type': type }).end(readFileSync(path.join(dist, asset[1])));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    browser, origin, served,
    async close() { await browser.close(); await new Promise((r) => server.close(r)); },
  };
}

export interface OpenedPage {
  page: Page;
  /** URLs the page requested (anything beyond the page, its theme, bundle and stylesheet is a failure). */
  requests: string[];
  errors: string[];
  posted(): Promise<{ type: string; [k: string]: unknown }[]>;
  state(): Promise<unknown>;
  send(message: unknown): Promise<void>;
  waitForPosted(type: string, count?: number): Promise<{ type: string; [k: string]: unknown }>;
  cspViolations(): Promise<string[]>;
  screenshot(name: string, fullPage?: boolean): Promise<string>;
}

export async function openPanel(h: Harness, panel: 'dashboard' | 'samples' | 'rewardResults' | 'inference', opts: { theme?: ThemeKind; state?: unknown; width?: number; height?: number } = {}): Promise<OpenedPage> {
  const context = await h.browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.addInitScript((initial) => {
    // Runs in the page: the root tsconfig has no DOM lib, so the page globals are reached through globalThis.
    const w = globalThis as unknown as Record<string, any>;
    w.__posted = [];
    w.__state = initial ?? undefined;
    w.__csp = [];
    w.document.addEventListener('securitypolicyviolation', (e: any) => (w.__csp as string[]).push(`${e.violatedDirective} ${e.blockedURI}`));
    let acquired = false;
    w.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi called twice');
      acquired = true;
      return {
        postMessage: (m: unknown) => (w.__posted as unknown[]).push(JSON.parse(JSON.stringify(m))),
        getState: () => w.__state,
        setState: (s: unknown) => { w.__state = JSON.parse(JSON.stringify(s)); },
      };
    };
  }, opts.state ?? null);
  await page.goto(`${h.origin}/page/${panel}/${opts.theme ?? 'dark'}`);
  const posted = () => page.evaluate(() => (globalThis as any).__posted) as Promise<{ type: string; [k: string]: unknown }[]>;
  const o: OpenedPage = {
    page, requests, errors, posted,
    state: () => page.evaluate(() => (globalThis as any).__state),
    // As a JSON string: Playwright's own argument serialisation takes seconds for a 100k-point message.
    send: (message) => page.evaluate((json) => (globalThis as any).postMessage(JSON.parse(json), '*'), JSON.stringify(message)),
    async waitForPosted(type, count = 1) {
      await page.waitForFunction(([t, n]) => (globalThis as any).__posted.filter((m: { type: string }) => m.type === t).length >= (n as number), [type, count] as const);
      return (await posted()).filter((m) => m.type === type)[count - 1];
    },
    cspViolations: () => page.evaluate(() => (globalThis as any).__csp),
    async screenshot(name, fullPage = true) {
      mkdirSync(ARTIFACTS, { recursive: true });
      const file = path.join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage });
      return file;
    },
  };
  await o.waitForPosted('ready');
  return o;
}

/** Requests other than the page itself, its theme, bundle and stylesheet. */
export function unexpectedRequests(origin: string, panel: string, requests: string[]): string[] {
  const allowed = new Set([...THEMES.flatMap((t) => [`${origin}/page/${panel}/${t}`, `${origin}/theme/${t}.css`]),
    `${origin}/dist/${panel}.js`, `${origin}/dist/${panel}.css`]);
  return requests.filter((u) => !allowed.has(u));
}
