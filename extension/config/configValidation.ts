// Validates a *.rlstudio.json text against schemas/run-config.schema.json (the same schema the trainer and the
// editor's jsonValidation use) and maps every problem to a position in the text via its JSON path. Also reports
// datasets and reward files that do not exist. No `vscode` import.
import * as path from 'node:path';
import { existsSync } from 'node:fs';
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

export function validateConfigText(text: string, configFile: string,
  fileExists: (p: string) => boolean = existsSync): ConfigValidation {
  const lines = lineStarts(text);
  const at = (offset: number, length: number): TextRange => rangeOf(lines, offset, length);
  const parseErrors: ParseError[] = [];
  const root = parseTree(text, parseErrors, { allowTrailingComma: false, disallowComments: true });
  const problems: ConfigProblem[] = parseErrors.map((e) => ({
    jsonPath: '$', message: `JSON syntax: ${printParseErrorCode(e.error)}`, range: at(e.offset, Math.max(e.length, 1)),
    severity: 'error' as const,
  }));
  if (!root || parseErrors.length) return { problems, config: undefined };
  const config = getNodeValue(root) as RunConfig;

  const validate = getValidator();
  if (!validate(config)) {
    for (const err of pickErrors(validate.errors ?? [])) problems.push(schemaProblem(err, root, at));
  }
  if (config && typeof config === 'object') problems.push(...missingFiles(config, configFile, root, at, fileExists));
  return { problems, config };
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

function missingFiles(config: RunConfig, configFile: string, root: Node, at: (o: number, l: number) => TextRange,
  fileExists: (p: string) => boolean): ConfigProblem[] {
  const base = path.dirname(configFile);
  const problems: ConfigProblem[] = [];
  const check = (segments: (string | number)[], rel: string, what: string): void => {
    const abs = path.resolve(base, rel);
    if (fileExists(abs)) return;
    const node = findNodeAtLocation(root, segments);
    problems.push({ jsonPath: toJsonPath(segments), message: `${what} not found: ${abs}`,
      range: node ? at(node.offset, node.length) : at(0, 1), severity: 'error' });
  };
  const datasets = (key: 'data' | 'eval' | 'warm_start'): void => {
    const list = (config as unknown as Record<string, { datasets?: { path?: unknown }[] } | undefined>)[key]?.datasets;
    if (!Array.isArray(list)) return;
    list.forEach((d, i) => {
      if (typeof d?.path === 'string' && d.path) check([key, 'datasets', i, 'path'], d.path, 'dataset');
    });
  };
  datasets('data');
  datasets('eval');
  datasets('warm_start');
  if (Array.isArray(config.rewards)) {
    config.rewards.forEach((r, i) => {
      const fn = typeof r?.function === 'string' ? r.function : '';
      const file = rewardFile(fn);
      if (file) check(['rewards', i, 'function'], file, 'reward file');
    });
  }
  const model = config.model?.name_or_path;
  if (typeof model === 'string' && /^(\.{1,2}[\\/]|\/)/.test(model)) check(['model', 'name_or_path'], model, 'model folder');
  return problems;
}

/** "path/to/file.py:fn" -> "path/to/file.py"; built-ins and malformed values -> undefined. */
export function rewardFile(fn: string): string | undefined {
  if (fn.startsWith('builtin:')) return undefined;
  const colon = fn.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const file = fn.slice(0, colon);
  return /^[A-Za-z]$/.test(file) ? undefined : file; // "C:" alone is a drive letter, not a file
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function rangeOf(starts: number[], offset: number, length: number): TextRange {
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
