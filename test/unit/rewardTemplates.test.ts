import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REWARD_TEMPLATES, templateDir, writeTemplate } from '../../extension/rewards/rewardTemplates';
import { findRewardFunctions } from '../../extension/rewards/rewardFiles';

const ROOT = path.resolve(__dirname, '../../..');

test('every template file is offered, and each defines the reward function its id names', () => {
  const files = readdirSync(templateDir(ROOT)).filter((f) => f.endsWith('.py')).map((f) => f.slice(0, -3)).sort();
  assert.deepEqual(REWARD_TEMPLATES.map((t) => t.id).sort(), files);
  for (const t of REWARD_TEMPLATES) {
    const defs = findRewardFunctions(readFileSync(path.join(templateDir(ROOT), `${t.id}.py`), 'utf8')).map((d) => d.name);
    assert.deepEqual(defs, [t.id], t.id);
  }
});

test('writing a template never overwrites: a second copy gets a new name, with its cases file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rlstudio-templates-'));
  try {
    const first = await writeTemplate(ROOT, 'format_tags', dir);
    const second = await writeTemplate(ROOT, 'format_tags', dir);
    assert.deepEqual([path.basename(first), path.basename(second)], ['format_tags.py', 'format_tags_2.py']);
    assert.deepEqual(readdirSync(dir).sort(), ['format_tags.py', 'format_tags.py.cases.jsonl', 'format_tags_2.py', 'format_tags_2.py.cases.jsonl']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
