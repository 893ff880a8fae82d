import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { pythonCandidates, probePython, findTrainerPython } from '../../extension/python/pythonDiscovery';

const REPO = path.resolve(__dirname, '../../..');

test('order: setting alone; else Python extension, managed venv, dev .venv, python3', () => {
  const exists = (p: string): boolean => p === '/g/trainer-venv/bin/python' || p === '/ext/.venv/bin/python';
  assert.deepEqual(pythonCandidates({ setting: ' /my/python ', pythonExtension: '/pe/python', managedVenv: '/g/trainer-venv', extensionDir: '/ext', exists, platform: 'linux' }),
    [{ path: '/my/python', source: 'setting' }]);
  assert.deepEqual(pythonCandidates({ pythonExtension: '/pe/python', managedVenv: '/g/trainer-venv', extensionDir: '/ext', exists, platform: 'linux' }).map((c) => c.source),
    ['python-extension', 'managed-venv', 'dev-venv', 'system']);
  assert.deepEqual(pythonCandidates({ managedVenv: '/g/v', extensionDir: '/e', exists: () => false, platform: 'win32' }),
    [{ path: 'python', source: 'system' }]);
});

test('probe: a missing interpreter, and the first candidate that has rlstudio and torch wins', async () => {
  const missing = await probePython('/nonexistent/python3');
  assert.equal(missing.problem, 'not-found');
  const venvPy = path.join(REPO, '.venv/bin/python');
  if (!existsSync(venvPy)) return; // the repo's trainer venv is made by `npm test`'s bootstrap
  const { found, failures } = await findTrainerPython([{ path: '/nonexistent/python3', source: 'setting' }, { path: venvPy, source: 'dev-venv' }]);
  assert.equal(failures.length, 1);
  assert.equal(found?.path, venvPy);
  assert.match(found?.probe.torch ?? '', /^\d+\.\d+/);
  assert.equal(typeof found?.probe.cuda, 'boolean');
});

test('probe: an interpreter without the trainer names the missing module', async () => {
  // the system python3 normally lacks torch and rlstudio
  const r = await probePython(process.platform === 'win32' ? 'python' : 'python3');
  if (r.problem === 'not-found' || r.ok) return; // no system python, or one that has everything
  assert.equal(r.problem, 'missing-module');
  assert.ok(['torch', 'rlstudio'].includes(r.missingModule ?? ''), r.detail);
});
