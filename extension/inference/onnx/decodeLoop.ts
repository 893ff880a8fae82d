// One answer from a decoder with a KV cache, token by token, by serve's rules (trainer/rlstudio/serve/decoding.py):
// the prompt in one pass at positions 0..n-1, then each new token alone at the next position with the cache of
// everything before it; stop at an end-of-sequence token (not part of the answer), at maxTokens, or when cancelled
// between tokens. The graph itself is behind `KvStep`, so this loop needs no runtime and plain tests can drive it.
import { performance } from 'node:perf_hooks';
import type { Sampler } from './sampling';

/** Runs the graph on `ids` (new tokens) at `positions`, after `past` (null: none yet); `length` counts past and new
 * tokens together (the attention mask's width). Returns the logits of the last new token and the grown cache. */
export type KvStep<Cache> = (ids: number[], positions: number[], length: number, past: Cache | null) =>
  Promise<{ logits: Float32Array; past: Cache }>;

export interface DecodeRequest {
  promptIds: number[];
  maxTokens: number;
  eosIds: readonly number[];
  next: Sampler;
  signal?: AbortSignal;
  onToken?: (token: number) => void;
}

export interface Decoded {
  tokenIds: number[];
  finishReason: 'stop' | 'length' | 'cancelled';
  /** From the start of the prompt pass to the first picked token. */
  firstTokenSeconds: number | null;
}

export async function decode<Cache>(step: KvStep<Cache>, req: DecodeRequest): Promise<Decoded> {
  const started = performance.now();
  const n = req.promptIds.length;
  const stops = new Set(req.eosIds);
  const tokenIds: number[] = [];
  let firstTokenSeconds: number | null = null;
  let out = await step(req.promptIds, req.promptIds.map((_, i) => i), n, null);
  for (let i = 0; i < req.maxTokens; i++) {
    if (req.signal?.aborted) return { tokenIds, finishReason: 'cancelled', firstTokenSeconds };
    const token = req.next(out.logits);
    firstTokenSeconds ??= (performance.now() - started) / 1000;
    if (stops.has(token)) return { tokenIds, finishReason: 'stop', firstTokenSeconds };
    tokenIds.push(token);
    req.onToken?.(token);
    if (tokenIds.length >= req.maxTokens) break;
    out = await step([token], [n + i], n + i + 1, out.past);
  }
  return { tokenIds, finishReason: 'length', firstTokenSeconds };
}
