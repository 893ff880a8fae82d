// Validates a *.rlstudio.json text against schemas/run-config.schema.json (the same schema the trainer and the
// editor's jsonValidation use) and maps every problem to a position in the text via its JSON path. What the schema
// cannot express (files, reward references, dataset records) is the trainer's to check: trainerValidation.ts.
// No `vscode` import.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parseTree, findNodeAtLocation, printParseErrorCode, getNodeValue, type Node, type ParseError } from 'jsonc-parser';
import type { RunConfig } from '../../schemas/generated/runConfig';
import schema from '../../schemas/run-config.schema.json';

export interface TextRange {
  /** 0-based */
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

export interface ConfigProblem {
  /** JSON path of the offending value, e.g. $.training.max_steps or $.data.datasets[0].path */
  jsonPath: string;
  message: string;
  range: TextRange;
  severity: 'error' | 'warning';
}

export interface ConfigValidation {
  problems: ConfigProblem[];
  /** The parsed config when the text is JSON (even if it has schema problems). */
  config: RunConfig | undefined;
}

let validator: ValidateFunction | undefined;
function getValidator(): ValidateFunction {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(schema);
  return validator;
}

export function validateConfigText(text: string): ConfigValidation {
  const lines = lineStarts(text);
  const at = (offset: number, length: number): TextRange => rangeOf(lines, offset, length);
  const parseErrors: ParseError[] = [];
  const root = parseTree(text, parseErrors, { allowTrailingComma: false, disallowComments: true });
  const problems: ConfigProblem[] = parseErrors.map((e) => ({
    jsonPath: '$', message: syntaxMessage(printParseErrorCode(e.error)), range: at(e.offset, Math.max(e.length, 1)),
    severity: 'error' as const,
  }));
  if (!root || parseErrors.length) return { problems, config: undefined };
  const config = getNodeValue(root) as RunConfig;

  const validate = getValidator();
  if (!validate(config)) {
    for (const err of pickErrors(validate.errors ?? [])) problems.push(schemaProblem(err, root, at));
  }
  return { problems, config };
}

const SYNTAX_WORDS: Record<string, string> = {
  InvalidSymbol: 'an invalid character here', InvalidNumberFormat: 'a malformed number',
  PropertyNameExpected: 'a property name in double quotes was expected', ValueExpected: 'a value was expected',
  ColonExpected: "a ':' was expected after the property name", CommaExpected: "a ',' was expected between entries",
  CloseBraceExpected: "a closing '}' was expected", CloseBracketExpected: "a closing ']' was expected",
  EndOfFileExpected: 'unexpected text after the end of the JSON value', InvalidCommentToken: 'comments are not allowed in a run config',
  UnexpectedEndOfComment: 'an unterminated comment', UnexpectedEndOfString: 'an unterminated string (a missing closing quote)',
  UnexpectedEndOfNumber: 'a number that ends too early', InvalidUnicode: 'an invalid \\u escape',
  InvalidEscapeCharacter: 'an invalid escape sequence in a string', InvalidCharacter: 'a control character inside a string',
};

/** "ColonExpected" -> "JSON syntax error: a ':' was expected after the property name". */
export function syntaxMessage(code: string): string {
  return `JSON syntax error: ${SYNTAX_WORDS[code] ?? code}`;
}

/** "file:line: $.path: message", the trainer's `validate` format. */
export function formatProblem(file: string, p: ConfigProblem): string {
  return `${file}:${p.range.startLine + 1}: ${p.jsonPath}: ${p.message}`;
}

/** oneOf/anyOf produce one error per branch; keep the most specific message per path. */
function pickErrors(errors: ErrorObject[]): ErrorObject[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const key = e.instancePath + (e.keyword === 'additionalProperties' ? `/${(e.params as { additionalProperty: string }).additionalProperty}` : '');
    byPath.set(key, [...(byPath.get(key) ?? []), e]);
  }
  const out: ErrorObject[] = [];
  for (const list of byPath.values()) {
    const specific = list.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
    out.push(...(specific.length ? dedupe(specific) : list.slice(0, 1)));
  }
  return out;
}

function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.keyword}:${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function schemaProblem(err: ErrorObject, root: Node, at: (o: number, l: number) => TextRange): ConfigProblem {
  const segments = err.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  let message = err.message ?? 'invalid';
  let target = findNodeAtLocation(root, segments) ?? root;
  if (err.keyword === 'additionalProperties') {
    const name = (err.params as { additionalProperty: string }).additionalProperty;
    message = `unknown property "${name}"`;
    const valueNode = findNodeAtLocation(root, [...segments, name]);
    if (valueNode?.parent?.children?.[0]) target = valueNode.parent.children[0];
    segments.push(name);
  } else if (err.keyword === 'required') {
    message = `missing required property "${(err.params as { missingProperty: string }).missingProperty}"`;
    // point at the key of the object that lacks it (or the opening brace of the root)
    if (target.parent?.type === 'property' && target.parent.children?.[0]) target = target.parent.children[0];
    else target = { ...target, length: 1 };
  } else if (err.keyword === 'enum') {
    message += `: ${((err.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { jsonPath: toJsonPath(segments), message, range: at(target.offset, target.length), severity: 'error' };
}

export function toJsonPath(segments: (string | number)[]): string {
  return '$' + segments.map((s) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join('');
}

export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

export function rangeOf(starts: number[], offset: number, length: number): TextRange {
  const pos = (o: number): [number, number] => {
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= o) lo = mid; else hi = mid - 1;
    }
    return [lo, o - starts[lo]];
  };
  const [sl, sc] = pos(offset);
  const [el, ec] = pos(offset + length);
  return { startLine: sl, startCharacter: sc, endLine: el, endCharacter: ec };
}
