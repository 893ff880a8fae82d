// The ONNX backend's sampling rules against hand-computed values of serve's rules (decoding.py filter_logits):
// greedy takes the first of equal maxima, top-k keeps tokens tied with the k-th, top-p keeps tokens until the mass
// before them reaches p (the most likely always stays), and the rest is renormalised.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmax, keptProbabilities, makeSampler } from '../../extension/inference/onnx/sampling';

const close = (got: Array<[number, number]>, want: Array<[number, number]>): void => {
  assert.deepEqual(got.map(([t]) => t), want.map(([t]) => t));
  got.forEach(([, p], i) => assert.ok(Math.abs(p - want[i][1]) < 1e-6, `p[${i}] ${p} vs ${want[i][1]}`));
};

test('greedy is the first of equal maxima', () => {
  assert.equal(argmax(Float32Array.from([0, 3, 1, 3])), 1);
  assert.equal(makeSampler({ temperature: 0, topP: 0.1, topK: 1, seed: 0 })(Float32Array.from([2, 1, 5])), 2);
});

test('temperature, top-k with ties, and the top-p nucleus', () => {
  const logits = Float32Array.from([Math.log(0.1), Math.log(0.5), Math.log(0.3), Math.log(0.1)]);
  close(keptProbabilities(logits, { temperature: 1, topP: 1, topK: 0 }), [[1, 0.5], [2, 0.3], [0, 0.1], [3, 0.1]]);
  close(keptProbabilities(logits, { temperature: 1, topP: 1, topK: 3 }), [[1, 0.5], [2, 0.3], [0, 0.1], [3, 0.1]]); // 0 and 3 tie at the 3rd
  close(keptProbabilities(logits, { temperature: 1, topP: 1, topK: 2 }), [[1, 0.625], [2, 0.375]]);
  close(keptProbabilities(logits, { temperature: 1, topP: 0.8, topK: 0 }), [[1, 0.625], [2, 0.375]]); // 0.5 < 0.8 keeps the 2nd
  close(keptProbabilities(logits, { temperature: 1, topP: 0.81, topK: 0 }), [[1, 0.5 / 0.9], [2, 0.3 / 0.9], [0, 0.1 / 0.9]]);
  close(keptProbabilities(logits, { temperature: 1, topP: 0.01, topK: 0 }), [[1, 1]]);
  const hot = keptProbabilities(logits, { temperature: 2, topP: 1, topK: 2 });
  close(hot, [[1, Math.sqrt(0.5) / (Math.sqrt(0.5) + Math.sqrt(0.3))], [2, Math.sqrt(0.3) / (Math.sqrt(0.5) + Math.sqrt(0.3))]]);
});

test('a seeded sampler repeats and draws in proportion', () => {
  const logits = Float32Array.from([Math.log(0.2), Math.log(0.8)]);
  const draws = (seed: number) => Array.from({ length: 4000 }, makeSampler({ temperature: 1, topP: 1, topK: 0, seed }).bind(null, logits));
  assert.deepEqual(draws(3), draws(3));
  const ones = draws(3).filter((t) => t === 1).length / 4000;
  assert.ok(Math.abs(ones - 0.8) < 0.03, `token 1 drawn ${ones}`);
});
