// The typed messages between the extension-side panel hosts and the webviews. Imported by both sides, so it must
// stay free of DOM and `vscode` types. Every webview posts `ready` once its listeners are in place; the host sends
// nothing before that (and re-sends a full snapshot on every `ready`, because a hidden webview may be rebuilt).
import type { Sample } from '../schemas/generated/trainerEvent';
import type { SampleSource } from '../extension/runs/types';

export type { SampleSource };

export type RunStatus = 'running' | 'completed' | 'stopped' | 'failed' | 'unknown';

/** One metric's points in step order; null where the trainer wrote a non-finite value. */
export interface SeriesData {
  steps: number[];
  values: (number | null)[];
}

/** What the dashboard header shows about a run (a serialisable slice of the RunStore's RunSummary). */
export interface RunHeader {
  id: string;
  status: RunStatus;
  step: number;
  maxSteps: number | null;
  algorithm: string | null;
  model: string | null;
  device: string | null;
  /** Unix seconds. */
  startedAt: number | null;
  finishedAt: number | null;
  lastEventAt: number | null;
  /** Selected resolved-config values, as label/value pairs in reading order. */
  configSummary: [string, string][];
  hasConfig: boolean;
  error: string | null;
  /** The supervised warm start's progress; null for a run without one. */
  warmStart: { step: number; steps: number; finished: boolean } | null;
  /** Seconds per RL step (RL steps only), for the ETA; null before it is known. */
  rlStepSeconds: number | null;
  /** The latest (for a finished run: the final) mean reward. */
  reward: number | null;
  /** The best evaluation result so far, as the trainer's best checkpoint names it. */
  bestEval: { metric: string; value: number; step: number } | null;
}

export type AlertLevel = 'info' | 'warning' | 'error';

export interface HealthAlert {
  /** Stable identifier (e.g. kl_spike); trainer-emitted alerts keep the trainer's code. */
  code: string;
  level: AlertLevel;
  message: string;
  hint: string;
  /** Step the condition was seen at, when it belongs to one. */
  step: number | null;
  source: 'health' | 'trainer';
}

export interface DashboardRun {
  header: RunHeader;
  series: Record<string, SeriesData>;
  alerts: HealthAlert[];
}

/** One config setting that differs between compared runs: its JSON path and each run's value as JSON text (null:
 * not set in that run's config). */
export interface ConfigDifference {
  path: string;
  values: (string | null)[];
}

export type ToDashboard =
  /** Full snapshot: replaces everything the webview holds. configDiff: when comparing, what differs (runs' order). */
  | { type: 'init'; runs: DashboardRun[]; configDiff?: ConfigDifference[] }
  /** New points of one run, appended after the last point the webview has. */
  | { type: 'append'; runId: string; series: Record<string, SeriesData> }
  | { type: 'header'; header: RunHeader }
  | { type: 'alerts'; runId: string; alerts: HealthAlert[] }
  /** Answer to exportPng. */
  | { type: 'exported'; fileName: string; ok: boolean; message: string };

export type FromDashboard =
  | { type: 'ready' }
  | { type: 'openConfig'; runId: string }
  | { type: 'openSamples'; runId: string }
  /** dataUrl: a data:image/png;base64 URL of one chart. */
  | { type: 'exportPng'; fileName: string; dataUrl: string };

/** What the samples viewer offers: the steps with training samples and with eval samples, and what the run's
 * config says about logging them (for an honest empty state). */
export interface SampleSteps {
  runId: string;
  steps: number[];
  evalSteps: number[];
  running: boolean;
  /** logging.log_completions and logging.completions_steps of the run's config; null when unknown. */
  logCompletions: boolean | null;
  completionsSteps: number | null;
}

export type ToSamples =
  | ({ type: 'init' } & SampleSteps)
  | ({ type: 'steps' } & SampleSteps)
  /** samples is empty when the step has none (e.g. it was read from a truncated file). */
  | { type: 'samples'; runId: string; step: number; source: SampleSource; samples: Sample[] };

export type FromSamples = { type: 'ready' } | { type: 'requestSamples'; step: number; source: SampleSource };

/** UI state a webview keeps with setState; the extension's serializer reads runIds back after a window reload. */
export interface PanelStateBase {
  runIds: string[];
}

const dashboardTypes = new Set(['init', 'append', 'header', 'alerts', 'exported']);
const samplesTypes = new Set(['init', 'steps', 'samples']);

function hasType(data: unknown, types: Set<string>): boolean {
  return typeof data === 'object' && data !== null && types.has(String((data as { type?: unknown }).type));
}

/** The webview ignores anything that is not one of its messages (other extensions cannot post here, but a stray
 * window message from a dev tool could). */
export function isToDashboard(data: unknown): data is ToDashboard {
  return hasType(data, dashboardTypes);
}
export function isToSamples(data: unknown): data is ToSamples {
  return hasType(data, samplesTypes);
}

export const DASHBOARD_VIEW_TYPE = 'rlstudio.dashboard';
export const SAMPLES_VIEW_TYPE = 'rlstudio.samples';
