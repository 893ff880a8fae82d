import { test } from 'node:test';
import assert from 'node:assert/strict';
import { caseOutcomes, summaryText } from '../../extension/rewards/caseOutcomes';
import type { RewardTestResponse, ScoreSummary } from '../../schemas/generated/rewardTest';

const summary = (over: Partial<ScoreSummary> = {}): ScoreSummary => ({ count: 4, scored: 4, mean: 0.5, min: 0, max: 1, std: 0.5,
  share_none: 0, share_zero: 0.5, share_error: 0, length_correlation: null, ...over });

test('case outcomes: pass, fail with expected vs actual at the case line (another function\'s error aside), error at the reward file line, smoke test', () => {
  const file = '/w/rw.py.cases.jsonl';
  const response: RewardTestResponse = { functions: [], samples: [
    { index: 0, source: `${file}:1`, prompt: '', completion: '', length: 0, results: { f: { score: 1, duration_ms: 2 } },
      check: { passed: true, message: 'passed', expected: 1, actual: 1 } },
    { index: 1, source: `${file}:3`, prompt: '', completion: '', length: 0,
      results: { f: { score: 0, duration_ms: 1 }, broken: { score: null, duration_ms: 1, error: { message: 'returned 1 values for 2 completions' } } },
      check: { passed: false, message: 'f: expected 1, got 0', expected: 1, actual: 0, function: 'f' } },
    { index: 2, source: `${file}:4`, prompt: '', completion: '', length: 0,
      results: { f: { score: null, duration_ms: 1, error: { message: 'raised ValueError', file: '/w/rw.py', line: 7 } } } },
    { index: 3, source: `${file}:5`, prompt: '', completion: '', length: 0, results: { f: { score: 0.25, duration_ms: 1 }, g: { score: null, duration_ms: 1 } } },
    { index: 4, source: '/elsewhere.jsonl:1', prompt: '', completion: '', length: 0, results: {} },
  ] };
  const out = caseOutcomes(response, file);
  assert.deepEqual(out.map((o) => [o.line, o.state]), [[1, 'passed'], [3, 'failed'], [4, 'errored'], [5, 'passed']]);
  assert.deepEqual([out[1].expected, out[1].actual, out[1].location], ['1', '0', { file, line: 3 }]);
  assert.deepEqual(out[2].location, { file: '/w/rw.py', line: 7 });
  assert.equal(out[3].message, 'f = 0.25, g = None');
});

test('summary text: the usual ways a reward is broken are named', () => {
  assert.equal(summaryText(summary(), false), 'mean 0.5 · min 0 · max 1 · n 4');
  assert.equal(summaryText(summary({ share_error: 0.5, scored: 2, share_zero: 0.25 }), false), 'mean 0.5 · min 0 · max 1 · n 4 · 2 errors');
  assert.equal(summaryText(summary({ mean: 0, max: 0, share_zero: 1 }), false), 'mean 0 · min 0 · max 0 · n 4 · all zero');
  assert.equal(summaryText(summary({ share_none: 0.25, scored: 3, length_correlation: 0.93 }), false),
    'mean 0.5 · min 0 · max 1 · n 4 · 25% None · tracks length (r 0.93)');
});
