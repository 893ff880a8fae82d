// What differs between the resolved configs of the runs being compared: the first thing a person wants to know
// when two curves differ. Pure (no `vscode`).
import type { ConfigDifference } from '../../webview/protocol';

/** Leaf values by JSON path ("grpo.beta"); arrays are compared whole (a list of datasets or rewards is one setting). */
export function flattenConfig(config: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    if (prefix) out.set(prefix, JSON.stringify(config));
    return out;
  }
  for (const [k, v] of Object.entries(config as Record<string, unknown>)) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

/** Paths whose values are not all the same, in the configs' key order; a run without a config shows as unknown. */
export function configDifferences(configs: (unknown | null)[]): ConfigDifference[] {
  const flat = configs.map((c) => (c ? flattenConfig(c) : null));
  const paths = new Set<string>();
  for (const f of flat) for (const p of f?.keys() ?? []) paths.add(p);
  const out: ConfigDifference[] = [];
  for (const path of paths) {
    const values = flat.map((f) => (f ? f.get(path) ?? null : null));
    if (new Set(values).size > 1) out.push({ path, values });
  }
  return out;
}
