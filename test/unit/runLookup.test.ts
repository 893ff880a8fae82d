import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configsUsing, latestRunUsing } from '../../extension/rewards/runLookup';
import type { RunSummary } from '../../extension/runs/types';

const run = (id: string, startedAt: number, functions: string[]): RunSummary =>
  ({ id, dir: `/runs/${id}`, startedAt, config: { rewards: functions.map((f) => ({ function: f })) } }) as unknown as RunSummary;

test('the newest run whose config lists the function by its resolved path', () => {
  const runs = [run('old', 1, ['/w/rw.py:f']), run('new', 3, ['/w/rw.py:f', 'builtin:accuracy']), run('other', 5, ['/w/rw.py:g']),
    { ...run('no-config', 9, []), config: null } as RunSummary];
  assert.equal(latestRunUsing(runs, '/w/rw.py', 'f')?.id, 'new');
  assert.equal(latestRunUsing(runs, '/w/rw.py', 'g')?.id, 'other');
  assert.equal(latestRunUsing(runs, '/w/other.py', 'f'), undefined);
});

test('configs that reference the function, relative to the config or absolute; broken JSON skipped', () => {
  const configs = [
    { file: '/w/a.rlstudio.json', text: JSON.stringify({ rewards: [{ function: 'rw.py:f' }] }) },
    { file: '/w/sub/b.rlstudio.json', text: JSON.stringify({ rewards: [{ function: '../rw.py:f' }, { function: 'builtin:accuracy' }] }) },
    { file: '/w/c.rlstudio.json', text: JSON.stringify({ rewards: [{ function: '/w/rw.py:g' }] }) },
    { file: '/w/d.rlstudio.json', text: '{ "rewards": [' },
    { file: '/w/e.rlstudio.json', text: JSON.stringify({ rewards: [{ function: 'other/rw.py:f' }] }) },
  ];
  assert.deepEqual(configsUsing(configs, '/w/rw.py', 'f'), ['/w/a.rlstudio.json', '/w/sub/b.rlstudio.json']);
  assert.deepEqual(configsUsing(configs, '/w/rw.py', 'g'), ['/w/c.rlstudio.json']);
});
