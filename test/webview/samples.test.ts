// The built samples viewer in headless Chromium, answered from the real RunStore reading a recorded events.jsonl.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPanel, unexpectedRequests, type Harness, type OpenedPage } from './helpers/webviewPage';
import { RunsFolder } from './helpers/runFixture';
import { runStartedEvent, stepEvents, makeSamples, type RecordedRunOptions } from './helpers/recordedRun';
import type { Sample } from '../../schemas/generated/trainerEvent';
import { sampleStepsOf } from '../../extension/panels/sampleSteps';

const RUN: RecordedRunOptions = { runId: 'grpo-samples', maxSteps: 100, seed: 3, samplesEvery: 10, groups: 4, perGroup: 4 };
// A run whose reward function logged columns with TRL 1.16's log_extra: a judge's verdict text (one of them hostile
// markup), the parsed answer (null where none was found), a flag; one completion has no extras at all.
const EXTRA: RecordedRunOptions = { runId: 'grpo-log-extra', maxSteps: 10, seed: 5, groups: 2, perGroup: 3 };
const HOSTILE = '<img src=x onerror="window.__pwned=1"> verdict';
function withExtras(samples: Sample[]): Sample[] {
  return samples.map((s, i) => i === 5 ? s : {
    ...s, extra: { verdict: i === 0 ? HOSTILE : `answer ${i} checked against 42`, parsed_answer: i % 2 ? null : 40 + i / 3, exact: i % 2 === 0 },
  });
}
let h: Harness;
let runs: RunsFolder;

before(async () => {
  h = await startHarness();
  runs = new RunsFolder();
  runs.write(RUN.runId, [runStartedEvent(RUN), ...stepEvents(RUN, 1, 40)]);
  runs.write(EXTRA.runId, [runStartedEvent(EXTRA), ...stepEvents(EXTRA, 1, 2), { type: 'samples', time: 1_700_000_010, step: 2, samples: withExtras(makeSamples(EXTRA, 2)) }]);
  await runs.load();
});
after(async () => { await h?.close(); runs?.dispose(); });

/** Plays the extension side of the samples panel: init with the store's steps, answer each requestSamples. */
async function serve(p: OpenedPage, runId: string): Promise<() => Promise<void>> {
  let answered = 0;
  const answer = async () => {
    const asks = (await p.posted()).filter((m) => m.type === 'requestSamples');
    for (const ask of asks.slice(answered)) {
      const ev = await runs.store.readSamples(runId, Number(ask.step), ask.source === 'eval' ? 'eval' : 'train');
      await p.send({ type: 'samples', runId, step: ask.step, source: ask.source, samples: ev?.samples ?? [] });
    }
    answered = asks.length;
  };
  await p.send({ type: 'init', ...sampleStepsOf(runs.store, runId) });
  await p.waitForPosted('requestSamples');
  await answer();
  return answer;
}

test('shows the latest step: groups, per-reward columns with n/a, advantage, truncated, token mask', async () => {
  const p = await openPanel(h, 'samples');
  await serve(p, RUN.runId);
  const expected = (await runs.store.readSamples(RUN.runId, 40))!.samples;
  await p.page.waitForSelector('.group-box');
  assert.equal(await p.page.locator('.group-box').count(), 4);
  assert.equal(await p.page.locator('.sample-row').count(), 16);
  assert.deepEqual(await p.page.locator('.group-box').first().locator('th.reward-col').allTextContents(), ['accuracy', 'format']);
  const nulls = expected.filter((s) => s.rewards.format === null).length;
  assert.ok(nulls > 0);
  assert.equal(await p.page.locator('td.na[data-reward="format"]').count(), nulls);
  assert.equal(await p.page.locator('td.truncated.yes').count(), expected.filter((s) => s.truncated).length);
  assert.match((await p.page.textContent('.summary'))!, /step 40: 16 of 16 completions in 4 groups/);

  // Token view of the first completion: the loss mask marks exactly which tokens were trained.
  const first = expected.find((s) => s.group === 0 && s.index === 0)!;
  await p.page.locator('.sample-row[data-key="0:0"]').click();
  const tokens = p.page.locator('.token-row .tokens .tok');
  assert.equal(await tokens.count(), first.tokens!.length);
  assert.equal(await p.page.locator('.token-row .tokens .tok-trained').count(), first.loss_mask!.filter((m) => m === 1).length);
  assert.equal(await p.page.locator('.token-row .tokens .tok-masked').count(), first.loss_mask!.filter((m) => m === 0).length);
  assert.match((await p.page.textContent('.tokens-legend'))!, new RegExp(`${first.loss_mask!.filter((m) => m === 1).length} of ${first.tokens!.length} tokens trained`));
  assert.equal(await p.page.locator('th.extra-col').count(), 0, 'no log_extra columns when no reward function logged any');
  for (const theme of ['dark'] as const) await p.screenshot(`samples-${theme}`);
  assert.deepEqual(await p.cspViolations(), []);
  assert.deepEqual(unexpectedRequests(h.origin, 'samples', p.requests), []);
  assert.deepEqual(p.errors, []);
  await p.page.context().close();
});

