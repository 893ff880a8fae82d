// What the panel commands accept as arguments: a run id, a Runs-view tree item (anything with a `runId`), or for
// compare a list of either (a multi-selection in a tree arrives as (clicked, selected[])). Pure (no `vscode`).

function idOf(x: unknown): string | undefined {
  if (typeof x === 'string' && x.length > 0) return x;
  if (typeof x === 'object' && x !== null) {
    const id = (x as { runId?: unknown }).runId;
    if (typeof id === 'string' && id.length > 0) return id;
  }
  return undefined;
}

export function runIdFromArgs(args: unknown[]): string | undefined {
  return idOf(args[0]);
}

export function runIdsFromArgs(args: unknown[]): string[] {
  const lists = args.filter(Array.isArray) as unknown[][];
  const items = lists.length ? lists[lists.length - 1] : args.slice(0, 1);
  const ids = items.map(idOf).filter((x): x is string => x !== undefined);
  return [...new Set(ids)];
}

export function dashboardKey(runIds: string[]): string {
  return runIds.join('\u0000');
}
