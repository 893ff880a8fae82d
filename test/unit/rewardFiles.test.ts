import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findRewardFunctions, parseCasesFile, rewardFileFor, casesFileFor } from '../../extension/rewards/rewardFiles';

test('reward functions: top-level defs with a completions parameter, multi-line and async signatures included', () => {
  const src = [
    'import re',                                                   // 0
    'def format_reward(completions, **kwargs):',                   // 1
    '    return [1.0 for c in completions]',                       // 2
    'async def judge(prompts,',                                    // 3
    '                completions: list[str],',                     // 4
    '                completion_ids=None, **kw) -> list[float]:',  // 5
    '    ...',                                                     // 6
    'def _helper(completions):',                                   // 7
    'def not_a_reward(text):',                                     // 8
    'class X:',                                                    // 9
    '    def method(self, completions):',                          // 10
    'def completions_count(items):',                               // 11
  ].join('\n');
  assert.deepEqual(findRewardFunctions(src), [{ name: 'format_reward', line: 1 }, { name: 'judge', line: 3 }]);
});

test('cases file: one case per JSON line, comments and blanks skipped, problems named by line', () => {
  const cases = parseCasesFile('\uFEFF{"name": "ok", "completion": "a"}\n\n// note\n{"completion": "b"}\n{"completion": \n[1]\n');
  assert.deepEqual(cases.map((c) => [c.line, c.name, c.problem?.split(':')[0]]), [
    [1, 'ok', undefined], [4, 'line 4', undefined], [5, 'line 5', 'invalid JSON'], [6, 'line 6', 'a case must be a JSON object'],
  ]);
});

test('cases file names pair with reward files', () => {
  assert.equal(casesFileFor('/w/rewards.py'), '/w/rewards.py.cases.jsonl');
  assert.equal(rewardFileFor('/w/rewards.py.cases.jsonl'), '/w/rewards.py');
  assert.equal(rewardFileFor('/w/rewards.cases.jsonl'), undefined);
  assert.equal(rewardFileFor('/w/rewards.py'), undefined);
});
