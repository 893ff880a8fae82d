import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latestRunUsing } from '../../extension/rewards/runLookup';
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
