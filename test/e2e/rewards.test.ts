// End to end in real VS Code (code-server): the demo workspace's reward file shows "Run cases" above its reward
// function; running its cases (from the CodeLens, as a user clicks it) reports them in the Test Explorer; a reward file
// with a failing expectation, a function that raises and one that returns the wrong number of scores is reported per
// case, with the traceback pointing at the raising line; after an edit, "Re-score latest run" shows the run's
// recorded scores beside the new ones in the Reward Results panel, and "Score dataset samples" the config's first rows. The worker is the real trainer from the repo's .venv.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { E2eSession } from './harness/session';
import { startCodeServer, REPO_ROOT } from './harness/codeServer';
import { openWorkbench, runCommand, webviewWith } from './harness/workbench';
import { readEvents } from './harness/files';

const session = new E2eSession('rewards');
after(() => session.close());

const lap = session.lap.bind(session);
const step = session.step.bind(session);

const BROKEN = [
  'def has_answer(completions, **kwargs):',
  '    return [1.0 if "<answer>" in c else 0.0 for c in completions]',
  '',
  '',
  'def explodes(completions, **kwargs):',
  '    out = []',
  '    for c in completions:',
  '        if "boom" in c:',
  '            raise ValueError("cannot score " + c)',
  '        out.append(0.5)',
  '    return out',
  '',
  '',
  'def wrong_length(completions, **kwargs):',
  '    return [1.0]',
  '',
].join('\n');
const RAISE_LINE = BROKEN.split('\n').findIndex((l) => l.includes('raise ValueError')) + 1;
const BROKEN_CASES = [
  { name: 'tagged answer scores 1', function: 'has_answer', completion: '<answer>4</answer>', expected: 1 },
  { name: 'expects 1 but the tag is missing', function: 'has_answer', completion: '4', expected: 1 },
  { name: 'explodes on boom', function: 'explodes', completion: 'boom', expected: 0.5 },
  { name: 'wrong length', function: 'wrong_length', completion: 'a', expected: 1 },
].map((c) => JSON.stringify(c)).join('\n') + '\n';

async function openFile(page: Page, name: string): Promise<void> {
  // An open file is reached by its tab. Otherwise Quick Open: its list re-sorts and reuses its row elements while
  // results arrive, so a click or an early Enter can land on another file; move the focus until the focused row is
  // exactly this file, then press Enter.
  const exactly = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const tab = page.locator('.tabs-container .tab', { hasText: exactly });
  const activeTab = page.locator('.tabs-container .tab.active', { hasText: exactly });
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Escape');
    if (await tab.count()) {
      await tab.first().click();
    } else {
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(name);
      const focused = page.locator('.quick-input-widget .monaco-list-row.focused .label-name');
      for (let moves = 0; ; moves++) {
        if (((await focused.first().textContent({ timeout: 2_000 }).catch(() => '')) ?? '').trim() === name) break;
        if (moves === 40) throw new Error(`Quick Open never focused ${name}`);
        await page.waitForTimeout(250);
        if (((await focused.first().textContent({ timeout: 2_000 }).catch(() => '')) ?? '').trim() === name) break;
        await input.press('ArrowDown');
      }
      await input.press('Enter');
    }
    try {
      await activeTab.first().waitFor({ timeout: 5_000 });
      return;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}

async function clickCodeLens(page: Page, title: string): Promise<void> {
  const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: title }).first();
  await lens.waitFor({ state: 'visible', timeout: 60_000 });
  await lens.click();
}

/** The Test Explorer's rows as "<label><description> | <accessible label with the state>", every level expanded. */
async function testRows(page: Page): Promise<string[]> {
  return page.locator('.test-explorer .monaco-list-row').evaluateAll((rows) =>
    rows.map((r) => `${(r.textContent ?? '').trim()} | ${r.getAttribute('aria-label') ?? ''}`));
}

async function waitForRows(page: Page, want: (rows: string[]) => boolean, what: string, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let rows: string[] = [];
  while (Date.now() < deadline) {
    // expand collapsed rows so that the cases show
    const collapsed = page.locator('.test-explorer .monaco-list-row[aria-expanded="false"]');
    if (await collapsed.count()) await collapsed.first().locator('.monaco-tl-twistie').click().catch(() => undefined);
    rows = await testRows(page).catch(() => []);
    if (want(rows)) return rows;
    await page.waitForTimeout(500);
  }
  throw new Error(`Test Explorer never showed ${what}; rows: ${JSON.stringify(rows)}`);
}

const stateOf = (rows: string[], name: string): string => rows.find((r) => r.startsWith(name))?.split(' | ')[1] ?? 'missing';

