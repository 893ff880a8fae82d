// The built dashboard bundle in headless Chromium, fed by the real RunStore reading a recorded events.jsonl.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPanel, unexpectedRequests, type Harness, type OpenedPage } from './helpers/webviewPage';
import { RunsFolder } from './helpers/runFixture';
import { runStartedEvent, stepEvents, pointsPerMetric, type RecordedRunOptions } from './helpers/recordedRun';
import { DashboardFeed } from '../../extension/panels/dashboardFeed';
import { DEFAULT_HEALTH_THRESHOLDS } from '../../extension/runs/health';
import { buildCards } from '../../webview/dashboard/chartGroups';
import { configDifferences } from '../../extension/panels/configDiff';

// Started a few minutes ago, so elapsed and ETA read like a live run's.
const T0 = Math.floor(Date.now() / 1000) - 320;
const RUN_A: RecordedRunOptions = { t0: T0, runId: 'grpo-a', maxSteps: 200, seed: 1, samplesEvery: 10, evalEvery: 20, nonFiniteSteps: [37] };
const RUN_B: RecordedRunOptions = { t0: T0, runId: 'grpo-b', maxSteps: 200, seed: 2, evalEvery: 20 };

let h: Harness;
let runs: RunsFolder;

before(async () => {
  h = await startHarness();
  runs = new RunsFolder();
  runs.write(RUN_A.runId, [runStartedEvent(RUN_A), ...stepEvents(RUN_A, 1, 120)]);
  runs.write(RUN_B.runId, [runStartedEvent(RUN_B), ...stepEvents(RUN_B, 1, 150)]);
  await runs.load();
});
after(async () => { await h?.close(); runs?.dispose(); });

async function cardData(p: OpenedPage): Promise<Record<string, { drawn: Record<string, number>; points: Record<string, number>; lastStep: string | undefined; group: string }>> {
  return p.page.evaluate(() => {
    const out: Record<string, any> = {};
    for (const el of (globalThis as any).document.querySelectorAll('.card')) {
      out[el.dataset.card] = { drawn: JSON.parse(el.dataset.drawn ?? '{}'), points: JSON.parse(el.dataset.points ?? '{}'), lastStep: el.dataset.lastStep, group: el.closest('.group').dataset.group };
    }
    return out;
  });
}

async function openDashboard(ids: string[], opts: Parameters<typeof openPanel>[2] = {}) {
  const p = await openPanel(h, 'dashboard', { height: 4000, ...opts });
  const feeds = ids.map((id) => new DashboardFeed(runs.store, id, DEFAULT_HEALTH_THRESHOLDS));
  const configDiff = ids.length > 1 ? configDifferences(ids.map((id) => runs.store.getRun(id)?.config ?? null)) : undefined;
  await p.send({ type: 'init', runs: feeds.map((f) => f.snapshot()), configDiff });
  await p.page.waitForSelector('.card[data-card="reward"][data-drawn]');
  return { p, feeds };
}

