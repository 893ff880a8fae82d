// End to end in real VS Code (code-server) driven through the UI: an empty workspace, Create Demo Dataset and Start
// GRPO Training from the command palette; the run's warm start reads "warm start n/N" in the Runs view and its
// dashboard, then the run shows running and completed with the step count of events.jsonl, and a notification says
// so; its dashboard draws its reward points across the whole chart width (the warm start on its own axis) and its
// samples viewer offers the demo's samples steps, the last one included; the Runs view at its default width shows
// status, step and reward (screenshots in light, dark and high contrast); a run that fails raises an error
// notification; a second run survives a window reload, Stop Training (from the reloaded window, by pid) leaves it
// "stopped" with a checkpoint; Resume continues it.
// The trainer is the real one (python -m rlstudio from the repo's .venv). Screenshots go to test-artifacts/ on failure.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { E2eSession } from './harness/session';
import { startCodeServer, REPO_ROOT } from './harness/codeServer';
import { openWorkbench, runCommand, answerQuickPick, waitForRow, clickInlineAction, clickContextMenu, webviewWith,
  runRow, waitForNotification } from './harness/workbench';
import { readEvents, lastStep, runDirs, findFile, findFiles, waitFor, killTrainers } from './harness/files';

// A new user's first run, shortened to 20 RL steps (after the demo's own warm start).
const DEMO_STEPS = 20;

const session = new E2eSession('training');
after(() => session.close(async (server) => {
  const left = await killTrainers(path.join(server.workspace, 'rlstudio-demo', 'runs'));
  if (left.length) console.log(`# killed leftover trainer process(es): ${left.join(', ')}`);
}));

