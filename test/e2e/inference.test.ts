// End to end in real VS Code (code-server): a demo run trained from a terminal shows up in the Runs view; "Try This
// Checkpoint" on its best model opens the inference panel, which answers a prompt picked from the run's dataset
// with the answer streamed and scored by the run's reward functions; A/B against the base model answers side by
// side; a batch over the dataset writes its JSONL into the run directory; the server killed mid-batch is named in
// the panel and the next request gets a new one. The server is the real
// `python -m rlstudio serve` from the repo's .venv.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { startCodeServer, REPO_ROOT } from './harness/codeServer';
import { E2eSession } from './harness/session';
import { openWorkbench, clickContextMenu, webviewWith } from './harness/workbench';
import { servePids } from './harness/files';
import { trainDemoRun, showBestModelRow } from './harness/demoCheckpoint';

const session = new E2eSession('inference');
const step = <T>(name: string, fn: () => Promise<T>): Promise<T> => session.step(name, fn);
after(() => session.close());

test('Try This Checkpoint: a streamed, scored answer; A/B against the base; a batch written as JSONL; a killed server', { timeout: 300_000 }, async () => {
  const python = path.join(REPO_ROOT, '.venv/bin/python');
  assert.ok(existsSync(python), `${python} missing (bash scripts/bootstrap.sh python)`);
  const server = session.server = await step('code-server up', () => startCodeServer({ 'rlstudio.pythonPath': python }));
  const { runDir, demo } = await step('demo run trained from a terminal (2 steps, an eval that writes best_model)',
    async () => trainDemoRun(python, server.workspace));
  const id = path.basename(runDir);

  const wb = session.wb = await step('workbench loaded', () => openWorkbench(server.url, server.workspace, path.join(server.base, 'chrome-profile')));
  const { page } = wb;
  await step('the run in the Runs view', () => showBestModelRow(page, id));
  const panel = await step('Try This Checkpoint on its best model loads it in the panel', async () => {
    await clickContextMenu(page, `Checkpoint best model of run ${id}`, 'Try This Checkpoint');
    const view = await webviewWith(page, '.slot-info[data-slot="a"][data-loaded]', 120_000);
    assert.match(await view.locator('.slot-info[data-slot="a"]').innerText(), /rewards: accuracy, shows_work/);
    assert.equal(await view.locator('select.checkpoint[data-slot="a"]').inputValue(), path.join(runDir, 'best_model'));
    return view;
  });
  const records = readFileSync(path.join(demo, 'arithmetic_train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  await step('a prompt from the dataset: the answer streams in with tokens/s and each reward function\'s score', async () => {
    await panel.locator('select.dataset-prompts').selectOption('0');
    assert.equal(await panel.locator('textarea.prompt-box').inputValue(), records[0].prompt);
    await panel.locator('input.sampling-temperature').fill('1');
    await panel.locator('input.sampling-seed').fill('5');
    await panel.locator('input.sampling-seed').dispatchEvent('change');
    await panel.locator('input.sampling-temperature').dispatchEvent('change');
    await panel.locator('vscode-button.generate').click();
    const answer = panel.locator('.answer[data-slot="a"][data-done]');
    await answer.waitFor({ timeout: 120_000 });
    const tokens = Number(await answer.getAttribute('data-tokens'));
    assert.ok(tokens > 0, 'the answer has tokens');
    assert.equal(await answer.getAttribute('data-streamed'), String(tokens), 'every token arrived streamed before the answer');
    assert.match(await answer.locator('.answer-status').innerText(), new RegExp(`^${tokens} tokens · [\\d.e+-]+ tokens/s · `));
    assert.deepEqual(await answer.locator('.scores tr[data-function]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-function'))),
      ['accuracy', 'shows_work']);
    assert.match(await answer.locator('.scores tr.total').innerText(), /total reward\s+-?[\d.]+/);
  });
  await step('A/B: the base model answers the same prompt beside it', async () => {
    const b = panel.locator('select.checkpoint[data-slot="b"]');
    const base = await b.locator('option').evaluateAll((os) => os.map((o) => [o.getAttribute('value'), o.textContent]).find(([, t]) => /base model/.test(t ?? ''))?.[0]);
    assert.ok(base, 'the run\'s base model is offered');
    await b.selectOption(base);
    await panel.locator('.slot-info[data-slot="b"][data-loaded]').waitFor({ timeout: 120_000 });
    await panel.locator('vscode-button.generate').click();
    for (const slot of ['a', 'b']) {
      const answer = panel.locator(`.answer[data-slot="${slot}"][data-done]`);
      await answer.waitFor({ timeout: 120_000 });
      assert.equal(await answer.locator('.scores tr[data-function]').count(), slot === 'a' ? 2 : 0, `scores of ${slot}`);
    }
    assert.match(await panel.locator('.answer[data-slot="b"] .answer-title').innerText(), /base model/);
  });
  await step('a batch over the dataset writes its JSONL and summary into the run directory', async () => {
    await panel.locator('input.batch-limit').fill('4');
    await panel.locator('input.batch-limit').dispatchEvent('change');
    await panel.locator('vscode-button.batch').click();
    const status = panel.locator('.batch-status[data-output]');
    await status.waitFor({ timeout: 120_000 });
    const output = (await status.getAttribute('data-output'))!;
    assert.equal(path.dirname(output), path.join(runDir, 'inference'));
    const lines = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 4);
    assert.deepEqual(lines.map((l) => l.prompt), records.slice(0, 4).map((r) => r.prompt));
    assert.match(await status.innerText(), /^4 answers · mean reward .* · accuracy .* \(4 with a reference\) · completed · saved to /);
    assert.ok(existsSync(output.replace(/\.jsonl$/, '.summary.json')));
  });
  await step('the server killed mid-batch: the panel says so, and the next answer comes from a new server', async () => {
    await panel.locator('input.batch-limit').fill('200');
    await panel.locator('input.batch-limit').dispatchEvent('change');
    await panel.locator('vscode-button.batch').click();
    const status = panel.locator('.batch-status');
    await until('batch progress', 60_000, async () => /^\d+ of \d+ prompts$/.test(await status.innerText()));
    const pids = servePids(server.workspace);
    assert.equal(pids.length, 1, `one serve process of this workspace: ${pids}`);
    process.kill(pids[0], 'SIGKILL');
    await until('the failure in the panel', 30_000, async () =>
      /The inference process ended \(was ended by SIGKILL.*\)\. The next request starts a new one\./s.test(await status.innerText()));
    await panel.locator('vscode-button.generate').click();
    await panel.locator('.answer[data-slot="a"][data-done]:not([data-done="failed"])').waitFor({ timeout: 120_000 });
    const again = servePids(server.workspace);
    assert.equal(again.length, 1);
    assert.notEqual(again[0], pids[0]);
  });
  session.passed = true;
});

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
