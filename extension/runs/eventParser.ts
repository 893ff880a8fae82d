// Turns one line of events.jsonl into a TrainerEvent, or says why it is not one. The check is structural (the
// fields the RunStore relies on), not a full schema validation: it runs for every line of files with millions of lines.
// The event types it accepts, and which of them need a step, are read from the schema itself, so an event type the
// trainer gains is accepted without a second list to update here.
import type { TrainerEvent } from '../../schemas/generated/trainerEvent';
import eventSchema from '../../schemas/trainer-event.schema.json';

export type ParsedLine = { ok: true; event: TrainerEvent } | { ok: false; reason: string };

interface EventVariant { required?: string[]; properties: { type: { const: TrainerEvent['type'] } } }
const schema = eventSchema as unknown as { oneOf: { $ref: string }[]; definitions: Record<string, EventVariant> };
const VARIANTS = schema.oneOf.map((r) => schema.definitions[r.$ref.replace('#/definitions/', '')]);
/** Every `type` of schemas/trainer-event.schema.json's oneOf. */
export const EVENT_TYPES: ReadonlySet<string> = new Set(VARIANTS.map((v) => v.properties.type.const));
const STEP_REQUIRED: ReadonlySet<string> = new Set(VARIANTS.filter((v) => v.required?.includes('step')).map((v) => v.properties.type.const));

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
  if (!EVENT_TYPES.has(o.type)) return { ok: false, reason: `unknown event type "${o.type}"` };
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
