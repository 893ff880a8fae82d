// End to end in real VS Code (code-server) driven through the UI: an empty workspace, Create Demo Dataset picking the
// PPO variant ("arithmetic-ppo"), then "RL Studio: Start PPO Training" from the command palette; the run completes
// (the Runs view row and a notification say so), the Runs view names its algorithm (PPO), and its dashboard draws
// the PPO cards under their groups with TRL's PPO metric names: the value function's group (value loss, explained
// variance) and the policy group's approximate KL and clip fractions, each with one point per metrics event. GRPO's
// own cards (loss, kl, zero-std groups) are not drawn for a PPO run.
// The trainer is the real one (python -m rlstudio from the repo's .venv). Screenshots go to test-artifacts/ on failure.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { E2eSession } from './harness/session';
import { startCodeServer, REPO_ROOT } from './harness/codeServer';
import { openWorkbench, runCommand, answerQuickPick, waitForRow, clickInlineAction, webviewWith, runRow,
  waitForNotification } from './harness/workbench';
import { readEvents, lastStep, runDirs, waitFor, killTrainers } from './harness/files';

// Two rollouts: the demo's PPO block takes num_ppo_epochs (2) x num_mini_batches (2) optimizer steps per rollout.
const PPO_STEPS = 8;
// A short supervised warm start, so the tiny model writes answers in the demo's format and the rewards (hence the
// critic's targets) are not all zero.
const WARM_START_STEPS = 60;

const session = new E2eSession('ppo');
after(() => session.close(async (server) => {
  const left = await killTrainers(path.join(server.workspace, 'rlstudio-demo', 'runs'));
  if (left.length) console.log(`# killed leftover trainer process(es): ${left.join(', ')}`);
}));

const step = session.step.bind(session);

/** The cards a PPO run's dashboard must draw: card id -> [group, line label, TRL metric name]. */
const PPO_CARDS: [string, string, string, string][] = [
  ['ppo/value_loss', 'value', 'value loss', 'loss/value_avg'],
  ['ppo/explained_variance', 'value', 'explained variance', 'val/explained_variance'],
  ['ppo/approxkl', 'policy', 'approx KL', 'policy/approxkl_avg'],
  ['ppo/clipfrac', 'policy', 'policy', 'policy/clipfrac_avg'],
  ['ppo/clipfrac', 'policy', 'value', 'val/clipfrac_avg'],
  ['ppo/policy_loss', 'policy', 'policy loss', 'loss/policy_avg'],
  ['ppo/reward', 'rewards', 'RLHF reward', 'objective/rlhf_reward'],
];