test('reward cases run from the CodeLens and show in the Test Explorer with located failures', { timeout: 240_000 }, async () => {
  const python = path.join(REPO_ROOT, '.venv/bin/python');
  assert.ok(existsSync(python), `${python} missing (bash scripts/bootstrap.sh python)`);
  const server = session.server = await step('code-server up', () => startCodeServer({ 'rlstudio.pythonPath': python, 'testing.automaticallyOpenPeekView': 'never',
    'rlstudio.rewards.datasetRows': 5, 'rlstudio.rewards.completionColumn': 'reference' }));
  const demo = path.join(server.workspace, 'rlstudio-demo');
  execFileSync(python, ['-m', 'rlstudio', 'demo-data', '--kind', 'arithmetic', '--out', demo]);
  // a short run of the demo whose recorded completions get re-scored below
  const runDir = path.join(demo, 'runs', 'demo-run');
  await step('a one-step demo run recorded its completions', async () => execFileSync(python, ['-m', 'rlstudio', 'train',
    '--config', path.join(demo, 'arithmetic.rlstudio.json'), '--run-dir', runDir, '--set', 'training.max_steps=1',
    '--set', 'training.per_device_train_batch_size=8', '--set', 'grpo.num_generations=4', '--set', 'warm_start.steps=0',
    '--set', 'eval.enabled=false', '--set', 'logging.completions_steps=1', '--set', 'logging.report_to=[]'], { stdio: 'ignore' }));
  writeFileSync(path.join(server.workspace, 'broken_rewards.py'), BROKEN);
  writeFileSync(path.join(server.workspace, 'broken_rewards.py.cases.jsonl'), BROKEN_CASES);
  const wb = session.wb = await step('workbench loaded', () => openWorkbench(server.url, server.workspace, path.join(server.base, 'chrome-profile')));
  const { page } = wb;

  await step('demo reward file shows "Run cases"; its cases pass in the Test Explorer', async () => {
    await openFile(page, 'arithmetic_rewards.py');
    await clickCodeLens(page, 'Run cases');
    await runCommand(page, 'workbench.view.testing.focus', 'Testing: Focus on Test Explorer View');
    await waitForRows(page, (r) => ['writes the problem in <think>', 'other numbers in <think>', 'no <think> step']
      .every((name) => /\(Passed\)/.test(stateOf(r, name))), 'the three demo cases passed', 120_000);
  });

  await step('broken reward file: pass, fail, raise at its line, wrong length', async () => {
    await openFile(page, 'broken_rewards.py');
    await clickCodeLens(page, 'Run cases');
    const rows = await waitForRows(page, (r) => /\((Failed|Errored)\)/.test(stateOf(r, 'wrong length')), 'the broken cases run', 60_000);
    lap(`rows: ${JSON.stringify(rows)}`);
    assert.match(stateOf(rows, 'tagged answer scores 1'), /\(Passed\)/);
    assert.match(stateOf(rows, 'expects 1 but the tag is missing'), /\(Failed\)/);
    assert.match(stateOf(rows, 'explodes on boom'), /\(Errored\)/);
    assert.match(stateOf(rows, 'wrong length'), /\(Errored\)/);
  });

  await step('failure messages sit in the reward file at the failing lines', async () => {
    // VS Code shows a failure message as a widget at the end of the line of its location
    const tops = async (selector: string): Promise<{ text: string; top: number }[]> => page.locator(selector).evaluateAll((els) =>
      els.map((e) => ({ text: (e.textContent ?? '').replace(/\u00a0/g, ' '), top: e.getBoundingClientRect().top })));
    const messageAt = async (needle: string): Promise<string> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const line = (await tops('.monaco-editor .view-line')).find((l) => l.text.includes(needle));
        const widget = (await tops('.monaco-editor .test-error-content-widget')).find((w) => line && Math.abs(w.top - line.top) < 8);
        if (widget) return widget.text;
        if (Date.now() > deadline) throw new Error(`no failure message on the line with ${needle}; widgets: ${JSON.stringify(await tops('.monaco-editor .test-error-content-widget'))}`);
        await page.waitForTimeout(500);
      }
    };
    const atRaise = await messageAt('raise ValueError');
    lap(`message at line ${RAISE_LINE}: ${atRaise}`);
    assert.match(atRaise, /explodes: reward function 'explodes' \(broken_rewards\.py:explodes\) raised ValueError: cannot score boom/);
    assert.match(await messageAt('def wrong_length'), /returned 1 values for 4 completions/);
  });

  await step('after an edit, "Re-score latest run" shows recorded and new scores', async () => {
    const recorded = readEvents(runDir).filter((e) => e.type === 'samples')
      .flatMap((e) => (e.samples as { rewards: Record<string, number | null> }[]).map((x) => x.rewards.shows_work));
    assert.ok(recorded.length > 0 && recorded.every((v) => v === 0), `the untrained model never shows its work: ${JSON.stringify(recorded)}`);
    const rewardFile = path.join(demo, 'arithmetic_rewards.py');
    writeFileSync(rewardFile, readFileSync(rewardFile, 'utf8').replace('out.append(1.0 if ok else 0.0)', 'out.append(1.0 if ok else 0.25)'));
    await openFile(page, 'arithmetic_rewards.py');
    await clickCodeLens(page, 'Re-score latest run');
    const panel = await webviewWith(page, '.rr-row', 120_000);
    const cells = await panel.locator('.rr-row td[data-fn="shows_work"]').allTextContents();
    assert.equal(cells.length, recorded.length);
    assert.ok(cells.every((c) => c === '0.25 (run: 0)'), JSON.stringify(cells));
  });

  await step('"Score dataset samples" scores the config\'s first rows', async () => {
    await openFile(page, 'arithmetic_rewards.py');
    await clickCodeLens(page, 'Score dataset samples');
    const deadline = Date.now() + 60_000;
    for (;;) {
      const panel = await webviewWith(page, '.rr-row', 10_000);
      const title = await panel.locator('.rr-title').textContent();
      if (title === 'arithmetic.rlstudio.json: first 5 rows') {
        // the reference column ("7") is no <think> step: the edited reward gives 0.25
        assert.deepEqual(await panel.locator('.rr-row td[data-fn="shows_work"]').allTextContents(), ['0.25', '0.25', '0.25', '0.25', '0.25']);
        break;
      }
      if (Date.now() > deadline) throw new Error(`panel title: ${title}`);
      await page.waitForTimeout(500);
    }
  });
  session.passed = true;
});
