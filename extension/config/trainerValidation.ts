// The trainer's own check of a run config (`python -m rlstudio validate --json`, schemas/validation-report.schema.json):
// everything `train` refuses before it loads a model (files, reward references, dataset records, batch arithmetic,
// the model folder), mapped to positions in the editor's text. One place for those rules: the trainer's. No `vscode`.
import { parseTree, findNodeAtLocation, type Node } from 'jsonc-parser';
import type { ValidationReport, ValidationProblem } from '../../schemas/generated/validationReport';
import { lineStarts, rangeOf, type ConfigProblem } from './configValidation';
import { runProcess } from '../python/childProcess';

export function parseValidationReport(stdout: string): ValidationReport | undefined {
  const line = stdout.split('\n').reverse().find((l) => l.trim().startsWith('{'));
  if (!line) return undefined;
  try {
    const report = JSON.parse(line) as ValidationReport;
    return Array.isArray(report.problems) ? report : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The report's problems at their places in `text`. Syntax and schema problems are left out unless asked for: VS Code's
 * JSON language service already shows those for *.rlstudio.json (jsonValidation), and a problem listed twice is noise.
 */
export function problemsFromReport(report: ValidationReport, text: string, opts: { includeSchema?: boolean } = {}): ConfigProblem[] {
  const root = parseTree(text);
  const starts = lineStarts(text);
  return report.problems
    .filter((p) => opts.includeSchema || p.source === 'check')
    .map((p) => ({ jsonPath: p.jsonPath, message: p.message, severity: p.severity, range: placeOf(p, root, starts, text) }));
}

function placeOf(p: ValidationProblem, root: Node | undefined, starts: number[], text: string): ConfigProblem['range'] {
  const node = root ? findNodeAtLocation(root, p.path) : undefined;
  if (node) return rangeOf(starts, node.offset, node.length);
  const lastLine = Math.max(starts.length - (text.endsWith('\n') ? 2 : 1), 0);
  const line = Math.min(Math.max((p.line ?? 1) - 1, 0), lastLine);
  const end = line + 1 < starts.length ? starts[line + 1] - 1 : text.length;
  return rangeOf(starts, starts[line], Math.max(end - starts[line], 1));
}

/** Runs `python -m rlstudio validate --config F --json` (no model load, no user code: about a second). */
export async function runTrainerValidation(python: string, configFile: string, cwd: string, signal?: AbortSignal): Promise<ValidationReport | undefined> {
  const stdout: string[] = [];
  const result = await runProcess({ command: python, args: ['-m', 'rlstudio', 'validate', '--config', configFile, '--json'], cwd },
    { signal, onLine: (line, stream) => stream === 'stdout' && stdout.push(line) });
  if (result.cancelled || result.spawnError) return undefined;
  return parseValidationReport(stdout.join('\n'));
}