test('sort by reward, search, change step, follow new steps, restore state', async () => {
  const p = await openPanel(h, 'samples', { theme: 'light' });
  const answer = await serve(p, RUN.runId);
  await p.page.waitForSelector('.group-box');
  await p.page.locator('vscode-single-select.sort-select').evaluate((el: any) => { el.value = 'reward-desc'; el.dispatchEvent(new Event('change')); });
  const rewards = (await p.page.locator('.group-box').first().locator('td.reward').allTextContents()).map(Number);
  assert.deepEqual(rewards, [...rewards].sort((a, b) => b - a));
  const best = Math.max(...(await runs.store.readSamples(RUN.runId, 40))!.samples.map((s) => s.reward));
  assert.equal(rewards[0], best);

  await p.page.locator('vscode-textfield.search').evaluate((el: any) => { el.value = 'Question 2 '; el.dispatchEvent(new Event('input')); });
  await p.page.waitForFunction(() => (globalThis as any).document.querySelectorAll('.group-box').length === 1);
  assert.equal(await p.page.getAttribute('.group-box', 'data-group'), '2');
  await p.screenshot('samples-light');

  await p.page.locator('vscode-single-select.step-select').evaluate((el: any) => { el.value = 'train:20'; el.dispatchEvent(new Event('change')); });
  await p.waitForPosted('requestSamples', 2);
  await answer();
  await p.page.waitForFunction(() => /step 20:/.test((globalThis as any).document.querySelector('.summary').textContent));
  assert.equal(((await p.state()) as any).follow, false);

  // A new samples step arrives: not followed (the user picked a step), but listed.
  runs.append(RUN.runId, stepEvents(RUN, 41, 50));
  await runs.refresh(RUN.runId);
  await p.send({ type: 'steps', ...sampleStepsOf(runs.store, RUN.runId) });
  await p.page.waitForFunction(() => (globalThis as any).document.querySelectorAll('vscode-single-select.step-select vscode-option').length === 5);
  assert.match((await p.page.textContent('.summary'))!, /step 20:/);

  const saved = await p.state();
  await p.page.context().close();
  const again = await openPanel(h, 'samples', { state: saved });
  await serve(again, RUN.runId);
  await again.page.waitForFunction(() => /step 20: \d+ of 16/.test((globalThis as any).document.querySelector('.summary').textContent));
  assert.equal(await again.page.locator('vscode-textfield.search').evaluate((el: any) => el.value), 'Question 2 ');
  assert.equal(await again.page.locator('.group-box').count(), 1);
  await again.page.context().close();
});

test('log_extra columns: one per logged column after the fixed ones, values as text, missing ones marked', async () => {
  const p = await openPanel(h, 'samples');
  await serve(p, EXTRA.runId);
  await p.page.waitForSelector('.group-box');
  const first = p.page.locator('.group-box').first();
  assert.deepEqual(await first.locator('thead th').allTextContents(),
    ['#', 'reward', 'accuracy', 'format', 'advantage', 'length', 'truncated', 'verdict', 'parsed_answer', 'exact', 'completion']);
  const cells = async (key: string) => p.page.locator(`.sample-row[data-key="${key}"] td.extra`).allTextContents();
  assert.deepEqual(await cells('0:0'), [HOSTILE, '40', 'yes']);
  assert.deepEqual(await cells('0:1'), ['answer 1 checked against 42', '—', 'no']);
  assert.deepEqual(await cells('0:2'), ['answer 2 checked against 42', '40.67', 'yes']);
  assert.deepEqual(await cells('1:2'), ['—', '—', '—'], 'a completion without extras');
  assert.equal(await p.page.getAttribute('.sample-row[data-key="0:1"] td[data-extra="verdict"]', 'title'), 'answer 1 checked against 42');
  // model-influenced text stays text: the markup is shown, never parsed
  assert.equal(await p.page.locator('.group-box img').count(), 0);
  assert.equal(await p.page.evaluate(() => (globalThis as any).__pwned), undefined);
  // the token row below a clicked completion spans the extra columns too
  await p.page.locator('.sample-row[data-key="0:0"]').click();
  assert.equal(await p.page.getAttribute('.token-row td', 'colspan'), '11');
  await p.screenshot('samples-log-extra');
  assert.deepEqual(p.errors, []);
  await p.page.context().close();
});
