// Everything the editor knows about one run, folded from its events in file order. Metric values live in compact
// series; samples events are remembered only as byte ranges of events.jsonl and read back on demand.
import type { TrainerEvent, AlertEvent, CheckpointEvent } from '../../schemas/generated/trainerEvent';
import type { RunConfig } from '../../schemas/generated/runConfig';
import type { MetricSeries, RunStatus, RunSummary, SampleSource, WarmStartProgress, BestEval } from './types';
import { CompactSeries } from './compactSeries';
import { metricPrefixOf, metricValue, seriesName } from './metricNames';

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
  private readonly samples: Record<SampleSource, Map<number, SampleRef>> = { train: new Map(), eval: new Map() };
  private warmStart: WarmStartProgress | null = null;
  /** The first and the latest RL metrics event of the current trainer process (step, Unix ms): the RL pace. */
  private rlPace: { first: { step: number; time: number }; last: { step: number; time: number } } | null = null;
  private bestEval: BestEval | null = null;
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
        this.rlPace = null;
        break;
      case 'resumed':
        this.finished = null;
        this.pid = event.pid ?? null;
        this.step = event.step;
        this.rlPace = null;
        for (const s of this.series.values()) s.truncateAfter(event.step);
        for (const refs of Object.values(this.samples)) for (const step of [...refs.keys()]) if (step > event.step) refs.delete(step);
        break;
      case 'phase':
        if (event.phase === 'warm_start' && typeof event.steps === 'number') {
          const done = event.status === 'finished';
          this.warmStart = { step: done ? event.steps : (this.warmStart?.step ?? 0), steps: event.steps, finished: done };
        }
        break;
      case 'metrics': {
        const prefix = metricPrefixOf(event)!;
        if (event.phase === 'warm_start') {
          if (this.warmStart && !this.warmStart.finished) this.warmStart.step = Math.max(this.warmStart.step, event.step);
        } else {
          this.step = Math.max(this.step, event.step);
          const at = { step: event.step, time: event.time * 1000 };
          this.rlPace = this.rlPace ? { first: this.rlPace.first, last: at } : { first: at, last: at };
        }
        this.addMetrics(prefix, event.step, event.metrics);
        break;
      }
      case 'eval':
        this.addMetrics(metricPrefixOf(event)!, event.step, event.metrics);
        if (event.samples?.length) this.samples.eval.set(event.step, { offset, length });
        break;
      case 'samples':
        this.samples.train.set(event.step, { offset, length });
        break;
      case 'checkpoint': {
        const pruned = new Set(event.pruned ?? []);
        this.checkpoints = this.checkpoints.filter((c) => !pruned.has(c.path) && c.path !== event.path);
        this.checkpoints.push(event);
        if (event.kind === 'best' && event.metric && typeof event.value === 'number') {
          this.bestEval = { metric: event.metric, value: event.value, step: event.step };
        }
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
      const name = seriesName(prefix, rawName);
      const value = metricValue(raw);
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
      warmStart: this.warmStart ? { ...this.warmStart } : null,
      rlStepMs: this.rlStepMs(),
      bestEval: this.bestEval,
    };
  }

  /** Milliseconds per RL step of the current trainer process, from its RL metrics events only (model loading, the
   * warm start and the step-0 eval come before the first of them); the latest step_time until there are two. */
  private rlStepMs(): number | null {
    const pace = this.rlPace;
    if (pace && pace.last.step > pace.first.step) return (pace.last.time - pace.first.time) / (pace.last.step - pace.first.step);
    const stepTime = this.latest.step_time;
    return pace && typeof stepTime === 'number' && stepTime > 0 ? stepTime * 1000 : null;
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

  sampleSteps(source: SampleSource = 'train'): number[] {
    return [...this.samples[source].keys()].sort((a, b) => a - b);
  }

  sampleRef(step: number, source: SampleSource = 'train'): SampleRef | undefined {
    return this.samples[source].get(step);
  }

  /** Bytes held in metric arrays: what grows with the length of the run. */
  seriesBytes(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.byteSize();
    return n;
  }
}
