// Text that names a command ("RL Studio: Test Reward Functions") must name one the extension contributes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

test('every "RL Studio: <title>" in extension and webview text is a contributed command', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { title: string; category?: string }[] } };
  const titles = new Set(pkg.contributes.commands.map((c) => c.title));
  const named = new Map<string, string>();
  for (const file of [...sources(path.join(ROOT, 'extension')), ...sources(path.join(ROOT, 'webview'))]) {
    for (const m of readFileSync(file, 'utf8').matchAll(/RL Studio: ((?:[A-Z][\w-]*)(?: [A-Z][\w-]*)*)\)/g)) named.set(m[1], path.relative(ROOT, file));
  }
  assert.ok(named.has('Test Reward Functions'), 'the health hint names Test Reward Functions');
  const missing = [...named].filter(([title]) => !titles.has(title)).map(([t, f]) => `${t} (${f})`);
  assert.deepEqual(missing, []);
});
