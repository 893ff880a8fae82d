// The dashboard header's config summary: the usual keys, plus TRL 1.16 settings only when set away from their default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSummary } from '../../extension/panels/runHeader';

const base = { training: { learning_rate: 1e-6, seed: 42 }, grpo: { num_generations: 8, loss_type: 'dapo',
  dynamic_sampling: false, entropy_coef: 0, use_adaptive_entropy: false, sync_ref_model: false,
  steps_per_generation: null, generation_batch_size: null, multi_objective_aggregation: 'sum_then_normalize' } };

test('settings at their default stay out of the header', () => {
  const labels = configSummary(base).map(([label]) => label);
  assert.deepEqual(labels, ['lr', 'generations', 'loss', 'seed']);
});

test('settings that change what a step trains on show when set', () => {
  const config = { ...base, grpo: { ...base.grpo, dynamic_sampling: true, entropy_coef: 0.01, steps_per_generation: 4,
    multi_objective_aggregation: 'normalize_then_sum', sync_ref_model: true }, sampling: { min_p: 0.05 } };
  const shown = Object.fromEntries(configSummary(config));
  assert.equal(shown['dynamic sampling'], 'true');
  assert.equal(shown['entropy coef'], '0.01');
  assert.equal(shown['steps/generation'], '4');
  assert.equal(shown['aggregation'], 'normalize_then_sum');
  assert.equal(shown['sync ref'], 'true');
  assert.equal(shown['min_p'], '0.05');
  assert.equal(shown['adaptive entropy'], undefined);
});
