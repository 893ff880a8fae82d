// The "ONNX (in editor)" inference backend: checkpoints answer inside the extension host through onnxruntime-node,
// no Python process while answering. A checkpoint is used through its export-onnx folder: one the user made
// (<checkpoint>/onnx, or the export folder itself), else one made once by `python -m rlstudio export-onnx` through
// the process seam and kept under `exportRoot`. Reward scores, dataset prompts and batch runs run Python code, so
// they stay with the PyTorch (serve) backend and are refused here with words that say so. No `vscode` import.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { GeneratedReply, LoadedReply } from '../../../schemas/generated/serveProtocol';
import { runProcess, type ProcessSpec } from '../../python/childProcess';
import { BackendError, type GenerateInput, type InferenceBackend, type LoadSpec } from '../backend';
import { decode } from './decodeLoop';
import { ExportedModel } from './exportedModel';
import { renderPrompt } from './promptRendering';
import { makeSampler } from './sampling';
import { TextStream } from './textStream';

export interface OnnxBackendOptions {
  /** Where exports made by this backend are kept (one folder per checkpoint version). */
  exportRoot: string;
  /** The export-onnx command for a checkpoint into a folder; undefined: no Python, only existing exports load. */
  exportCommand?: (checkpoint: string, out: string) => ProcessSpec;
  /** onnxruntime intra-op threads (0 or undefined: its default). */
  threads?: number;
  onLog?: (line: string) => void;
}

const NEEDS_PYTHON = 'run in Python (the run\'s reward functions); switch rlstudio.inference.backend to "pytorch" for them';

export class OnnxBackend implements InferenceBackend {
  readonly id = 'onnx' as const;
  private readonly models = new Map<string, ExportedModel>();
  /** Exports under way by target folder: A and B picking one checkpoint share one export. */
  private readonly exporting = new Map<string, Promise<string>>();

  constructor(private readonly options: OnnxBackendOptions) {}

  async load(model: string, spec: LoadSpec): Promise<LoadedReply> {
    const started = performance.now();
    const dir = await this.exportFolder(spec.checkpoint);
    const opened = await ExportedModel.open(dir, { threads: this.options.threads });
    await this.unload(model);
    this.models.set(model, opened);
    return {
      id: model, type: 'loaded', model, checkpoint: spec.checkpoint, kind: opened.info.kind, base: null, run_dir: null,
      device: 'cpu (onnxruntime)', dtype: 'float32', parameters: opened.info.parameters ?? 0,
      seconds: (performance.now() - started) / 1000, reward_functions: [], rewards_error: `no reward scores: they ${NEEDS_PYTHON}`,
    };
  }

  async unload(model: string): Promise<void> {
    const had = this.models.get(model);
    this.models.delete(model);
    await had?.dispose();
  }

  async generate(model: string, input: GenerateInput, onText: (text: string) => void, signal?: AbortSignal): Promise<GeneratedReply> {
    const m = this.model(model);
    if ((input.prompt === undefined) === (input.messages === undefined)) throw new BackendError('generate: give either prompt or messages');
    const data = m.info.data ?? {};
    const text = renderPrompt(input.messages ?? input.prompt!, {
      systemPrompt: data.system_prompt ?? null, chatTemplate: (data.chat_template ?? 'auto') as 'auto' | 'always' | 'never',
      tokenizerHasTemplate: m.hasChatTemplate,
    });
    const promptIds = m.encode(text);
    const limit = m.info.max_position_embeddings;
    if (!promptIds.length) throw new BackendError('the prompt is empty');
    if (limit != null && promptIds.length >= limit) {
      throw new BackendError(`the prompt is ${promptIds.length} tokens (${text.length} characters); the model reads at most ${limit} tokens, prompt and answer together`);
    }
    const s = input.sampling ?? {};
    const maxTokens = Math.min(s.max_tokens ?? 128, limit != null ? limit - promptIds.length : Infinity);
    const stream = new TextStream((ids) => m.decode(ids));
    const started = performance.now();
    const done = await decode(m.step, {
      promptIds, maxTokens, eosIds: m.info.eos_token_ids, signal,
      next: makeSampler({ temperature: s.temperature ?? 0, topP: s.top_p ?? 1, topK: s.top_k ?? 0, seed: s.seed ?? null }),
      onToken: (token) => onText(stream.push(token)),
    });
    return {
      id: model, type: 'generated', text: m.decode(done.tokenIds), token_ids: done.tokenIds, finish_reason: done.finishReason,
      prompt_tokens: promptIds.length, completion_tokens: done.tokenIds.length, first_token_seconds: done.firstTokenSeconds,
      seconds: (performance.now() - started) / 1000, batch_size: 1,
    };
  }

  score(): never { throw new BackendError(`Reward scores ${NEEDS_PYTHON}.`); }
  prompts(): never { throw new BackendError(`Dataset prompts are read by the PyTorch (serve) backend; switch rlstudio.inference.backend to "pytorch".`); }
  batch(): never { throw new BackendError(`Batch runs score with the reward functions, which ${NEEDS_PYTHON}.`); }

  async dispose(): Promise<void> {
    await Promise.all([...this.models.keys()].map((m) => this.unload(m)));
  }

  private model(name: string): ExportedModel {
    const m = this.models.get(name);
    if (!m) throw new BackendError(`no checkpoint is loaded as ${name}`);
    return m;
  }

  /** The export folder of a checkpoint, made with export-onnx the first time. */
  private async exportFolder(checkpoint: string): Promise<string> {
    const own = [checkpoint, path.join(checkpoint, 'onnx')].find((d) => existsSync(path.join(d, 'onnx_config.json')));
    if (own) return own;
    const target = path.join(this.options.exportRoot, exportKey(checkpoint));
    if (existsSync(path.join(target, 'onnx_config.json'))) return target;
    const running = this.exporting.get(target) ?? this.runExport(checkpoint, target);
    this.exporting.set(target, running);
    return running.finally(() => this.exporting.delete(target));
  }

  private async runExport(checkpoint: string, target: string): Promise<string> {
    if (!this.options.exportCommand) {
      throw new BackendError(`${checkpoint} has no ONNX export and no Python is set up to make one: run \`python -m rlstudio export-onnx --checkpoint ${checkpoint}\``);
    }
    mkdirSync(this.options.exportRoot, { recursive: true });
    const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
    const r = await runProcess(this.options.exportCommand(checkpoint, tmp), { onLine: (l) => this.options.onLog?.(l), keepLines: 12 });
    if (r.code !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      const why = r.spawnError?.message ?? r.tail.join('\n');
      throw new BackendError(`Exporting ${checkpoint} to ONNX failed (${r.signal ?? `exit ${r.code}`}):\n${why}`);
    }
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target); // complete or absent: a half-written export is never opened
    return target;
  }
}

/** One folder per checkpoint version: its path (or builtin/hub name) and when its files last changed. */
export function exportKey(checkpoint: string): string {
  const where = existsSync(checkpoint) ? path.resolve(checkpoint) : checkpoint;
  let stamp = '';
  if (existsSync(checkpoint) && statSync(checkpoint).isDirectory()) {
    stamp = readdirSync(checkpoint, { withFileTypes: true }).filter((f) => f.isFile())
      .map((f) => `${f.name}:${statSync(path.join(checkpoint, f.name)).mtimeMs}`).sort().join(',');
  }
  const hash = createHash('sha256').update(`${where}\n${stamp}`).digest('hex').slice(0, 16);
  return `${path.basename(where).replace(/[^\w.-]+/g, '_')}-${hash}`;
}
