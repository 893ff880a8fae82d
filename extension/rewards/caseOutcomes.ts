// What a reward test response means for the cases of a cases file and for the functions in the editor: pass / fail
// per case line with expected vs actual and where the failure is, and a one-line summary per function. No `vscode`.
import type { RewardTestResponse, SampleReport, ScoreSummary, TestError } from '../../schemas/generated/rewardTest';

export interface Location {
  file: string;
  /** 1-based; absent when only the file is known. */
  line?: number;
}

export interface CaseOutcome {
  /** 1-based line of the case in its cases file. */
  line: number;
  state: 'passed' | 'failed' | 'errored';
  message: string;
  expected?: string;
  actual?: string;
  /** Where to look: the failing line in the reward file for an error, else the case itself. */
  location?: Location;
  durationMs: number;
}

/** The 1-based line of a sample whose source is "<cases file>:<line>". */
export function caseLineOf(sample: SampleReport, casesFile: string): number | undefined {
  const source = sample.source ?? '';
  if (!source.startsWith(casesFile + ':')) return undefined;
  const line = Number(source.slice(casesFile.length + 1));
  return Number.isInteger(line) ? line : undefined;
}

export function errorLocation(error: TestError | undefined): Location | undefined {
  return error?.file ? { file: error.file, line: error.line } : undefined;
}

/** The error that decides a case: of the function its expectation names, else of any function. */
function errorOf(sample: SampleReport): TestError | undefined {
  const fn = sample.check?.function;
  const results = fn ? [sample.results[fn]].filter(Boolean) : Object.values(sample.results);
  return results.find((r) => r.error)?.error;
}

function shown(value: unknown): string {
  return value === null || value === undefined ? 'None' : typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/**
 * One outcome per case line the response covers. A case without `expected` passes when every function scored it
 * without an error (a smoke test); one with `expected` passes when the trainer's check did.
 */
export function caseOutcomes(response: RewardTestResponse, casesFile: string): CaseOutcome[] {
  const out: CaseOutcome[] = [];
  for (const sample of response.samples) {
    const line = caseLineOf(sample, casesFile);
    if (line === undefined) continue;
    const durationMs = Object.values(sample.results).reduce((a, r) => a + r.duration_ms, 0);
    const error = errorOf(sample);
    const caseLocation = { file: casesFile, line };
    if (sample.check) {
      const state = sample.check.passed ? 'passed' : error ? 'errored' : 'failed';
      out.push({ line, state, message: sample.check.message, expected: shown(sample.check.expected),
        actual: shown(sample.check.actual), location: errorLocation(error) ?? caseLocation, durationMs });
    } else if (error) {
      out.push({ line, state: 'errored', message: error.message, location: errorLocation(error) ?? caseLocation, durationMs });
    } else {
      const scores = Object.entries(sample.results).map(([fn, r]) => `${fn} = ${shown(r.score)}`).join(', ');
      out.push({ line, state: 'passed', message: scores, durationMs });
    }
  }
  return out;
}

const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : Number(v.toPrecision(3)).toString());

/** "mean 0.5 · min 0 · max 1 · 2 errors · 40% None" — what an inline decoration shows after a function. */
export function summaryText(summary: ScoreSummary, errored: boolean): string {
  const parts = [`mean ${fmt(summary.mean)}`, `min ${fmt(summary.min)}`, `max ${fmt(summary.max)}`, `n ${summary.count}`];
  const errors = Math.round(summary.share_error * summary.count);
  if (errors || errored) parts.push(`${errors || 'all'} error${errors === 1 ? '' : 's'}`);
  if (summary.share_none > 0) parts.push(`${Math.round(summary.share_none * 100)}% None`);
  if (summary.scored > 1 && Math.round(summary.share_zero * summary.count) === summary.scored) parts.push('all zero');
  if (summary.length_correlation !== null && Math.abs(summary.length_correlation) >= 0.8) parts.push(`tracks length (r ${fmt(summary.length_correlation)})`);
  return parts.join(' · ');
}
