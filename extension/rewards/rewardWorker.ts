// The editor's reward worker: one long-lived `python -m rlstudio rewards worker` per interpreter, so that repeated
// tests do not pay for Python start-up and the torch import. Answers are RewardTestResponses
// (schemas/reward-test.schema.json); a worker that hangs, dies or cannot start becomes a `error` in the response, so
// callers handle one shape. No `vscode` import.
import { JsonLinesClient, WorkerError } from '../python/jsonLinesClient';
import { buildTrainerCommand } from '../trainer/commandLine';
import type { RewardTestRequest, RewardTestResponse, TestError } from '../../schemas/generated/rewardTest';

/**
 * The trainer stops one reward call after timeout_s; the client waits this much longer (start-up, loading the
 * reward file) before it kills the worker, which covers code that swallows the trainer's stop or hangs in C.
 */
const REPLY_GRACE_MS = 60_000;
export const DEFAULT_TIMEOUT_S = 10;

export class RewardWorker {
  private readonly client: JsonLinesClient;

  constructor(readonly python: string, cwd: string, onLog?: (line: string) => void, private readonly replyGraceMs = REPLY_GRACE_MS) {
    this.client = new JsonLinesClient(() => buildTrainerCommand(python, { kind: 'rewards-worker', cwd }), {
      timeoutMs: replyGraceMs,
      onLog: (line) => onLog?.(line),
      onExit: (exit, pid) => onLog?.(`reward worker ${pid ?? ''} ended (code ${exit.code ?? '-'}${exit.signal ? `, ${exit.signal}` : ''})`),
    });
  }

  warm(): void {
    this.client.warm();
  }

  get processStarts(): number {
    return this.client.processStarts;
  }

  /** Runs one test; never rejects (a worker failure comes back as the response's `error`). */
  async test(request: RewardTestRequest, signal?: AbortSignal): Promise<RewardTestResponse> {
    const functions = request.rewards?.length ?? 1;
    const timeoutS = request.timeout_s ?? DEFAULT_TIMEOUT_S;
    // one call per function, and a second round (one sample at a time) after a batch error
    const timeoutMs = this.replyGraceMs + 2 * functions * timeoutS * 1000;
    try {
      const reply = await this.client.request('test', request, { timeoutMs, signal });
      if (reply.result) return reply.result as RewardTestResponse;
      return failed((reply.error as TestError | undefined) ?? { message: `unexpected worker reply: ${JSON.stringify(reply).slice(0, 200)}` });
    } catch (e) {
      const kind = e instanceof WorkerError ? e.kind : 'exited';
      return failed({ message: kind === 'cancelled' ? 'cancelled' : `reward worker: ${(e as Error).message}` });
    }
  }

  dispose(): Promise<void> {
    return this.client.dispose();
  }
}

function failed(error: TestError): RewardTestResponse {
  return { error, functions: [], samples: [] };
}
