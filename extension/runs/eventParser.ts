// Turns one line of events.jsonl into a TrainerEvent, or says why it is not one. The check is structural (the
// fields the RunStore relies on), not a full schema validation: it runs for every line of files with millions of lines.
import type { TrainerEvent } from '../../schemas/generated/trainerEvent';

export type ParsedLine = { ok: true; event: TrainerEvent } | { ok: false; reason: string };

const STEP_REQUIRED = new Set(['metrics', 'samples', 'eval', 'checkpoint', 'run_finished', 'resumed']);
const KNOWN = new Set(['run_started', 'resumed', 'phase', 'metrics', 'samples', 'eval', 'checkpoint', 'alert', 'log',
  'run_finished']);

export function parseEventLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `not JSON (${(e as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not a JSON object' };
  const o = value as Record<string, unknown>;
  if (typeof o.type !== 'string') return { ok: false, reason: 'missing "type"' };
  if (!KNOWN.has(o.type)) return { ok: false, reason: `unknown event type "${o.type}"` };
  if (typeof o.time !== 'number') return { ok: false, reason: `${o.type}: "time" is not a number` };
  if (STEP_REQUIRED.has(o.type) && !(Number.isInteger(o.step) && (o.step as number) >= 0)) {
    return { ok: false, reason: `${o.type}: "step" is not a non-negative integer` };
  }
  if ((o.type === 'metrics' || o.type === 'eval') && (typeof o.metrics !== 'object' || o.metrics === null)) {
    return { ok: false, reason: `${o.type}: "metrics" is not an object` };
  }
  if (o.type === 'samples' && !Array.isArray(o.samples)) return { ok: false, reason: 'samples: "samples" is not an array' };
  if (o.type === 'checkpoint' && typeof o.path !== 'string') return { ok: false, reason: 'checkpoint: "path" is not a string' };
  if (o.type === 'run_finished' && !['completed', 'stopped', 'failed'].includes(o.status as string)) {
    return { ok: false, reason: 'run_finished: "status" is not completed, stopped or failed' };
  }
  if (o.type === 'run_started' && typeof o.run_id !== 'string') return { ok: false, reason: 'run_started: "run_id" is not a string' };
  return { ok: true, event: value as TrainerEvent };
}