test('demo data (PPO variant) -> Start PPO Training -> completed; Runs view says PPO; dashboard shows the PPO groups', { timeout: 240_000 }, async () => {
  const python = path.join(REPO_ROOT, '.venv/bin/python');
  assert.ok(existsSync(python), `${python} missing (bash scripts/bootstrap.sh python)`);
  const server = session.server = await step('code-server up', () => startCodeServer({
    'rlstudio.pythonPath': python, 'rlstudio.demo.maxSteps': PPO_STEPS,
  }));
  const wb = session.wb = await step('workbench loaded', () => openWorkbench(server.url, server.workspace, path.join(server.base, 'chrome-profile')));
  const { page } = wb;

  await step('Runs view open (activates the extension)', async () => {
    await runCommand(page, 'rlstudio.runs.focus', 'RL Studio: Focus on Runs View');
    await page.locator('.part.sidebar', { hasText: 'No training runs yet' }).waitFor({ timeout: 30_000 });
  });

  const configFile = path.join(server.workspace, 'rlstudio-demo', 'arithmetic-ppo.rlstudio.json');
  await step('Create Demo Dataset: the PPO variant', async () => {
    await runCommand(page, 'rlstudio.createDemoDataset', 'RL Studio: Create Demo Dataset');
    await answerQuickPick(page, 'arithmetic-ppo', /demo dataset/);
    await waitFor('the PPO demo config', 90_000, () => existsSync(configFile));
    await page.locator('.tabs-container .tab', { hasText: 'arithmetic-ppo.rlstudio.json' }).waitFor({ timeout: 30_000 });
  });
  // Like a user tuning the demo for a quick try on 2 CPU cores: no eval, a short warm start, smaller batches.
  const cfg = JSON.parse(readFileSync(configFile, 'utf8'));
  assert.equal(cfg.algorithm, 'ppo', 'the PPO demo config trains with PPO');
  assert.equal(cfg.training.max_steps, PPO_STEPS, 'rlstudio.demo.maxSteps reached the demo config');
  cfg.eval = { ...cfg.eval, enabled: false };
  cfg.warm_start = { ...cfg.warm_start, steps: WARM_START_STEPS };
  cfg.training = { ...cfg.training, per_device_train_batch_size: 16 };
  writeFileSync(configFile, JSON.stringify(cfg, null, 2) + '\n');
  await page.waitForTimeout(1500); // the open editor reloads the file from disk
  const runsFolder = path.join(path.dirname(configFile), cfg.output_dir ?? 'runs');

  await runCommand(page, 'rlstudio.startPpoTraining', 'RL Studio: Start PPO Training');
  const run = await step('run directory created', () => waitFor('a run directory', 30_000, () => runDirs(runsFolder)[0]));
  const id = path.basename(run);
  await step('run completed (Runs view and notification)', async () => {
    await waitForRow(page, (l) => l.startsWith(`Run ${id}, completed`), `${id} completed`, 150_000);
    await waitForNotification(page, new RegExp(`run ${id} completed \\(step ${PPO_STEPS}/${PPO_STEPS}, reward`), 30_000);
  });
  const events = readEvents(run);
  assert.equal(events.find((e) => e.type === 'run_started')?.algorithm, 'ppo', 'the trainer ran PPO');
  assert.equal(events.find((e) => e.type === 'run_finished')?.status, 'completed');
  assert.equal(lastStep(events), PPO_STEPS);
  const rl = events.filter((e) => e.type === 'metrics' && (e.phase ?? 'rl') === 'rl').map((e) => e.metrics as Record<string, unknown>);

  await step('Runs view names the algorithm: PPO', async () => {
    const description = (await runRow(page, `Run ${id}, completed`).locator('.label-description').innerText()).trim();
    assert.match(description, new RegExp(`^${id} · PPO( · |$)`), description);
  });

  await step('dashboard: the PPO groups with TRL\'s PPO metric names; no GRPO-only cards', async () => {
    await clickInlineAction(page, `Run ${id}, completed`, 'Open Dashboard');
    const dash = await webviewWith(page, '.card[data-card="ppo/reward"][data-points]', 60_000);
    await dash.locator('.run-header[data-status="completed"]').waitFor({ timeout: 30_000 });
    assert.match((await dash.locator('.run-header .fields').innerText()).replace(/\s+/g, ' '), /algorithm ppo/i);
    assert.equal(await dash.locator('.group[data-group="value"] .group-title').innerText(), 'Value function (critic)');
    for (const [card, group, label, metric] of PPO_CARDS) {
      const el = dash.locator(`.group[data-group="${group}"] .card[data-card="${card}"]`);
      await el.scrollIntoViewIfNeeded({ timeout: 30_000 }); // a card below the fold draws when scrolled into view
      await dash.locator(`.group[data-group="${group}"] .card[data-card="${card}"][data-points]`).waitFor({ timeout: 30_000 });
      const points = JSON.parse((await el.getAttribute('data-points'))!) as Record<string, number>;
      const logged = rl.filter((m) => typeof m[metric] === 'number').length;
      assert.ok(logged > 0, `${metric} logged by the trainer`);
      assert.equal(points[label], logged, `${card} draws ${metric} once per metrics event (${JSON.stringify(points)})`);
    }
    // TRL's PPO names are read by the PPO cards, not left to "Other metrics"; GRPO's own cards are not drawn
    for (const metric of new Set(PPO_CARDS.map((c) => c[3]))) {
      assert.equal(await dash.locator(`.group[data-group="other"] .card[data-card="${metric}"]`).count(), 0, `${metric} under Other`);
    }
    for (const grpoCard of ['frac_reward_zero_std', 'loss', 'kl']) {
      assert.equal(await dash.locator(`.group:not([data-group="other"]) .card[data-card="${grpoCard}"]`).count(), 0, `GRPO card ${grpoCard} on a PPO run`);
    }
  });
  session.passed = true;
});