test('every chart group renders with the points the run wrote, then updates live', async () => {
  const { p, feeds } = await openDashboard([RUN_A.runId]);
  const written = stepEvents(RUN_A, 1, 120);
  const expected = pointsPerMetric(written);
  await p.page.waitForFunction((n) => (globalThis as any).document.querySelectorAll('.card[data-drawn]').length >= n, buildCards(pointsPerMetric(stepEvents(RUN_A, 1, 120)).keys()).length);
  const cards = await cardData(p);
  const groups = new Set(Object.values(cards).map((c) => c.group));
  for (const g of ['rewards', 'policy', 'lengths', 'optimisation', 'speed', 'eval']) assert.ok(groups.has(g), `group ${g} missing; have ${[...groups]}`);
  const specs = buildCards(expected.keys());
  assert.equal(Object.keys(cards).length, specs.length);
  for (const spec of specs) {
    for (const line of spec.lines) {
      assert.equal(cards[spec.id].points[line.label], expected.get(line.metric), `${spec.id}/${line.label} raw points`);
      // 120 points fit in the chart width: nothing is decimated away.
      assert.equal(cards[spec.id].drawn[line.label], expected.get(line.metric), `${spec.id}/${line.label} drawn points`);
    }
  }
  assert.equal(cards['reward'].drawn['accuracy'], 120);
  assert.equal(cards['eval_reward'].drawn['reward'], 6);
  // Header and health alerts: the non-finite step 37 and the trainer's own alert.
  const header = await p.page.textContent('.run-header');
  assert.match(header!, /grpo-a/);
  assert.match(header!, /120 \/ 200/);
  assert.match(header!, /cpu/);
  assert.match(header!, /generations\s*4/);
  assert.match(header!, /elapsed\s*5m \d\ds/);
  assert.match(header!, /ETA\s*\dm \d\ds/);
  assert.equal(await p.page.locator('.alert[data-code="nonfinite_step"]').count(), 1);
  assert.match((await p.page.textContent('.alert[data-code="nonfinite_step"]'))!, /step 37/);
  assert.equal(await p.page.locator('.alert[data-code="nonfinite_loss_skipped"]').count(), 1);

  // Live: 15 more steps appended to events.jsonl, read by the store, sent as one append.
  runs.append(RUN_A.runId, stepEvents(RUN_A, 121, 135));
  const u = feeds[0].update(await runs.refresh(RUN_A.runId));
  assert.equal(u.kind, 'append');
  await p.send({ type: 'append', runId: RUN_A.runId, series: (u as any).series });
  // cards are redrawn a few per frame: wait for the ones read below
  await p.page.waitForFunction(() => ['reward', 'kl'].every((id) => (globalThis as any).document.querySelector(`.card[data-card="${id}"]`).dataset.lastStep === '135'));
  const after = await cardData(p);
  assert.equal(after['reward'].drawn['reward'], 135);
  assert.equal(after['kl'].drawn['kl'], 135);
  assert.equal(after['eval_reward'].drawn['reward'], 6);
  await p.send({ type: 'header', header: feeds[0].header() });
  await p.page.waitForFunction(() => /135 \/ 200/.test((globalThis as any).document.querySelector('.field-step').textContent));
  assert.deepEqual(await p.cspViolations(), []);
  assert.deepEqual(unexpectedRequests(h.origin, 'dashboard', p.requests), []);
  assert.deepEqual(p.errors, []);
  await p.page.context().close();
});

