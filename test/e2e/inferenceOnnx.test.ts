// End to end in real VS Code (code-server) with rlstudio.inference.backend = "onnx": "Try This Checkpoint" on a demo
// run's best model exports it once (export-onnx with the repo's .venv) and the panel answers from onnxruntime-node
// inside the extension host: the answer streams in, no serve process runs for this workspace, and the panel says
// that reward scores and batch runs belong to the PyTorch backend.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { startCodeServer, REPO_ROOT } from './harness/codeServer';
import { E2eSession } from './harness/session';
import { openWorkbench, clickContextMenu, webviewWith } from './harness/workbench';
import { servePids } from './harness/files';
import { trainDemoRun, showBestModelRow } from './harness/demoCheckpoint';

const session = new E2eSession('inference-onnx');
const step = <T>(name: string, fn: () => Promise<T>): Promise<T> => session.step(name, fn);
after(() => session.close());

test('ONNX backend: Try This Checkpoint answers in the editor, streamed, without a serve process', { timeout: 300_000 }, async () => {
  const python = path.join(REPO_ROOT, '.venv/bin/python');
  assert.ok(existsSync(python), `${python} missing (bash scripts/bootstrap.sh python)`);
  const server = session.server = await step('code-server up', () =>
    startCodeServer({ 'rlstudio.pythonPath': python, 'rlstudio.inference.backend': 'onnx' }));
  const { runDir } = await step('demo run trained from a terminal (2 steps, an eval that writes best_model)',
    async () => trainDemoRun(python, server.workspace));
  const id = path.basename(runDir);

  const wb = session.wb = await step('workbench loaded', () => openWorkbench(server.url, server.workspace, path.join(server.base, 'chrome-profile')));
  const { page } = wb;
  await step('the run in the Runs view', () => showBestModelRow(page, id));
  const panel = await step('Try This Checkpoint exports the best model and loads it in the editor', async () => {
    await clickContextMenu(page, `Checkpoint best model of run ${id}`, 'Try This Checkpoint');
    const view = await webviewWith(page, '.slot-info[data-slot="a"][data-loaded]', 180_000);
    assert.equal(await view.locator('.backend').innerText(), 'ONNX (in editor)');
    assert.match(await view.locator('.slot-info[data-slot="a"]').innerText(), /no reward scores: they run in Python/);
    return view;
  });
  await step('a greedy answer streams in from onnxruntime-node, and no serve process runs', async () => {
    await panel.locator('textarea.prompt-box').fill('Ann has 3 apples and gets 2 more . How many apples does Ann have now ?');
    await panel.locator('textarea.prompt-box').dispatchEvent('input');
    await panel.locator('vscode-button.generate').click();
    const answer = panel.locator('.answer[data-slot="a"][data-done]');
    await answer.waitFor({ timeout: 60_000 });
    assert.notEqual(await answer.getAttribute('data-done'), 'failed', await answer.innerText());
    const tokens = Number(await answer.getAttribute('data-tokens'));
    assert.ok(tokens > 0, 'the answer has tokens');
    assert.equal(await answer.getAttribute('data-streamed'), String(tokens), 'every token arrived streamed before the answer');
    assert.deepEqual(servePids(server.workspace), []);
  });
  await step('a batch run is refused with the backend to use', async () => {
    await panel.locator('vscode-button.batch').click();
    await panel.locator('.batch-status').filter({ hasText: /Batch runs score with the reward functions, which run in Python/ }).waitFor({ timeout: 30_000 });
  });
  session.passed = true;
});
