// The event types the editor accepts come from schemas/trainer-event.schema.json: every type of its oneOf parses
// (with a step where that variant requires one), anything else is refused with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseEventLine, EVENT_TYPES } from '../../extension/runs/eventParser';

const SCHEMA = path.resolve(__dirname, '../../../schemas/trainer-event.schema.json');

test('every event type of the schema is accepted, and only those', () => {
  const schema = JSON.parse(readFileSync(SCHEMA, 'utf8'));
  const variants = schema.oneOf.map((r: { $ref: string }) => schema.definitions[r.$ref.replace('#/definitions/', '')]);
  const types: string[] = variants.map((v: { properties: { type: { const: string } } }) => v.properties.type.const);
  assert.ok(types.length >= 10, `${types.length} types in the schema`);
  assert.deepEqual([...EVENT_TYPES].sort(), [...types].sort());
  for (const v of variants) {
    const type = v.properties.type.const;
    // the fields the parser checks for a few types, so the line is a well-formed event of its kind
    const fields: Record<string, unknown> = { type, time: 1, step: 3, metrics: {}, samples: [], path: 'p', status: 'completed', run_id: 'r' };
    assert.equal(parseEventLine(JSON.stringify(fields)).ok, true, `${type} accepted`);
    const withoutStep = parseEventLine(JSON.stringify({ ...fields, step: undefined }));
    assert.equal(withoutStep.ok, !v.required.includes('step'), `${type}: step required exactly when the schema says so`);
  }
  const unknown = parseEventLine('{"type":"telemetry","time":1}');
  assert.deepEqual(unknown, { ok: false, reason: 'unknown event type "telemetry"' });
});
