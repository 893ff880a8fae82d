// The editor's reward worker against the real trainer (python -m rlstudio rewards worker from the repo's .venv):
// one process serves repeated tests, an edited reward file is picked up, and reward code that defeats the trainer's
// own timeout is ended by the client, which starts a fresh worker for the next test.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RewardWorker } from '../../extension/rewards/rewardWorker';

const PYTHON = path.resolve(__dirname, '../../../.venv/bin/python');
const dir = mkdtempSync(path.join(tmpdir(), 'rlstudio-rewards-'));
const worker = new RewardWorker(PYTHON, dir, undefined, 8_000);
after(async () => {
  await worker.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const file = path.join(dir, 'rw.py');
const cases = (completions: string[]) => completions.map((completion) => ({ completion }));

test('one worker serves repeated tests and re-reads an edited reward file; a stubborn hang is cut by the client', { skip: !existsSync(PYTHON) && 'no .venv (bash scripts/bootstrap.sh python)', timeout: 120_000 }, async () => {
  writeFileSync(file, 'def length(completions, **kw):\n    return [float(len(c)) for c in completions]\n'
    + 'def stubborn(completions, **kw):\n    while True:\n        try:\n            while True:\n                pass\n        except BaseException:\n            pass\n');
  const first = await worker.test({ rewards: [{ function: 'rw.py:length' }], base_dir: dir, cases: cases(['ab', 'abcd']) });
  assert.equal(first.error, undefined);
  assert.deepEqual(first.samples.map((s) => s.results.length.score), [2, 4]);

  writeFileSync(file, 'def length(completions, **kw):\n    return [-float(len(c)) for c in completions]\n');
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  const edited = await worker.test({ rewards: [{ function: 'rw.py:length' }], base_dir: dir, cases: cases(['ab']) });
  assert.deepEqual(edited.samples.map((s) => s.results.length.score), [-2]);
  assert.equal(worker.processStarts, 1);

  writeFileSync(file, 'def stubborn(completions, **kw):\n    while True:\n        try:\n            while True:\n                pass\n        except BaseException:\n            pass\n');
  utimesSync(file, new Date(), new Date(Date.now() + 10_000));
  const hung = await worker.test({ rewards: [{ function: 'rw.py:stubborn' }], base_dir: dir, cases: cases(['a']), timeout_s: 0.5 });
  assert.match(hung.error?.message ?? '', /no reply within .* the worker was stopped/);

  writeFileSync(file, 'def length(completions, **kw):\n    return [1.0 for c in completions]\n');
  const after = await worker.test({ rewards: [{ function: 'rw.py:length' }], base_dir: dir, cases: cases(['a']) });
  assert.deepEqual(after.samples.map((s) => s.results.length.score), [1]);
  assert.equal(worker.processStarts, 2);
});