const artifact = (name: string): string => {
  const dir = path.join(REPO_ROOT, 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
};

const lap = session.lap.bind(session);
const step = session.step.bind(session);

test('demo data -> GRPO run completes; a second run stops with a checkpoint and resumes', { timeout: 360_000 }, async () => {
  const python = path.join(REPO_ROOT, '.venv/bin/python');
  assert.ok(existsSync(python), `${python} missing (bash scripts/bootstrap.sh python)`);
  const server = session.server = await step('code-server up', () => startCodeServer({
    'rlstudio.pythonPath': python, 'rlstudio.demo.maxSteps': DEMO_STEPS, 'rlstudio.stopGraceSeconds': 60,
  }));
  const wb = session.wb = await step('workbench loaded', () => openWorkbench(server.url, server.workspace, path.join(server.base, 'chrome-profile')));
  const { page } = wb;
  const ws = server.workspace;

  await step('Runs view open (activates the extension)', async () => {
    await runCommand(page, 'rlstudio.runs.focus', 'RL Studio: Focus on Runs View');
    await page.locator('.part.sidebar', { hasText: 'No training runs yet' }).waitFor({ timeout: 30_000 });
  });

  const configFile = path.join(ws, 'rlstudio-demo', 'arithmetic.rlstudio.json');
  await step('Create Demo Dataset', async () => {
    await runCommand(page, 'rlstudio.createDemoDataset', 'RL Studio: Create Demo Dataset');
    await answerQuickPick(page, 'arithmetic', /demo dataset/);
    await waitFor('the demo config', 90_000, () => existsSync(configFile));
    await page.locator('.tabs-container .tab', { hasText: 'arithmetic.rlstudio.json' }).waitFor({ timeout: 30_000 });
  });
  // Like a user tuning the demo for a quick try: no eval, smaller batches (2 CPU cores here); the demo's warm start
  // and its samples setting (every 10 steps, with num_iterations 2) stay.
  const editConfig = (change: (cfg: Record<string, Record<string, unknown>>) => void): void => {
    const cfg = JSON.parse(readFileSync(configFile, 'utf8'));
    change(cfg);
    writeFileSync(configFile, JSON.stringify(cfg, null, 2) + '\n');
  };
  editConfig((cfg) => {
    cfg.eval = { ...cfg.eval, enabled: false };
    cfg.training = { ...cfg.training, per_device_train_batch_size: 32 };
  });
  const demo = JSON.parse(readFileSync(configFile, 'utf8')) as { logging: { completions_steps: number }; warm_start: { steps: number } };
  const demoLogging = demo.logging;
  const WARM_START_STEPS = demo.warm_start.steps;
  assert.ok(WARM_START_STEPS > DEMO_STEPS, 'the demo warm-starts for more steps than this run takes RL steps');
  await page.waitForTimeout(1500); // the open editor reloads the file from disk

  await step("Problems: a reward function the file lacks, once, in the trainer's words; a schema error once", async () => {
    writeFileSync(path.join(path.dirname(configFile), 'probe_rewards.py'), 'def other(completions, **kw):\n    return [0.0] * len(completions)\n');
    const good = readFileSync(configFile, 'utf8');
    editConfig((cfg) => {
      cfg.rewards = [...(cfg.rewards as unknown as unknown[]), { function: 'probe_rewards.py:missing' }] as unknown as Record<string, unknown>;
    });
    await runCommand(page, 'workbench.panel.markers.view.focus', 'Problems: Focus on Problems View');
    const rows = page.locator('.markers-panel .monaco-list-row', { hasText: "no function 'missing'" });
    await rows.first().waitFor({ timeout: 90_000 });
    assert.equal(await rows.count(), 1, 'listed once');
    assert.match(await rows.first().innerText(), /\$\.rewards\[\d\]\.function: .*probe_rewards\.py: no function 'missing'.*the file defines: \[other\]/s);
    writeFileSync(configFile, good);
    await rows.first().waitFor({ state: 'detached', timeout: 60_000 });

    // a schema error: VS Code's JSON service lists it (jsonValidation, the same schema); RL Studio does not repeat it
    editConfig((cfg) => {
      cfg.grpo = { ...cfg.grpo, beta: -1 };
    });
    const schemaRows = page.locator('.markers-panel .monaco-list-row', { hasText: /minimum/i });
    await schemaRows.first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(4000); // RL Studio's own check of the reloaded file answers well within this
    assert.equal(await schemaRows.count(), 1, `listed once: ${(await schemaRows.allInnerTexts()).join(' | ')}`);
    writeFileSync(configFile, good);
    await schemaRows.first().waitFor({ state: 'detached', timeout: 60_000 });
    await runCommand(page, 'workbench.action.closePanel', 'View: Hide Panel'); // give the editors their height back
  });
  const runsFolder = path.join(path.dirname(configFile), JSON.parse(readFileSync(configFile, 'utf8')).output_dir ?? 'runs');

  // ---- run 1: to completion ----
  await runCommand(page, 'rlstudio.startGrpoTraining', 'RL Studio: Start GRPO Training');
  const run1 = await step('run 1 directory created', () => waitFor('a run directory', 30_000, () => runDirs(runsFolder)[0]));
  const id1 = path.basename(run1);
  await step('run 1 shown running', () => waitForRow(page, (l) => l.startsWith(`Run ${id1}, running`), `${id1} running`, 60_000));
  // Opened while the model loads, so the dashboard is there when the warm start begins.
  await clickInlineAction(page, `Run ${id1}, running`, 'Open Dashboard');
  await step('warm start n/N in the Runs view and the dashboard', async () => {
    const warm = new RegExp(`^Run ${id1}, running, warm start \\d+/${WARM_START_STEPS}`);
    const [row, field] = await Promise.all([
      waitForRow(page, (l) => warm.test(l), `${id1} in its warm start`, 90_000),
      webviewWith(page, '.run-header .field-step', 60_000).then(async (dash) => {
        const f = dash.locator('.run-header .field-step', { hasText: /^warm start/ });
        await f.waitFor({ timeout: 90_000 });
        return f.innerText();
      }),
    ]);
    assert.match(row, warm);
    assert.match(field.replace(/\s+/g, ' '), new RegExp(`^warm start \\d+ / ${WARM_START_STEPS}$`, 'i'));
  });
  const done = await step('run 1 shown completed', () => waitForRow(page, (l) => l.startsWith(`Run ${id1}, completed`), `${id1} completed`, 240_000));
  await step('run 1 completion notified', () => waitForNotification(page, new RegExp(`run ${id1} completed \\(step ${DEMO_STEPS}/${DEMO_STEPS}, reward`), 30_000));
  const events1 = readEvents(run1);
  const finished1 = events1.find((e) => e.type === 'run_finished');
  assert.equal(finished1?.status, 'completed');
  assert.equal(lastStep(events1), DEMO_STEPS);
  const max1 = (events1.find((e) => e.type === 'run_started')?.max_steps as number);
  assert.match(done, new RegExp(`, step ${lastStep(events1)}/${max1}[,]`), done);

  // ---- run 1 from the Runs view, as a user clicks it: the dashboard's reward chart, then the samples viewer ----
  const rlRewards = events1.filter((e) => e.type === 'metrics' && (e.phase ?? 'rl') === 'rl' && typeof (e.metrics as Record<string, unknown>)?.reward === 'number');
  await step('dashboard: reward points across the full width, the warm start on its own axis', async () => {
    await clickInlineAction(page, `Run ${id1}, completed`, 'Open Dashboard');
    const dash = await webviewWith(page, '.card[data-card="reward"][data-points]', 60_000);
    const card = dash.locator('.card[data-card="reward"]');
    await dash.locator('.run-header[data-status="completed"]').waitFor({ timeout: 30_000 });
    const label = await card.locator('.card-count').innerText();
    const perLine = JSON.parse((await card.getAttribute('data-points'))!) as Record<string, number>;
    assert.equal(perLine.reward, rlRewards.length, `reward points drawn vs metrics events with a reward (${JSON.stringify(perLine)})`);
    assert.ok(rlRewards.length > 0);
    const total = Object.values(perLine).reduce((a, b) => a + b, 0);
    assert.equal(label, `${total.toLocaleString('en-US')} points`);
    // the x axis runs from the first RL step with a reward to the last one (logged on the steps that generate: with
    // num_iterations 2 step 19 of 20) or the run's last step (both seen in CI): the warm start's 200 steps do not
    // squash the 20 RL steps
    const rlSteps = rlRewards.map((e) => e.step as number);
    assert.ok(Math.max(...rlSteps) > DEMO_STEPS - 2, `reward logged up to the last generation: ${rlSteps}`);
    const [xMin, xMax] = JSON.parse((await card.getAttribute('data-x-range'))!) as [number, number];
    assert.equal(xMin, Math.min(...rlSteps));
    assert.ok(xMax === Math.max(...rlSteps) || xMax === DEMO_STEPS, `x range ends at ${xMax}; reward steps ${rlSteps}`);
    const warmLoss = dash.locator('.group[data-group="warm_start"] .card[data-card="warm_start/loss"]');
    assert.equal(JSON.parse((await warmLoss.getAttribute('data-x-range'))!)[1], WARM_START_STEPS);
    assert.match((await dash.locator('.run-header').innerText()).replace(/\s+/g, ' '), /final reward \d/i);
  });
  await step('samples viewer opened from the Runs view offers the demo\'s samples steps, the last one included', async () => {
    await clickContextMenu(page, `Run ${id1}, completed`, 'Open Samples');
    const view = await webviewWith(page, '.sample-row .completion', 60_000);
    const summary = await view.locator('.summary').innerText();
    const m = /^step (\d+): (\d+) of (\d+) completions/.exec(summary);
    assert.ok(m, `samples summary: ${summary}`);
    assert.equal(Number(m[1]), DEMO_STEPS, 'opens on the last step');
    const written = events1.filter((e) => e.type === 'samples');
    const wanted = Array.from({ length: DEMO_STEPS }, (_, i) => i + 1).filter((s) => s % demoLogging.completions_steps === 0 || s === DEMO_STEPS);
    assert.deepEqual(written.map((e) => e.step), wanted, 'samples on every completions_steps step and the last');
    const offered = (await view.locator('vscode-single-select.step-select vscode-option').allTextContents()).map((t) => t.trim());
    assert.deepEqual(offered, [...wanted].reverse().map((s) => `step ${s}`));
    const completions = ((written.at(-1)?.samples ?? []) as { completion: string }[]).map((x) => x.completion);
    assert.equal(Number(m[3]), completions.length, 'completions of that step in events.jsonl');
    const shown = await view.locator('.sample-row .completion').allTextContents();
    assert.ok(shown.length > 0 && shown.every((c) => completions.includes(c)), 'every completion shown is one the trainer wrote');
  });
  // Back to the config editor (closing the samples viewer and the dashboard).
  await runCommand(page, 'workbench.action.closeActiveEditor', 'View: Close Editor');
  await runCommand(page, 'workbench.action.closeActiveEditor', 'View: Close Editor');
  lap('samples viewer and dashboard closed');

  // ---- a run that fails (a warm-start column the dataset does not have): an error notification ----
  editConfig((cfg) => {
    cfg.warm_start = { ...cfg.warm_start, completion_field: 'no_such_column' };
  });
  await page.waitForTimeout(1500); // the open editor reloads the file from disk
  lap('failing config written');
  await runCommand(page, 'rlstudio.startGrpoTraining', 'RL Studio: Start GRPO Training');
  lap('Start GRPO Training run');
  const failed = await step('failing run directory created', () => waitFor('a run directory for the failing run', 30_000, () => runDirs(runsFolder).find((d) => d !== run1)));
  const idFailed = path.basename(failed);
  await step('failed run notified', () => waitForNotification(page, new RegExp(`run ${idFailed} failed at step 0: .*no_such_column`), 120_000));
  await waitForRow(page, (l) => l.startsWith(`Run ${idFailed}, failed`), `${idFailed} failed`, 30_000);
  await runCommand(page, 'notifications.clearAll', 'Notifications: Clear All Notifications');

  await step('Runs view at its default width shows status, step and reward of both runs (light, dark, high contrast)', async () => {
    const sidebar = page.locator('.part.sidebar');
    const row = runRow(page, `Run ${id1}, completed`);
    const labelName = row.locator('.label-name');
    await row.hover(); // its inline action (Open Dashboard) shows and takes room from the label
    // picked in Preferences: Color Theme, as a user does (VS Code 1.139's default is "Light 2026")
    for (const [kind, theme] of [['light', 'Light 2026'], ['dark', 'Dark 2026'], ['high-contrast', 'Dark High Contrast']]) {
      await runCommand(page, 'workbench.action.selectTheme', 'Preferences: Color Theme');
      await answerQuickPick(page, theme);
      await row.hover();
      await page.locator(`.monaco-workbench.${kind === 'high-contrast' ? 'hc-black' : kind === 'light' ? 'vs' : 'vs-dark'}`).waitFor({ timeout: 15_000 });
      const text = await labelName.innerText();
      assert.match(text, new RegExp(`^completed ${DEMO_STEPS}/${DEMO_STEPS} · r \\d\\.\\d{3}`), text);
      assert.match(await runRow(page, `Run ${idFailed}, failed`).locator('.label-name').innerText(), new RegExp(`^failed 0/${DEMO_STEPS}`));
      const label = (await labelName.boundingBox())!;
      const action = await row.locator('.actions .action-label').first().boundingBox();
      const right = action?.x ?? (await sidebar.boundingBox())!.x + (await sidebar.boundingBox())!.width;
      assert.ok(label.x + label.width <= right, `the row's facts fit beside its inline action (${label.x + label.width} > ${right})`);
      await sidebar.screenshot({ path: artifact(`e2e-runs-view-${kind}.png`) });
    }
    await runCommand(page, 'workbench.action.selectTheme', 'Preferences: Color Theme');
    await answerQuickPick(page, 'Light 2026');
  });

  // ---- run 2: stop, then resume ----
  editConfig((cfg) => {
    cfg.warm_start = { ...cfg.warm_start, steps: 0 };
    cfg.training = { ...cfg.training, max_steps: 500 };
  });
  await page.waitForTimeout(1500); // the open editor reloads the file from disk
  await runCommand(page, 'rlstudio.startGrpoTraining', 'RL Studio: Start GRPO Training');
  const run2 = await step('run 2 directory created', () => waitFor('a third run directory', 30_000, () => runDirs(runsFolder).find((d) => d !== run1 && d !== failed)));
  const id2 = path.basename(run2);
  await step('run 2 running with a step done', async () => {
    await waitForRow(page, (l) => l.startsWith(`Run ${id2}, running`), `${id2} running`, 60_000);
    await waitFor('a metrics event in run 2', 90_000, () => lastStep(readEvents(run2)) >= 1);
  });
  // A window reload must re-attach to the live trainer through the run directory (it runs on, detached).
  await step('window reloaded, run 2 still running', async () => {
    await runCommand(page, 'workbench.action.reloadWindow', 'Developer: Reload Window');
    await page.waitForTimeout(2000);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await waitForRow(page, (l) => l.startsWith(`Run ${id2}, running`), `${id2} running after reload`, 60_000);
  });
  await runCommand(page, 'rlstudio.stopTraining', 'RL Studio: Stop Training');
  const stoppedRow = await step('run 2 shown stopped', () => waitForRow(page, (l) => l.startsWith(`Run ${id2}, stopped`), `${id2} stopped`, 120_000));
  const events2 = readEvents(run2);
  // the reloaded window followed the live run's output into its log channel
  // (the follower reads each second and the log channel writes its file asynchronously, so wait for it)
  const userDataDir = server.userDataDir;
  const reattachedOutput = (): boolean => findFiles(userDataDir, 'RL Studio.log').map((f) => readFileSync(f, 'utf8'))
    .filter((t) => !t.includes(`[${id1}]`)).some((t) => t.includes(`[${id2}] `));
  await waitFor('trainer output of the re-attached run in the reloaded window\'s log', 15_000, reattachedOutput);
  const stopEvent = events2.find((e) => e.type === 'run_finished');
  assert.equal(stopEvent?.status, 'stopped');
  const ckpts = events2.filter((e) => e.type === 'checkpoint');
  assert.ok(ckpts.length >= 1, 'a checkpoint was written on stop');
  assert.ok(existsSync(path.join(run2, String(ckpts.at(-1)!.path))), 'the checkpoint folder exists');
  assert.match(stoppedRow, /, [1-9]\d* checkpoints?$/);
  const stoppedAt = lastStep(events2);

  await runCommand(page, 'rlstudio.resumeTraining', 'RL Studio: Resume Training');
  await step('resume: answer its questions', async () => {
    // Asks which run only when several could resume, and which checkpoint only when there are several.
    const title = page.locator('.quick-input-widget .quick-input-title');
    const deadline = Date.now() + 30_000;
    while (!readEvents(run2).some((e) => e.type === 'resumed') && Date.now() < deadline) {
      const text = (await title.isVisible().catch(() => false)) ? await title.innerText().catch(() => '') : '';
      if (/Resume which run/.test(text)) await answerQuickPick(page, id2);
      else if (/from which checkpoint/.test(text)) await answerQuickPick(page, 'latest');
      else await page.waitForTimeout(300);
    }
  });
  await step('run 2 resumed and past its stop step', async () => {
    await waitFor('a resumed event', 60_000, () => readEvents(run2).some((e) => e.type === 'resumed'));
    await waitForRow(page, (l) => l.startsWith(`Run ${id2}, running`), `${id2} running again`, 60_000);
    await waitFor(`a step after ${stoppedAt}`, 90_000, () => lastStep(readEvents(run2).slice(readEvents(run2).findIndex((e) => e.type === 'resumed'))) > stoppedAt);
  });
  await runCommand(page, 'rlstudio.stopTraining', 'RL Studio: Stop Training');
  await step('run 2 stopped again', () => waitForRow(page, (l) => l.startsWith(`Run ${id2}, stopped`), `${id2} stopped again`, 120_000));

  // VS Code's own measurement (code loading + activate call), from Developer: Show Running Extensions
  const vscodeTimes = await step('running extensions read', async () => {
    await runCommand(page, 'workbench.action.showRuntimeExtensions', 'Developer: Show Running Extensions');
    const row = page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'RL Studio' }).first();
    await row.waitFor({ timeout: 15_000 });
    return (await row.innerText()).replace(/\s+/g, ' ');
  }).catch((e: Error) => `unavailable (${e.message.split('\n')[0]})`);
  console.log(`# VS Code running-extensions row: ${vscodeTimes}`);

  const log = findFile(server.userDataDir, 'RL Studio.log');
  const activation = log ? /activated in ([\d.]+) ms/.exec(readFileSync(log, 'utf8'))?.[1] : undefined;
  console.log(`# activation time (activate() in the extension host): ${activation ?? '?'} ms`);
  assert.ok(activation, `activation time in ${log}`);
  session.passed = true;
});
