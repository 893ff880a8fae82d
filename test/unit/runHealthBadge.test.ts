// The Runs view's health badge: alerts computed from a real RunStore's series plus the trainer's own, cached between
// tree redraws and recomputed when the run changes or the thresholds do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RunStore } from '../../extension/runs/runStore';
import { DEFAULT_HEALTH_THRESHOLDS, resolveThresholds } from '../../extension/runs/health';
import { RunHealthCache, healthBadge } from '../../extension/views/runHealthBadge';
import { runAccessibleLabel } from '../../extension/views/runPresentation';
import { runStarted, finished, T0 } from '../support/eventFixtures';

const zeroReward = (step: number): string =>
  JSON.stringify({ type: 'metrics', time: T0 + step, step, phase: 'rl', metrics: { reward: 0, frac_reward_zero_std: 1, loss: step === 7 ? null : 0.1 } });

test('a run with zero reward, identical groups and a NaN step gets a badge and hints; a healthy one none', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'rlstudio-health-'));
  try {
    for (const id of ['sick', 'healthy']) mkdirSync(path.join(root, id));
    const sick = path.join(root, 'sick', 'events.jsonl');
    writeFileSync(sick, [runStarted(), ...Array.from({ length: 25 }, (_, i) => zeroReward(i + 1))].join('\n') + '\n');
    writeFileSync(path.join(root, 'healthy', 'events.jsonl'), [runStarted(), JSON.stringify({ type: 'metrics', time: T0 + 1, step: 1, metrics: { reward: 0.5 } }), finished(1)].join('\n') + '\n');
    const store = new RunStore({ roots: [root], pollIntervalMs: 0 });
    await store.refresh();
    let scans = 0;
    const counting = { getMetricSeries: (id: string) => { scans++; return store.getMetricSeries(id); } };
    const cache = new RunHealthCache(counting, DEFAULT_HEALTH_THRESHOLDS);

    const alerts = cache.alertsFor(store.getRun('sick')!);
    assert.deepEqual(alerts.map((a) => a.code), ['nonfinite_step', 'reward_stuck_zero', 'reward_zero_std']);
    assert.ok(alerts.every((a) => a.hint.length > 10), 'every alert says what to try');
    assert.deepEqual(healthBadge(alerts), { level: 'error', text: '⛔ 3', label: '3 health alerts' });
    assert.equal(runAccessibleLabel(store.getRun('sick')!, healthBadge(alerts)!.label), 'Run sick, unknown, step 25/100, reward 0.000, 3 health alerts, 0 checkpoints');
    assert.equal(healthBadge(cache.alertsFor(store.getRun('healthy')!)), undefined);

    // Tree redraws without a change reuse the result.
    const before = scans;
    cache.alertsFor(store.getRun('sick')!);
    cache.alertsFor(store.getRun('sick')!);
    assert.equal(scans, before);

    // A trainer alert is a new fact: recomputed, and it joins the list.
    appendFileSync(sick, JSON.stringify({ type: 'alert', time: T0 + 30, step: 25, level: 'warning', code: 'cpu_only', message: 'no GPU', hint: 'install CUDA torch' }) + '\n');
    await store.refresh();
    const withTrainer = cache.alertsFor(store.getRun('sick')!);
    assert.equal(scans, before + 1);
    assert.ok(withTrainer.some((a) => a.code === 'cpu_only' && a.source === 'trainer'));

    // Thresholds are settings: raising the zero-reward window clears that alert.
    cache.setThresholds(resolveThresholds({ rewardZeroSteps: 100 }));
    assert.ok(!cache.alertsFor(store.getRun('sick')!).some((a) => a.code === 'reward_stuck_zero'));
    assert.equal(healthBadge(withTrainer.filter((a) => a.level === 'warning'))?.text, '⚠ 3');
    assert.equal(healthBadge([{ ...withTrainer[0], level: 'info' }]), undefined, 'info alone earns no badge');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
