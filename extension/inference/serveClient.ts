// The editor's side of `python -m rlstudio serve` (schemas/serve-protocol.schema.json) on the one JSON-lines worker
// client: typed requests, streamed tokens, soft cancel (the server stops between tokens and answers), and models
// that come back by themselves: when the process died (killed, crashed), the next request starts a new one and
// loads again what the panel had loaded. No `vscode` import.
import { JsonLinesClient, WorkerError } from '../python/jsonLinesClient';
import type { ProcessSpec } from '../python/childProcess';
import type {
  BatchDoneReply, GeneratedReply, LoadedReply, PromptsReply, Sampling, ScoredReply, ServeReply,
} from '../../schemas/generated/serveProtocol';
import { BackendError, type GenerateInput, type InferenceBackend, type LoadSpec } from './backend';

/** The server answered this request with an error reply (its message is for the user). */
export class ServeError extends BackendError {}

const NOT_FINAL = new Set(['token', 'batch_progress']);
const LOAD_TIMEOUT_MS = 10 * 60_000;

export class ServeClient implements InferenceBackend {
  readonly id = 'pytorch' as const;
  private readonly worker: JsonLinesClient;
  /** What each model name was loaded from, and in which process (processStarts) it lives. */
  private readonly models = new Map<string, LoadSpec & { process: number }>();

  constructor(spec: () => ProcessSpec, opts: { timeoutMs?: number; onLog?: (line: string, stream: 'stdout' | 'stderr') => void } = {}) {
    this.worker = new JsonLinesClient(spec, {
      timeoutMs: opts.timeoutMs ?? 5 * 60_000,
      onLog: opts.onLog,
      encode: (id, type, params) => ({ ...(params as object), id: String(id), type }),
      isFinal: (reply) => !NOT_FINAL.has(String(reply.type)),
    });
  }

  /** The server's pid while one runs. */
  get pid(): number | undefined { return this.worker.pid; }
  get processStarts(): number { return this.worker.processStarts; }

  async load(model: string, spec: LoadSpec): Promise<LoadedReply> {
    const reply = await this.call<LoadedReply>('load', { model, ...spec }, { timeoutMs: LOAD_TIMEOUT_MS });
    this.models.set(model, { ...spec, process: this.worker.processStarts });
    return reply;
  }

  async unload(model: string): Promise<void> {
    const had = this.models.delete(model);
    if (had && this.worker.pid !== undefined) await this.call('unload', { model }).catch(() => undefined);
  }

  async generate(model: string, input: GenerateInput, onText: (text: string) => void, signal?: AbortSignal): Promise<GeneratedReply> {
    await this.ensureLoaded(model);
    return this.call<GeneratedReply>('generate', { model, ...input, stream: true }, {
      signal, onUpdate: (r) => { if (r.type === 'token') onText(String(r.text)); },
    });
  }

  async score(model: string, input: Omit<GenerateInput, 'sampling' | 'score'> & { completions: string[] }): Promise<ScoredReply> {
    await this.ensureLoaded(model);
    return this.call<ScoredReply>('score', { model, ...input });
  }

  async prompts(model: string, limit = 100): Promise<PromptsReply> {
    await this.ensureLoaded(model);
    return this.call<PromptsReply>('prompts', { model, limit });
  }

  async batch(model: string, input: { prompts_file: string; output?: string; sampling?: Sampling; limit?: number },
    onProgress: (done: number, total: number) => void, signal?: AbortSignal): Promise<BatchDoneReply> {
    await this.ensureLoaded(model);
    return this.call<BatchDoneReply>('batch', { model, ...input }, {
      signal, timeoutMs: LOAD_TIMEOUT_MS,
      onUpdate: (r) => { if (r.type === 'batch_progress') onProgress(Number(r.done), Number(r.total)); },
    });
  }

  dispose(): Promise<void> { return this.worker.dispose(); }

  /** A model loaded in a process that has since ended is loaded again in the new one. */
  private async ensureLoaded(model: string): Promise<void> {
    const known = this.models.get(model);
    if (!known) throw new ServeError(`no checkpoint is loaded as ${model}`);
    if (this.worker.pid !== undefined && known.process === this.worker.processStarts) return;
    const { process: _gone, ...spec } = known;
    await this.load(model, spec);
  }

  private async call<R extends ServeReply>(type: string, params: object,
    opts: { timeoutMs?: number; signal?: AbortSignal; onUpdate?: (r: Record<string, unknown>) => void } = {}): Promise<R> {
    const reply = await this.worker.request(type, params, {
      ...opts, cancel: (id) => this.worker.notify({ id: `cancel-${id}`, type: 'cancel', target: String(id) }),
    }) as unknown as ServeReply;
    if (reply.type === 'error') throw new ServeError(reply.message);
    return reply as R;
  }
}

/** A sentence for the panel about why a request got no answer. */
export function describeFailure(e: unknown): string {
  if (e instanceof BackendError) return e.message;
  if (e instanceof WorkerError && e.kind === 'exited') {
    return `The inference process ended (${e.message.replace(/^the worker /, '')}). The next request starts a new one.`;
  }
  return e instanceof Error ? e.message : String(e);
}
