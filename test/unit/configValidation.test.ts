import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { validateConfigText, formatProblem, rewardFile } from '../../extension/config/configValidation';
import { RUN_CONFIG_TEMPLATES } from '../../extension/commands/runConfigTemplates';

const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle));

function workspace(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'rlstudio-cfg-'));
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'data', 'train.jsonl'), '{"prompt": "1+1", "answer": "2"}\n');
  writeFileSync(path.join(dir, 'rewards.py'), 'def r(prompts, completions, **kw):\n    return [0.0] * len(completions)\n');
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a valid config has no problems', () => {
  const { dir, cleanup } = workspace();
  try {
    const text = JSON.stringify({ model: { name_or_path: 'builtin:tiny' }, data: { datasets: [{ path: 'data/train.jsonl' }] },
      rewards: [{ function: 'rewards.py:r' }, { function: 'builtin:accuracy' }], training: { max_steps: 5 } }, null, 2);
    const r = validateConfigText(text, path.join(dir, 'a.rlstudio.json'));
    assert.deepEqual(r.problems, []);
    assert.equal(r.config?.training?.max_steps, 5);
  } finally {
    cleanup();
  }
});

test('schema problems point at the line of their JSON path', () => {
  const { dir, cleanup } = workspace();
  try {
    const text = [
      '{',
      '  "model": { "name_or_path": "builtin:tiny" },',
      '  "data": { "datasets": [ { "path": "data/train.jsonl" } ] },',
      '  "rewards": [ { "function": "builtin:accuracy" } ],',
      '  "training": {',
      '    "max_steps": -5,',
      '    "learning_rate": "fast"',
      '  },',
      '  "grpo": { "loss_type": "ppo", "num_generations": 1 },',
      '  "trainng": {}',
      '}',
    ].join('\n');
    const file = path.join(dir, 'bad.rlstudio.json');
    const { problems } = validateConfigText(text, file);
    const byPath = Object.fromEntries(problems.map((p) => [p.jsonPath, p]));
    assert.equal(byPath['$.training.max_steps'].range.startLine, lineOf(text, '"max_steps"'));
    assert.match(byPath['$.training.max_steps'].message, />= -1/);
    assert.equal(byPath['$.training.learning_rate'].range.startLine, lineOf(text, '"learning_rate"'));
    assert.match(byPath['$.grpo.loss_type'].message, /must be equal to one of the allowed values: "grpo", "bnpo", "dr_grpo", "dapo"/);
    assert.equal(byPath['$.grpo.num_generations'].range.startLine, lineOf(text, '"num_generations"'));
    assert.equal(byPath['$.trainng'].message, 'unknown property "trainng"');
    assert.equal(byPath['$.trainng'].range.startLine, lineOf(text, '"trainng"'));
    assert.equal(byPath['$.trainng'].range.startCharacter, 2);
    assert.equal(problems.length, 5);
    assert.equal(formatProblem('bad.rlstudio.json', byPath['$.training.max_steps']), `bad.rlstudio.json:6: $.training.max_steps: must be >= -1`);
  } finally {
    cleanup();
  }
});

test('missing required properties, missing files and JSON syntax errors are problems with positions', () => {
  const { dir, cleanup } = workspace();
  try {
    const text = '{\n  "model": {},\n  "data": { "datasets": [ { "path": "data/missing.jsonl" } ] },\n  "rewards": [ { "function": "nope/r.py:fn" } ]\n}\n';
    const { problems } = validateConfigText(text, path.join(dir, 'x.rlstudio.json'));
    const byPath = Object.fromEntries(problems.map((p) => [p.jsonPath, p]));
    assert.equal(byPath['$.model'].message, 'missing required property "name_or_path"');
    assert.equal(byPath['$.model'].range.startLine, 1);
    assert.match(byPath['$.data.datasets[0].path'].message, /^dataset not found: .*data\/missing\.jsonl$/);
    assert.equal(byPath['$.data.datasets[0].path'].range.startLine, 2);
    assert.match(byPath['$.rewards[0].function'].message, /^reward file not found: .*nope\/r\.py$/);
    assert.equal(byPath['$.rewards[0].function'].range.startLine, 3);

    const broken = validateConfigText('{\n  "model": { "name_or_path": "x" },\n  "data": \n}', path.join(dir, 'y.rlstudio.json'));
    assert.equal(broken.config, undefined);
    assert.match(broken.problems[0].message, /^JSON syntax: ValueExpected/);
    assert.equal(broken.problems[0].range.startLine, 3);
  } finally {
    cleanup();
  }
});

test('reward file names: built-ins and bare names are not files', () => {
  assert.equal(rewardFile('builtin:accuracy'), undefined);
  assert.equal(rewardFile('rewards/math.py:correct'), 'rewards/math.py');
  assert.equal(rewardFile('C:\\w\\r.py:fn'), 'C:\\w\\r.py');
  assert.equal(rewardFile('fn'), undefined);
});

test('New Run Config templates are valid configs (apart from the files the user still has to add)', () => {
  for (const t of RUN_CONFIG_TEMPLATES) {
    const { problems } = validateConfigText(JSON.stringify({ ...t.config, name: t.defaultName }, null, 2), '/tmp/x/t.rlstudio.json', () => true);
    assert.deepEqual(problems, [], t.label);
  }
});
