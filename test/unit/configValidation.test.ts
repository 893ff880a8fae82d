import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { validateConfigText, formatProblem } from '../../extension/config/configValidation';
import { parseValidationReport, problemsFromReport } from '../../extension/config/trainerValidation';
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
    const r = validateConfigText(text);
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
    const { problems } = validateConfigText(text);
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

test('missing required properties and JSON syntax errors are problems with positions, in words', () => {
  const text = '{\n  "model": {},\n  "data": { "datasets": [ { "path": "data/missing.jsonl" } ] },\n  "rewards": [ { "function": "nope/r.py:fn" } ]\n}\n';
  const { problems } = validateConfigText(text);
  assert.deepEqual(problems.map((p) => p.jsonPath), ['$.model']); // files are the trainer's check (trainerValidation)
  assert.equal(problems[0].message, 'missing required property "name_or_path"');
  assert.equal(problems[0].range.startLine, 1);

  const broken = validateConfigText('{\n  "model": { "name_or_path": "x" }\n  "data": {}\n}');
  assert.equal(broken.config, undefined);
  assert.equal(broken.problems[0].message, "JSON syntax error: a ',' was expected between entries");
  assert.equal(broken.problems[0].range.startLine, 2);
});

test("the trainer's report lands at the JSON path's place; schema and syntax problems are left to VS Code's JSON service", () => {
  const text = '{\n  "model": { "name_or_path": "./m" },\n  "rewards": [\n    { "function": "r.py:gone" }\n  ]\n}\n';
  const stdout = 'warning: noise\n' + JSON.stringify({ config: 'c.rlstudio.json', valid: false, problems: [
    { file: 'c', line: 4, path: ['rewards', 0, 'function'], jsonPath: '$.rewards[0].function', message: "r.py: no function 'gone'", severity: 'error', source: 'check' },
    { file: 'c', line: 2, path: ['model', 'dtype'], jsonPath: '$.model.dtype', message: 'bad', severity: 'error', source: 'schema' },
    { file: 'c', line: 9, path: ['nowhere'], jsonPath: '$.nowhere', message: 'far', severity: 'warning', source: 'check' },
  ] });
  const report = parseValidationReport(stdout)!;
  const shown = problemsFromReport(report, text);
  assert.deepEqual(shown.map((p) => [p.jsonPath, p.range.startLine, p.range.startCharacter, p.severity]),
    [['$.rewards[0].function', 3, 18, 'error'], ['$.nowhere', 5, 0, 'warning']]);
  assert.equal(problemsFromReport(report, text, { includeSchema: true }).length, 3);
  assert.equal(parseValidationReport('Traceback (most recent call last):\n'), undefined);
});

test('New Run Config templates are valid configs (apart from the files the user still has to add)', () => {
  for (const t of RUN_CONFIG_TEMPLATES) {
    const { problems } = validateConfigText(JSON.stringify({ ...t.config, name: t.defaultName }, null, 2));
    assert.deepEqual(problems, [], t.label);
  }
});
