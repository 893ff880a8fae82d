// Every run-health threshold is a user setting: package.json declares rlstudio.health.<key> for each key of the
// defaults, with the same default, so a new check's threshold cannot be left out of the Settings UI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_HEALTH_THRESHOLDS } from '../../extension/runs/health';

test('health settings: package.json declares each threshold with its default', () => {
  const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8'));
  const properties: Record<string, { default: unknown }> = manifest.contributes.configuration.properties;
  const declared = Object.fromEntries(Object.entries(properties)
    .filter(([k]) => k.startsWith('rlstudio.health.')).map(([k, v]) => [k.slice('rlstudio.health.'.length), v.default]));
  assert.deepEqual(declared, { ...DEFAULT_HEALTH_THRESHOLDS });
});
