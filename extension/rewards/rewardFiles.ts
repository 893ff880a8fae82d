// Reward functions in Python source and the cases files beside them, found from text alone. No `vscode` import.

export const CASES_SUFFIX = '.cases.jsonl';

export interface RewardFunctionDef {
  name: string;
  /** 0-based line of the `def`. */
  line: number;
}

const DEF = /^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(/;

/**
 * Top-level functions with TRL's reward signature: a parameter named `completions` (f(prompts, completions,
 * completion_ids=None, **kwargs) or f(completions, **kwargs)). Signatures may span lines; private names (_x) are
 * helpers, not rewards.
 */
export function findRewardFunctions(source: string): RewardFunctionDef[] {
  const lines = source.split(/\r?\n/);
  const out: RewardFunctionDef[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = DEF.exec(lines[i]);
    if (!m || m[1].startsWith('_')) continue;
    let signature = lines[i].slice(m[0].length);
    for (let j = i + 1; j < lines.length && !/\)\s*(->[^:]*)?:\s*(#.*)?$/.test(signature) && j < i + 30; j++) signature += ' ' + lines[j];
    const params = signature.replace(/\)\s*(->[^:]*)?:[\s\S]*$/, '').split(',').map((p) => p.trim().replace(/[:=].*$/, '').trim());
    if (params.includes('completions')) out.push({ name: m[1], line: i });
  }
  return out;
}

export function casesFileFor(rewardFile: string): string {
  return rewardFile + CASES_SUFFIX;
}

/** `rewards.py.cases.jsonl` -> `rewards.py`; undefined for a file that is not a cases file. */
export function rewardFileFor(casesFile: string): string | undefined {
  if (!casesFile.endsWith(CASES_SUFFIX)) return undefined;
  const reward = casesFile.slice(0, -CASES_SUFFIX.length);
  return reward.endsWith('.py') ? reward : undefined;
}

export interface CaseLine {
  /** 1-based line number, as the trainer names cases ("file:line"). */
  line: number;
  name: string;
  /** The line is not a JSON object: the reason. */
  problem?: string;
}

/** The cases of a cases file, one per non-blank line that is not a // comment (the trainer reads them the same way). */
export function parseCasesFile(text: string): CaseLine[] {
  const out: CaseLine[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim() || raw.trimStart().startsWith('//')) return;
    try {
      const value = JSON.parse(raw) as unknown;
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        out.push({ line, name: `line ${line}`, problem: 'a case must be a JSON object' });
        return;
      }
      const name = (value as { name?: unknown }).name;
      out.push({ line, name: typeof name === 'string' && name ? name : `line ${line}` });
    } catch (e) {
      out.push({ line, name: `line ${line}`, problem: `invalid JSON: ${(e as Error).message}` });
    }
  });
  return out;
}
