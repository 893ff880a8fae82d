// Everything the editor knows about one run, folded from its events in file order. Metric values live in compact
// series; samples events are remembered only as byte ranges of events.jsonl and read back on demand.
import type { TrainerEvent, AlertEvent, CheckpointEvent } from '../../schemas/generated/trainerEvent';
import type { RunConfig } from '../../schemas/generated/runConfig';
import type { MetricSeries, RunStatus, RunSummary } from './types';
import { CompactSeries } from './compactSeries';

/** Alerts kept per run: the newest ones; a run that alerts every step must not grow without bound. */
const MAX_ALERTS = 200;

export interface SampleRef {
  offset: number;
  length: number;
}

export interface LivenessInfo {
  /** Whether a process with this pid exists on this machine. */
  isPidAlive(pid: number): boolean;
  /** A run whose last event is older than this (ms) and whose process is unknown counts as dead. */
  staleAfterMs: number;
  /** A run whose process is gone and whose last event is older than this (ms) died without its final event; the
   * margin covers a trainer that wrote run_finished and exited between our read of the file and the pid check. */
  exitGraceMs: number;
  /** Unix milliseconds. */
  now(): number;
}

export const EXITED_WITHOUT_FINAL_EVENT = 'trainer exited without a final event (killed or crashed)';

export class RunState {
  private readonly series = new Map<string, CompactSeries>();
  private readonly samples = new Map<number, SampleRef>();
  private finished: { status: RunStatus; time: number; error: string | null } | null = null;
  private pid: number | null = null;
  private step = 0;
  private maxSteps: number | null = null;
  private algorithm: string | null = null;
  private model: string | null = null;
  private device: string | null = null;
  private startedAt: number | null = null;
  private lastEventAt: number | null = null;
  private config: RunConfig | null = null;
  private checkpoints: CheckpointEvent[] = [];
  private alerts: AlertEvent[] = [];
  private readonly latest: Record<string, number | null> = {};
  malformedLines = 0;
  /** Set by whoever launched the trainer in this window: its exit is known exactly. */
  liveProcess: boolean | undefined;

  constructor(readonly id: string, readonly dir: string) {}

  setConfigSnapshot(config: RunConfig): void {
    if (!this.config) this.config = config;
  }

  apply(event: TrainerEvent, offset: number, length: number): void {
    this.lastEventAt = event.time * 1000;
    switch (event.type) {
      case 'run_started':
        this.startedAt = event.time * 1000;
        this.maxSteps = event.max_steps;
        this.algorithm = event.algorithm;
        this.model = event.model ?? ((event.config as unknown as RunConfig).model?.name_or_path ?? null);
        this.device = event.device ?? null;
        this.config = event.config as unknown as RunConfig;
        this.pid = event.pid ?? null;
        this.finished = null;
        break;
      case 'resumed':
        this.finished = null;
        this.pid = event.pid ?? null;
        this.step = event.step;
        for (const s of this.series.values()) s.truncateAfter(event.step);
        for (const step of [...this.samples.keys()]) if (step > event.step) this.samples.delete(step);
        break;
      case 'metrics': {
        const prefix = event.phase === 'warm_start' ? 'warm_start/' : '';
        if (!prefix) this.step = Math.max(this.step, event.step);
        this.addMetrics(prefix, event.step, event.metrics);
        break;
      }
      case 'eval':
        this.addMetrics('eval_', event.step, event.metrics);
        break;
      case 'samples':
        this.samples.set(event.step, { offset, length });
        break;
      case 'checkpoint': {
        const pruned = new Set(event.pruned ?? []);
        this.checkpoints = this.checkpoints.filter((c) => !pruned.has(c.path) && c.path !== event.path);
        this.checkpoints.push(event);
        break;
      }
      case 'alert':
        this.alerts.push(event);
        if (this.alerts.length > MAX_ALERTS) this.alerts.splice(0, this.alerts.length - MAX_ALERTS);
        break;
      case 'run_finished':
        this.step = Math.max(this.step, event.step);
        this.finished = { status: event.status, time: event.time * 1000, error: event.error?.message ?? null };
        for (const [name, value] of Object.entries(event.final_metrics ?? {})) this.latest[name] = value;
        break;
      default:
        break;
    }
  }

  private addMetrics(prefix: string, step: number, metrics: Record<string, number | null>): void {
    for (const [rawName, raw] of Object.entries(metrics)) {
      const name = prefix && !rawName.startsWith(prefix) ? prefix + rawName : rawName;
      const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
      let s = this.series.get(name);
      if (!s) this.series.set(name, (s = new CompactSeries()));
      s.push(step, value);
      this.latest[name] = value;
    }
  }

  status(liveness: LivenessInfo): RunStatus {
    if (this.finished) return this.finished.status;
    const sinceLastEvent = this.lastEventAt === null ? Infinity : liveness.now() - this.lastEventAt;
    // Known exactly when this window launched it; else by the pid the trainer wrote (same host: extensionKind workspace).
    const alive = this.liveProcess ?? (this.pid !== null ? liveness.isPidAlive(this.pid) : undefined);
    if (alive === true) return 'running';
    if (alive === false) return sinceLastEvent < liveness.exitGraceMs ? 'running' : 'failed';
    // No pid (a trainer that does not write one): only the age of the last event tells.
    return sinceLastEvent < liveness.staleAfterMs ? 'running' : 'unknown';
  }

  summary(liveness: LivenessInfo): RunSummary {
    const status = this.status(liveness);
    return {
      id: this.id,
      dir: this.dir,
      status,
      step: this.step,
      maxSteps: this.maxSteps,
      algorithm: this.algorithm,
      model: this.model,
      device: this.device,
      startedAt: this.startedAt,
      finishedAt: this.finished?.time ?? null,
      lastEventAt: this.lastEventAt,
      latest: { ...this.latest },
      config: this.config,
      checkpoints: [...this.checkpoints],
      alerts: [...this.alerts],
      error: this.finished ? this.finished.error : status === 'failed' ? EXITED_WITHOUT_FINAL_EVENT : null,
      malformedLines: this.malformedLines,
    };
  }

  /** The pid of the trainer process named by the last run_started / resumed event. */
  get trainerPid(): number | null {
    return this.pid;
  }

  metricSeries(): Record<string, MetricSeries> {
    const out: Record<string, MetricSeries> = {};
    for (const [name, s] of this.series) out[name] = s.toSeries();
    return out;
  }

  sampleSteps(): number[] {
    return [...this.samples.keys()].sort((a, b) => a - b);
  }

  sampleRef(step: number): SampleRef | undefined {
    return this.samples.get(step);
  }

  /** Bytes held in metric arrays: what grows with the length of the run. */
  seriesBytes(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.byteSize();
    return n;
  }
}