test('hover shows raw values; drag zooms to a step range; log scale; PNG export; state survives a reload', async () => {
  const { p } = await openDashboard([RUN_A.runId], { height: 1400 });
  const canvas = p.page.locator('.card[data-card="kl"] canvas');
  const box = (await canvas.boundingBox())!;
  await p.page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4);
  const tip = p.page.locator('.card[data-card="kl"] .chart-tooltip');
  await tip.waitFor({ state: 'visible' });
  const text = (await tip.textContent())!;
  const m = /step (\d+)kl: ([-\d.e]+)/.exec(text);
  assert.ok(m, `tooltip text: ${text}`);
  const step = Number(m[1]);
  const kl = stepEvents(RUN_A, step, step).find((e) => e.type === 'metrics') as any;
  assert.equal(Number(m[2]).toPrecision(3), Number(kl.metrics.kl).toPrecision(3));

  // Drag across the middle of the chart: every chart shows only that step range.
  await p.page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
  await p.page.mouse.down();
  await p.page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.4, { steps: 5 });
  await p.page.mouse.up();
  await p.page.waitForFunction(() => (globalThis as any).__state?.range);
  const range = ((await p.state()) as any).range as [number, number];
  assert.ok(range[0] > 1 && range[1] < 120 && range[1] > range[0], `range ${range}`);
  await p.page.waitForFunction((r) => JSON.parse((globalThis as any).document.querySelector('.card[data-card="reward"]').dataset.drawn).reward === r[1] - r[0] + 1, range);
  assert.equal(await p.page.inputValue('.range-from >> input').catch(() => null) ?? String(range[0]), String(range[0]));

  await p.page.locator('.card[data-card="kl"] vscode-checkbox').click();
  await p.page.waitForFunction(() => (globalThis as any).__state?.logCards?.includes('kl'));
  await p.page.locator('input.smoothing').fill('0.9');
  await p.page.waitForFunction(() => (globalThis as any).__state?.smoothing === 0.9);

  await p.page.locator('.card[data-card="reward"] .card-export').click();
  const exp = await p.waitForPosted('exportPng');
  assert.match(String(exp.fileName), /^grpo-a-reward\.png$/);
  const png = Buffer.from(String(exp.dataUrl).replace('data:image/png;base64,', ''), 'base64');
  assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
  assert.ok(png.length > 5000, `PNG of ${png.length} bytes`);

  // A reload (VS Code rebuilding a hidden webview, or the serializer after a window reload) restores the view.
  const saved = await p.state();
  await p.page.context().close();
  const { p: again } = await openDashboard([RUN_A.runId], { height: 1400, state: saved });
  assert.equal(await again.page.inputValue('input.smoothing'), '0.9');
  assert.equal(await again.page.locator('.card[data-card="kl"] vscode-checkbox').evaluate((el: any) => el.checked), true);
  const drawn = JSON.parse((await again.page.getAttribute('.card[data-card="reward"]', 'data-drawn'))!);
  assert.equal(drawn.reward, range[1] - range[0] + 1);
  assert.deepEqual((await again.state() as any).runIds, [RUN_A.runId]);
  await again.page.locator('.reset-zoom').click();
  await again.page.waitForFunction(() => (globalThis as any).__state.range === null);
  await again.page.context().close();
});

test('compare puts the config differences first, then overlays the same metric from two runs', async () => {
  const { p } = await openDashboard([RUN_A.runId, RUN_B.runId]);
  // what differs between the two resolved configs (the run name and the seed), above the headers
  const rows = await p.page.locator('.config-diff tbody tr').evaluateAll((trs: any[]) => trs.map((tr) => [...tr.children].map((c: any) => c.textContent)));
  assert.deepEqual(rows, [['name', '"grpo-a"', '"grpo-b"'], ['training.seed', '1', '2']]);
  const order = await p.page.locator('.headers > *').evaluateAll((els: any[]) => els.map((e) => e.className));
  assert.deepEqual(order, ['config-diff', 'run-header', 'run-header']);
  assert.equal(await p.page.locator('.run-header .config-summary').count(), 0, 'no repeated full config summary per run');
  const cards = await cardData(p);
  const stepsA = runs.store.getMetricSeries(RUN_A.runId).reward.steps.length;
  assert.ok(stepsA >= 120);
  assert.equal(cards['reward'].drawn['grpo-a · reward'], stepsA);
  assert.equal(cards['reward'].drawn['grpo-b · reward'], 150);
  assert.equal(cards['kl'].drawn['grpo-a · kl'], stepsA);
  assert.equal(cards['kl'].drawn['grpo-b · kl'], 150);
  assert.equal(await p.page.locator('.run-header').count(), 2);
  await p.page.context().close();
});

for (const theme of ['light', 'dark', 'high-contrast'] as const) {
  test(`screenshot in the ${theme} theme`, async () => {
    const { p } = await openDashboard([RUN_A.runId], { theme, height: 2200 });
    await p.page.mouse.move(700, 640);
    await p.screenshot(`dashboard-${theme}`);
    await p.page.context().close();
    const { p: cmp } = await openDashboard([RUN_A.runId, RUN_B.runId], { theme, height: 1100 });
    await cmp.screenshot(`compare-${theme}`, false);
    await cmp.page.context().close();
  });
}
