// The built Reward Results panel in headless Chromium: the table of a re-scored run (new score beside the recorded
// one), filters, sorting, the histogram, error links that ask the host to open the failing line, model text as text.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, openPanel, unexpectedRequests, type Harness } from './helpers/webviewPage';
import type { RewardTestResponse, ScoreSummary } from '../../schemas/generated/rewardTest';

let h: Harness;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const summary = (over: Partial<ScoreSummary>): ScoreSummary => ({ count: 4, scored: 3, mean: 0.5, min: 0, max: 1, std: 0.4,
  share_none: 0, share_zero: 0.25, share_error: 0.25, length_correlation: null,
  histogram: [{ from: 0, to: 0.5, count: 1 }, { from: 0.5, to: 1, count: 2 }], ...over });

const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const RESPONSE: RewardTestResponse = {
  length_unit: 'tokens',
  functions: [{ name: 'correct', reference: 'rw.py:correct', weight: 1, duration_ms: 3, summary: summary({}) }],
  samples: [
    { index: 0, name: 'step 2 #0', step: 2, prompt: 'What is 6*7?', completion: '42', length: 1, total: 1, recorded_total: 0,
      results: { correct: { score: 1, recorded: 0, duration_ms: 1 } } },
    { index: 1, name: 'step 2 #1', step: 2, prompt: 'What is 6*7?', completion: HOSTILE, length: 9, total: 0, recorded_total: 0,
      results: { correct: { score: 0, recorded: 0, duration_ms: 1 } } },
    { index: 2, name: 'step 1 #0', step: 1, prompt: 'p', completion: 'boom', length: 1, total: null,
      results: { correct: { score: null, duration_ms: 1, error: { message: 'raised ValueError: boom', file: '/w/rw.py', line: 7 } } } },
    { index: 3, name: 'step 1 #1', step: 1, prompt: 'p', completion: '0.5', length: 1, total: 0.5, recorded_total: 0.5,
      results: { correct: { score: 0.5, recorded: 0.5, duration_ms: 1 } } },
  ],
};

test('re-scored run: scores beside recorded ones, filters, sort, histogram, error link, text stays text', async () => {
  const p = await openPanel(h, 'rewardResults');
  await p.send({ type: 'results', title: 're-scored grpo-1', response: RESPONSE });
  const page = p.page;
  await page.locator('.rr-row').first().waitFor();
  const cells = () => page.locator('.rr-row td[data-fn="correct"]').allTextContents();
  assert.deepEqual(await cells(), ['1 (run: 0)', '0', 'error', '0.5']);
  assert.equal(await page.locator('.rr-title').textContent(), 're-scored grpo-1');
  assert.equal(await page.locator('.rr-hist .bar').count(), 2);
  assert.equal(await page.locator('.rr-row .completion').nth(1).textContent(), HOSTILE);
  assert.equal(await page.evaluate(() => (globalThis as any).__pwned), undefined);

  await page.selectOption('.rr-filter', 'errors');
  assert.deepEqual(await cells(), ['error']);
  await page.selectOption('.rr-filter', 'changed');
  assert.deepEqual(await cells(), ['1 (run: 0)']);
  await page.selectOption('.rr-filter', 'all');
  await page.selectOption('.rr-sort', 'score:correct:asc');
  assert.deepEqual(await cells(), ['0', '0.5', '1 (run: 0)', 'error']);
  assert.equal(await page.locator('.rr-summary').textContent(), '4 of 4 samples');

  await page.locator('.rr-row td.err .link').click();
  const open = await p.waitForPosted('openLocation');
  assert.deepEqual(open, { type: 'openLocation', file: '/w/rw.py', line: 7 });
  assert.deepEqual((await p.state()) as any, { filter: 'all', sort: 'score:correct:asc', fn: '' });
  assert.deepEqual(await p.cspViolations(), []);
  assert.deepEqual(unexpectedRequests(h.origin, 'rewardResults', p.requests), []);
  assert.deepEqual(p.errors, []);
});
