// End to end in real VS Code (code-server) with workspace trust on and the folder not trusted (restricted mode): no
// reward CodeLens, Test Reward Functions refuses with a message, and no reward worker (Python) is started.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stepper } from './harness/steps';
import { startCodeServer, REPO_ROOT, type CodeServer } from './harness/codeServer';
import { openWorkbench, runCommand, type Workbench } from './harness/workbench';
import { findFile } from './harness/files';

let server: CodeServer | undefined;
let wb: Workbench | undefined;
let passed = false;
after(async () => {
  await wb?.close().catch(() => undefined);
  await server?.stop();
  if (server && passed) rmSync(server.base, { recursive: true, force: true });
  else if (server) console.log(`# kept ${server.base}`);
});
const { step } = stepper('e2e-rewards-untrusted', () => wb?.page, () => server?.logFile);

test('an untrusted workspace runs no reward code', { timeout: 120_000 }, async () => {
  server = await step('code-server up (workspace trust on)', () => startCodeServer({
    'rlstudio.pythonPath': path.join(REPO_ROOT, '.venv/bin/python'), 'security.workspace.trust.enabled': true,
    'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never',
  }, { workspaceTrust: true }));
  writeFileSync(path.join(server.workspace, 'rw.py'), 'def f(completions, **kwargs):\n    return [1.0 for c in completions]\n');
  writeFileSync(path.join(server.workspace, 'rw.py.cases.jsonl'), '{"completion": "a", "expected": 1}\n');
  wb = await step('workbench loaded', () => openWorkbench(server!.url, server!.workspace, path.join(server!.base, 'chrome-profile')));
  const { page } = wb;

  await step('Test Reward Functions refuses with a message', async () => {
    await runCommand(page, 'rlstudio.testRewardFunctions', 'RL Studio: Test Reward Functions');
    await page.locator('.notifications-toasts', { hasText: 'they do not run until you trust this workspace' }).waitFor({ timeout: 30_000 });
  });
  await step('the reward file shows no CodeLens and no worker was started', async () => {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.fill('rw.py');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'rw.py' }).first().waitFor({ timeout: 15_000 });
    await input.press('Enter');
    await page.locator('.monaco-editor .view-line', { hasText: 'def f' }).waitFor({ timeout: 15_000 });
    await page.waitForTimeout(3000); // CodeLens of an open Python file arrive within a second or two when there are any
    assert.equal(await page.locator('.monaco-editor .codelens-decoration').count(), 0);
    const log = findFile(server!.userDataDir, 'RL Studio.log');
    assert.ok(log, 'the extension is active (its log exists)');
    assert.doesNotMatch(readFileSync(log, 'utf8'), /rewards worker ready|\[rewards\] test of/);
  });
  passed = true;
});
