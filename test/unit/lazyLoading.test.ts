// Activation must not evaluate the heavy parts: ajv + the schema (config validation), the panels and their webview
// protocol. esbuild wraps modules that are only reached through `import()` in lazy init functions; this checks the
// built bundle's top level never calls them, and that chart code is not in the extension bundle at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';

const BUNDLE = path.resolve(__dirname, '../../../dist/extension.js');

test('dist/extension.js evaluates panels, protocol and ajv only on demand', { skip: !existsSync(BUNDLE) && 'run node scripts/build.mjs first' }, () => {
  const text = readFileSync(BUNDLE, 'utf8');
  if (!/\binit_panels\b/.test(text)) return assert.fail('bundle built with --production (minified): run node scripts/build.mjs');
  const topLevel = text.split('\n').filter((l) => /^(init_\w+\(\);|var \w+ = __toESM\(require_\w+\(\)\);)$/.test(l));
  const eager = topLevel.filter((l) => /init_(panels|protocol|configValidation|configDiagnostics|dashboardPanel|samplesPanel|inferencePanel|serveClient|onnxBackend|exportedModel|tokenizers)\b|require_ajv\b/.test(l));
  assert.deepEqual(eager, []);
  assert.doesNotMatch(text, /chart\.js|Chart\.register/);
});
