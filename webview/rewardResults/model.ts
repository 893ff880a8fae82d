// What the Reward Results table shows, without the DOM: which rows pass a filter and in which order.
import type { SampleReport } from '../../schemas/generated/rewardTest';

export type RowFilter = 'all' | 'errors' | 'none' | 'zero' | 'changed';
export const FILTER_LABELS: Record<RowFilter, string> = {
  all: 'All samples', errors: 'Errors', none: 'None scores', zero: 'Zero scores', changed: 'Score changed vs run',
};

/** 'index' or `score:<function>:asc|desc` (samples without a score go last). */
export type RowSort = string;

const scoreOf = (s: SampleReport, fn: string): number | null | undefined => s.results[fn]?.score;

function matches(s: SampleReport, filter: RowFilter, fns: string[]): boolean {
  const results = fns.map((f) => s.results[f]).filter(Boolean);
  switch (filter) {
    case 'all': return true;
    case 'errors': return results.some((r) => r.error);
    case 'none': return results.some((r) => r.score === null && !r.error);
    case 'zero': return results.some((r) => r.score === 0);
    case 'changed': return results.some((r) => r.recorded !== undefined && r.recorded !== r.score);
  }
}

/** The rows to show: `fns` limits the filter to one function (or all). */
export function arrangeRows(samples: SampleReport[], filter: RowFilter, sort: RowSort, fns: string[]): SampleReport[] {
  const rows = samples.filter((s) => matches(s, filter, fns));
  const m = /^score:(.+):(asc|desc)$/.exec(sort);
  if (!m) return rows;
  const [, fn, dir] = m;
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = scoreOf(a, fn), y = scoreOf(b, fn);
    const xm = x === null || x === undefined, ym = y === null || y === undefined;
    if (xm || ym) return xm === ym ? a.index - b.index : xm ? 1 : -1;
    return (x - y) * sign || a.index - b.index;
  });
}
