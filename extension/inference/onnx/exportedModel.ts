// A folder written by `python -m rlstudio export-onnx` opened for decoding in the extension host: model.onnx in an
// onnxruntime-node session (CPU), tokenizer.json through @huggingface/tokenizers, onnx_config.json for the cache
// shapes and stop tokens. Everything the folder must hold is checked on open, and a graph that is not such an
// export is refused with words the panel shows (use the PyTorch backend), never a crash of the editor.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { Tokenizer } from '@huggingface/tokenizers';
import { BackendError } from '../backend';
import type { KvStep } from './decodeLoop';

/** onnx_config.json: what export-onnx wrote beside the graph. */
export interface ExportInfo {
  checkpoint: string;
  kind: 'full' | 'lora';
  layers: number;
  kv_heads: number;
  head_dim: number;
  vocab_size: number;
  eos_token_ids: number[];
  pad_token_id: number | null;
  max_position_embeddings: number | null;
  /** The run config's `data` block (system prompt, chat template mode), null outside a run. */
  data: { system_prompt?: string | null; chat_template?: string | null } | null;
  /** Parameter count (exports older than this field lack it). */
  parameters?: number;
}

type Cache = Record<string, Ort.Tensor>;

export class ExportedModel {
  private constructor(readonly dir: string, readonly info: ExportInfo, readonly hasChatTemplate: boolean,
    private readonly session: Ort.InferenceSession, private readonly tokenizer: Tokenizer,
    private readonly cleanUpSpaces: boolean, private readonly ort: typeof Ort) {}

  static async open(dir: string, opts: { threads?: number } = {}): Promise<ExportedModel> {
    const file = (name: string): string => {
      const f = path.join(dir, name);
      if (!existsSync(f)) throw new BackendError(`${f} is missing: this is not a complete export-onnx folder`);
      return f;
    };
    const info = checkInfo(readJson(file('onnx_config.json')), path.join(dir, 'onnx_config.json'));
    const tokenizerConfig = existsSync(path.join(dir, 'tokenizer_config.json')) ? readJson(path.join(dir, 'tokenizer_config.json')) as Record<string, unknown> : {};
    const { Tokenizer: TokenizerClass } = await import('@huggingface/tokenizers');
    let tokenizer: Tokenizer;
    try {
      tokenizer = new TokenizerClass(readJson(file('tokenizer.json')) as object, tokenizerConfig);
    } catch (e) {
      throw new BackendError(`${path.join(dir, 'tokenizer.json')}: the editor's tokenizer cannot read it (${(e as Error).message}); use the PyTorch (serve) backend`);
    }
    const ort = loadRuntime();
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(file('model.onnx'), {
        executionProviders: ['cpu'], ...(opts.threads ? { intraOpNumThreads: opts.threads, interOpNumThreads: 1 } : {}),
      });
    } catch (e) {
      throw new BackendError(`${path.join(dir, 'model.onnx')}: onnxruntime cannot load it (${(e as Error).message})`);
    }
    const want = ['input_ids', 'attention_mask', 'position_ids', ...cacheNames(info.layers, 'past')];
    const missing = want.filter((n) => !session.inputNames.includes(n));
    if (missing.length || !session.outputNames.includes('logits')) {
      await session.release();
      throw new BackendError(`${path.join(dir, 'model.onnx')} is not an RL Studio decoder export (inputs ${session.inputNames.join(', ')}); ` +
        'export it again with `python -m rlstudio export-onnx`, or use the PyTorch (serve) backend');
    }
    const chatTemplate = typeof tokenizerConfig.chat_template === 'string' || existsSync(path.join(dir, 'chat_template.jinja'));
    return new ExportedModel(dir, info, chatTemplate, session, tokenizer, tokenizerConfig.clean_up_tokenization_spaces === true, ort);
  }

  /** Token ids of a rendered prompt, without special tokens (serve's encode_prompt). */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** Text of answer tokens, special tokens left out (serve's tokenizer.decode(..., skip_special_tokens=True)). */
  decode(ids: number[]): string {
    return this.tokenizer.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: this.cleanUpSpaces });
  }

  readonly step: KvStep<Cache> = async (ids, positions, length, past) => {
    const { Tensor } = this.ort;
    const { layers, kv_heads: heads, head_dim: dim } = this.info;
    const int64 = (values: number[]): Ort.Tensor => new Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
    const empty = (): Ort.Tensor => new Tensor('float32', new Float32Array(0), [1, heads, 0, dim]);
    const feeds: Cache = { input_ids: int64(ids), attention_mask: int64(new Array<number>(length).fill(1)), position_ids: int64(positions) };
    const names = cacheNames(layers, 'past');
    const presents = cacheNames(layers, 'present');
    names.forEach((n, i) => { feeds[n] = past ? past[presents[i]] : empty(); });
    const out = await this.session.run(feeds);
    const logits = out.logits;
    const vocab = logits.dims[2];
    const data = logits.data as Float32Array;
    const next: Cache = {};
    for (const n of presents) next[n] = out[n];
    return { logits: data.slice(data.length - vocab), past: next };
  };

  dispose(): Promise<void> {
    return this.session.release();
  }
}

export function cacheNames(layers: number, prefix: 'past' | 'present'): string[] {
  return Array.from({ length: layers }, (_, i) => [`${prefix}.${i}.key`, `${prefix}.${i}.value`]).flat();
}

/** onnxruntime-node's native binding, loaded on first use (activation never pays for it). */
function loadRuntime(): typeof Ort {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('onnxruntime-node') as typeof Ort;
  } catch (e) {
    throw new BackendError(`The ONNX runtime does not load on this machine (${process.platform}-${process.arch}: ${(e as Error).message.split('\n')[0]}); use the PyTorch (serve) backend`);
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BackendError(`${file}: ${(e as Error).message}`);
  }
}

function checkInfo(raw: unknown, file: string): ExportInfo {
  const o = (raw ?? {}) as Record<string, unknown>;
  const bad = (key: string, want: string): never => { throw new BackendError(`${file}: $.${key} must be ${want}`); };
  for (const key of ['layers', 'kv_heads', 'head_dim', 'vocab_size']) {
    if (!Number.isInteger(o[key]) || (o[key] as number) < 1) bad(key, 'a positive integer');
  }
  if (!Array.isArray(o.eos_token_ids) || !o.eos_token_ids.every(Number.isInteger)) bad('eos_token_ids', 'a list of token ids');
  if (o.max_position_embeddings != null && !Number.isInteger(o.max_position_embeddings)) bad('max_position_embeddings', 'an integer or null');
  if (o.kind !== 'full' && o.kind !== 'lora') bad('kind', '"full" or "lora"');
  if (o.data != null && typeof o.data !== 'object') bad('data', 'an object or null');
  return o as unknown as ExportInfo;
}
