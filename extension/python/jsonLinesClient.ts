// A client for a long-lived worker that speaks JSON lines over stdio: each request gets an id, replies are matched to
// requests by id (in any order), a request that gets no reply in time kills the worker (it may be stuck in code that
// cannot be interrupted) and the next request starts a fresh one. A worker that dies fails its pending requests with
// its last stderr lines; it never takes the caller down. No `vscode` import.
import { ChildLines, type ProcessExit, type ProcessSpec } from './childProcess';

export interface JsonLinesClientOptions {
  /** Milliseconds a request may wait for its reply (default for `request`). */
  timeoutMs: number;
  /** stderr lines and stdout lines that are not replies (for a log). */
  onLog?: (line: string, stream: 'stdout' | 'stderr') => void;
  onExit?: (exit: ProcessExit, pid: number | undefined) => void;
  /** Lines of stderr kept to explain an unexpected exit. */
  keepStderrLines?: number;
  /** How a request is written (default {id, method, params}); the id may be written as a string. */
  encode?: (id: number, method: string, params: unknown) => unknown;
  /** False for a reply that is not the request's last (a streamed token, progress): it goes to the request's
   * onUpdate and restarts its timeout. Default: every reply is final. */
  isFinal?: (reply: Record<string, unknown>) => boolean;
}

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Replies before the final one (see JsonLinesClientOptions.isFinal). */
  onUpdate?: (reply: Record<string, unknown>) => void;
  /** On abort, ask the worker to stop this request (it then sends its final reply) instead of restarting it. */
  cancel?: (id: number) => void;
}

export class WorkerError extends Error {
  constructor(message: string, readonly kind: 'timeout' | 'exited' | 'cancelled' | 'not-started') {
    super(message);
  }
}

interface Pending {
  resolve: (reply: Record<string, unknown>) => void;
  reject: (err: WorkerError) => void;
  timer: NodeJS.Timeout;
  method: string;
  onUpdate?: (reply: Record<string, unknown>) => void;
  rearm: () => void;
}

export class JsonLinesClient {
  private child: ChildLines | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stderrTail: string[] = [];
  private disposed = false;
  private starts = 0;

  constructor(private readonly spec: () => ProcessSpec, private readonly options: JsonLinesClientOptions) {}

  /** How many processes this client started (1 while the first one lives). */
  get processStarts(): number {
    return this.starts;
  }

  get pid(): number | undefined {
    return this.child?.running ? this.child.pid : undefined;
  }

  /** Starts the worker now, so that the first request does not pay for its start-up. */
  warm(): void {
    this.ensureStarted();
  }

  /**
   * Sends {id, method, params} and resolves with the reply object (whatever the worker put beside the id). Rejects
   * with a WorkerError on timeout, cancellation or the worker's exit.
   */
  request(method: string, params?: unknown, opts: RequestOptions = {}): Promise<Record<string, unknown>> {
    if (this.disposed) return Promise.reject(new WorkerError('the worker client was disposed', 'not-started'));
    const child = this.ensureStarted();
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(entry.timer);
        this.pending.delete(id);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        if (opts.cancel && this.pending.has(id)) return opts.cancel(id);
        finish();
        reject(new WorkerError(`${method} was cancelled; the worker was restarted`, 'cancelled'));
        this.restart(child);
      };
      const arm = (): NodeJS.Timeout => setTimeout(() => {
        entry.reject(new WorkerError(`${method} got no reply within ${(timeoutMs / 1000).toFixed(1)} s; the worker was stopped and will restart`, 'timeout'));
        this.restart(child);
      }, timeoutMs);
      const entry: Pending = {
        method,
        onUpdate: opts.onUpdate,
        resolve: (reply) => { finish(); resolve(reply); },
        reject: (err) => { finish(); reject(err); },
        timer: arm(),
        rearm: () => { clearTimeout(entry.timer); entry.timer = arm(); },
      };
      this.pending.set(id, entry);
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      // a worker that failed to start or just died reports that through its exit, which fails this request
      const message = this.options.encode ? this.options.encode(id, method, params) : { id, method, params };
      child.write(JSON.stringify(message) + '\n');
    });
  }

  /** Writes one line to the running worker without waiting for a reply (a cancel); false when none runs. */
  notify(message: unknown): boolean {
    if (!this.child?.running) return false;
    this.child.write(JSON.stringify(message) + '\n');
    return true;
  }

  /** Ends the worker: stdin closed (it exits on its own), then killed if it lingers. */
  async dispose(graceMs = 2000): Promise<void> {
    this.disposed = true;
    const child = this.child;
    this.child = undefined;
    this.failAll(new WorkerError('the worker client was disposed', 'cancelled'));
    if (!child?.running) return;
    child.endInput();
    const timer = setTimeout(() => void child.kill(), graceMs);
    await child.exited;
    clearTimeout(timer);
  }

  private ensureStarted(): ChildLines {
    if (this.child?.running) return this.child;
    this.stderrTail = [];
    this.starts++;
    const child = new ChildLines(this.spec(), { stdin: true, onLine: (line, stream) => this.onLine(child, line, stream) });
    this.child = child;
    void child.exited.then((exit) => {
      this.options.onExit?.(exit, child.pid);
      if (this.child !== child) return; // a replaced worker's exit concerns no current request
      this.child = undefined;
      const why = exit.spawnError ? `could not start: ${exit.spawnError.message}` : this.exitText(exit);
      this.failAll(new WorkerError(`the worker ${why}`, 'exited'));
    });
    return child;
  }

  private onLine(child: ChildLines, line: string, stream: 'stdout' | 'stderr'): void {
    if (stream === 'stderr') {
      this.stderrTail.push(line);
      if (this.stderrTail.length > (this.options.keepStderrLines ?? 20)) this.stderrTail.shift();
      this.options.onLog?.(line, stream);
      return;
    }
    let reply: unknown;
    try {
      reply = JSON.parse(line);
    } catch {
      this.options.onLog?.(line, stream);
      return;
    }
    const id = (reply as { id?: unknown } | null)?.id;
    const key = typeof id === 'number' ? id : typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : undefined;
    const entry = key !== undefined && this.child === child ? this.pending.get(key) : undefined;
    const record = reply as Record<string, unknown>;
    if (!entry) this.options.onLog?.(line, stream);
    else if (this.options.isFinal && !this.options.isFinal(record)) {
      entry.rearm();
      entry.onUpdate?.(record);
    } else entry.resolve(record);
  }

  private restart(child: ChildLines): void {
    if (this.child === child) this.child = undefined;
    this.failAll(new WorkerError('the worker was restarted while this request waited', 'cancelled'));
    void child.kill();
  }

  private failAll(err: WorkerError): void {
    for (const entry of [...this.pending.values()]) entry.reject(err);
  }

  private exitText(exit?: ProcessExit): string {
    const how = exit ? (exit.signal ? `was ended by ${exit.signal}` : `exited with code ${exit.code}`) : 'is gone';
    const tail = this.stderrTail.slice(-5).join('\n');
    return tail ? `${how}; its last output:\n${tail}` : how;
  }
}
