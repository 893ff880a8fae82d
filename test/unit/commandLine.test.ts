import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildTrainerCommand, newRunDir, runsFolderOf } from '../../extension/trainer/commandLine';
import { runRootsFor } from '../../extension/runs/runRoots';

test('train: an argument array, unbuffered UTF-8 Python, cwd = the config folder', () => {
  const cfg = '/ws/my configs/it\'s "demo".rlstudio.json';
  const c = buildTrainerCommand('/venv/bin/python', { kind: 'train', configFile: cfg, runDir: '/ws/runs/demo-1', overrides: ['training.max_steps=3'] }, { PATH: '/bin' });
  assert.equal(c.command, '/venv/bin/python');
  assert.deepEqual(c.args, ['-m', 'rlstudio', 'train', '--config', cfg, '--run-dir', '/ws/runs/demo-1', '--set', 'training.max_steps=3']);
  assert.equal(c.cwd, '/ws/my configs');
  assert.equal(c.env.PYTHONUNBUFFERED, '1');
  assert.equal(c.env.PYTHONUTF8, '1');
  assert.equal(c.env.PATH, '/bin');
});

test('several processes go through torchrun with the same interpreter', () => {
  const c = buildTrainerCommand('py', { kind: 'train', configFile: '/a/c.rlstudio.json', runDir: '/a/runs/r', nprocPerNode: 2 }, {});
  assert.deepEqual(c.args, ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2', '-m', 'rlstudio', 'train',
    '--config', '/a/c.rlstudio.json', '--run-dir', '/a/runs/r']);
});

test('resume and demo-data', () => {
  assert.deepEqual(buildTrainerCommand('py', { kind: 'resume', runDir: '/r', checkpoint: 'step_4' }, {}).args,
    ['-m', 'rlstudio', 'resume', '--run-dir', '/r', '--checkpoint', 'step_4']);
  assert.deepEqual(buildTrainerCommand('py', { kind: 'resume', runDir: '/r' }, {}).args, ['-m', 'rlstudio', 'resume', '--run-dir', '/r']);
  assert.deepEqual(buildTrainerCommand('py', { kind: 'demo-data', datasetKind: 'arithmetic', outDir: '/w/demo', maxSteps: 6 }, {}).args,
    ['-m', 'rlstudio', 'demo-data', '--kind', 'arithmetic', '--out', '/w/demo', '--max-steps', '6']);
});

test('run directories: <output_dir>/<name>-<timestamp>, never reusing one', () => {
  const now = new Date(2025, 0, 2, 3, 4, 5);
  const taken = new Set(['/w/runs/demo-20250102-030405']);
  assert.equal(newRunDir('/w/runs', 'demo', now, (p) => taken.has(p)), '/w/runs/demo-20250102-030405-2');
  assert.equal(newRunDir('/w/runs', 'a b/c', now, () => false), '/w/runs/a_b_c-20250102-030405');
  assert.equal(runsFolderOf('/w/demo/x.rlstudio.json', undefined), '/w/demo/runs');
  assert.equal(runsFolderOf('/w/demo/x.rlstudio.json', '../out'), '/w/out');
});

test('runs folders: the setting per workspace folder plus every config\'s output_dir', () => {
  const roots = runRootsFor(['/w'], ['runs'], [
    { file: '/w/demo/a.rlstudio.json', text: '{ "output_dir": "my-runs", // comment\n }' },
    { file: '/w/b.rlstudio.json', text: '{}' },
    { file: '/w/c.rlstudio.json', text: 'not json' },
  ]);
  assert.deepEqual(roots.sort(), [path.resolve('/w/demo/my-runs'), path.resolve('/w/runs')]);
});
