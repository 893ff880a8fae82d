// Picking the next token from one row of logits, with serve's rules (trainer/rlstudio/serve/decoding.py): temperature
// 0 is greedy (the first of equal maxima, as torch.argmax); otherwise logits / T, then top-k, then the top-p nucleus
// (the most likely token always stays), then one draw. The draw uses its own seeded generator (mulberry32): a seed
// repeats an answer in the editor, but it is not the answer PyTorch's generator gives for that seed.
import { randomInt } from 'node:crypto';

export interface SamplingRule {
  temperature: number;
  topP: number;
  topK: number;
  /** null: a fresh random seed. */
  seed: number | null;
}

export type Sampler = (logits: Float32Array) => number;

export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

export function makeSampler(rule: SamplingRule): Sampler {
  if (rule.temperature === 0) return argmax;
  const random = mulberry32(rule.seed ?? randomInt(2 ** 31));
  return (logits) => draw(keptProbabilities(logits, rule), random());
}

/** (token, probability) of every token that survives temperature, top-k and top-p, most likely first. */
export function keptProbabilities(logits: Float32Array, rule: Pick<SamplingRule, 'temperature' | 'topP' | 'topK'>): Array<[number, number]> {
  const order = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a] || a - b);
  const scaled = order.map((i) => logits[i] / rule.temperature);
  let keep = rule.topK > 0 && rule.topK < order.length ? rule.topK : order.length;
  // top-k keeps every token tied with the k-th (logits < kth are dropped), as serve's masked_fill does
  while (keep < order.length && scaled[keep] === scaled[keep - 1]) keep++;
  let probs = softmax(scaled.slice(0, keep));
  if (rule.topP < 1) {
    let cumulative = 0;
    let nucleus = 0;
    while (nucleus < probs.length && cumulative < rule.topP) cumulative += probs[nucleus++];
    probs = softmax(scaled.slice(0, Math.max(1, nucleus)));
  }
  return probs.map((p, i) => [order[i], p]);
}

function softmax(values: number[]): number[] {
  const top = values[0];
  const exps = values.map((v) => Math.exp(v - top));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function draw(kept: Array<[number, number]>, u: number): number {
  let cumulative = 0;
  for (const [token, p] of kept) {
    cumulative += p;
    if (u < cumulative) return token;
  }
  return kept[kept.length - 1][0];
}

/** A small seeded generator of uniform numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
