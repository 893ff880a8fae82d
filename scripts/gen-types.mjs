// Generates TypeScript types from schemas/*.schema.json into schemas/generated/.
// `--check` exits non-zero when the files on disk are stale (used by npm test).
import { compile } from 'json-schema-to-typescript';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'schemas', 'generated');
const targets = [
  ['run-config.schema.json', 'runConfig.ts'],
  ['trainer-event.schema.json', 'trainerEvent.ts'],
  ['validation-report.schema.json', 'validationReport.ts'],
  ['reward-test.schema.json', 'rewardTest.ts'],
  ['serve-protocol.schema.json', 'serveProtocol.ts'],
  ['reward-model-config.schema.json', 'rewardModelConfig.ts'],
];
const check = process.argv.includes('--check');
const banner = '/* Generated from schemas/ by scripts/gen-types.mjs (npm run gen:types). Do not edit. */';

let stale = [];
mkdirSync(outDir, { recursive: true });
for (const [schema, out] of targets) {
  const parsed = JSON.parse(readFileSync(join(root, 'schemas', schema), 'utf8'));
  // Root-level if/then rules (which block an algorithm reads) constrain values, not shapes: the types leave them out
  // so that RunConfig stays an interface.
  if (Array.isArray(parsed.allOf)) parsed.allOf = parsed.allOf.filter((rule) => !('if' in rule));
  if (parsed.allOf?.length === 0) delete parsed.allOf;
  const ts = await compile(parsed, parsed.title, {
    cwd: join(root, 'schemas'), // reward-test.schema.json refers to run-config.schema.json by file name
    bannerComment: banner,
    additionalProperties: false,
    unreachableDefinitions: true,
    style: { singleQuote: true, printWidth: 120 },
  });
  const path = join(outDir, out);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (current === ts) continue;
  if (check) stale.push(`schemas/generated/${out}`);
  else { writeFileSync(path, ts); console.log(`wrote schemas/generated/${out}`); }
}
if (stale.length) {
  console.error(`Generated types are stale: ${stale.join(', ')}. Run: npm run gen:types`);
  process.exit(1);
}
