// npm run bench:rewards — latency of reward tests through the editor's worker client (the path a "Run cases" click
// takes after VS Code hands over the command: the request to `rewards worker`, scoring, the outcomes per case line),
// cold (a new worker: Python start, torch import, reward file load) and warm (the worker already running).
// Two workloads: 20 cases from a cases file, and re-scoring 1,000 completions a run recorded in events.jsonl.
// usage: node out/test/bench/rewards.bench.js [warm repetitions=30] [cold repetitions=3]
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import * as path from 'node:path';
import { RewardWorker } from '../../extension/rewards/rewardWorker';
import { caseOutcomes } from '../../extension/rewards/caseOutcomes';
import type { RewardTestRequest } from '../../schemas/generated/rewardTest';

const PYTHON = path.resolve(__dirname, '../../../.venv/bin/python');

const REWARDS = `import re

_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)


def format_reward(completions, **kwargs):
    return [1.0 if re.fullmatch(r"<think>.*?</think>\\s*<answer>.*?</answer>", c, re.DOTALL) else 0.0 for c in completions]


def correctness(completions, reference, **kwargs):
    out = []
    for c, ref in zip(completions, reference):
        m = _ANSWER.search(c)
        out.append(None if ref is None else 1.0 if m and m.group(1).strip() == str(ref) else 0.0)
    return out


def length_penalty(completions, **kwargs):
    return [-max(0, len(c) - 200) / 200 for c in completions]
`;

function completion(i: number): string {
  return i % 3 === 0 ? `<think>${i} + ${i}</think><answer>${2 * i}</answer>` : i % 3 === 1 ? `the answer is ${i}` : `<think>${'x'.repeat(i * 7)}</think><answer>${i}</answer>`;
}

function setUp(dir: string): { casesRequest: RewardTestRequest; runRequest: RewardTestRequest; casesFile: string } {
  const rewardFile = path.join(dir, 'rewards.py');
  writeFileSync(rewardFile, REWARDS);
  const casesFile = `${rewardFile}.cases.jsonl`;
  writeFileSync(casesFile, Array.from({ length: 20 }, (_, i) => JSON.stringify({
    name: `case ${i}`, completion: completion(i), columns: { reference: String(2 * i) }, function: 'format_reward', expected: { min: 0, max: 1 },
  })).join('\n') + '\n');
  const dataset = path.join(dir, 'data.jsonl');
  writeFileSync(dataset, Array.from({ length: 100 }, (_, i) => JSON.stringify({ prompt: `What is ${i} + ${i}?`, reference: String(2 * i) })).join('\n') + '\n');
  const config = path.join(dir, 'bench.rlstudio.json');
  const rewards = ['format_reward', 'correctness', 'length_penalty'].map((f) => ({ function: `rewards.py:${f}` }));
  writeFileSync(config, JSON.stringify({ model: { name_or_path: 'builtin:tiny' }, data: { datasets: [{ path: 'data.jsonl' }] }, rewards }));
  const runDir = path.join(dir, 'run');
  mkdirSync(runDir);
  const lines = [{ type: 'run_started', time: 0, run_id: 'bench', algorithm: 'grpo', max_steps: 125, config: {} }];
  for (let step = 1; step <= 125; step++) {
    lines.push({ type: 'samples', time: step, step, samples: Array.from({ length: 8 }, (_, k) => {
      const row = (step * 8 + k) % 100;
      return { group: Math.floor(k / 4), index: k % 4, prompt: `What is ${row} + ${row}?`, completion: completion(step + k), source: `${dataset}:${row + 1}`,
        rewards: { format_reward: 0, correctness: 0, length_penalty: 0 }, reward: 0, advantage: 0, length: 10, truncated: false };
    }) } as never);
  }
  writeFileSync(path.join(runDir, 'events.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return {
    casesFile,
    casesRequest: { rewards: [rewards[0], ...rewards.slice(1)].map((r) => ({ function: r.function })) as RewardTestRequest['rewards'], cases_file: casesFile, base_dir: dir },
    runRequest: { config, run: { run_dir: runDir } },
  };
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const row = (name: string, xs: number[]): string =>
  `${name.padEnd(42)} n=${String(xs.length).padStart(3)}  p50 ${pct(xs, 0.5).toFixed(0).padStart(6)} ms  p90 ${pct(xs, 0.9).toFixed(0).padStart(6)} ms  max ${Math.max(...xs).toFixed(0).padStart(6)} ms`;

async function timed(worker: RewardWorker, request: RewardTestRequest, check: (n: number) => void, casesFile?: string): Promise<number> {
  const t0 = performance.now();
  const response = await worker.test(request);
  if (casesFile) caseOutcomes(response, casesFile);
  const ms = performance.now() - t0;
  if (response.error) throw new Error(response.error.message);
  check(response.samples.length);
  return ms;
}

async function main(): Promise<void> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} missing: bash scripts/bootstrap.sh python`);
  const warmReps = Number(process.argv[2] ?? 30);
  const coldReps = Number(process.argv[3] ?? 3);
  const dir = mkdtempSync(path.join(tmpdir(), 'rlstudio-rewards-bench-'));
  try {
    const { casesRequest, runRequest, casesFile } = setUp(dir);
    const expect = (n: number) => (got: number): void => { if (got !== n) throw new Error(`expected ${n} samples, got ${got}`); };
    const results: [string, number[]][] = [];
    for (const [name, request, n, file] of [['Run cases (20 cases, 3 functions)', casesRequest, 20, casesFile],
      ['Re-score 1,000 recorded completions (3 fns)', runRequest, 1000, undefined]] as const) {
      const cold: number[] = [];
      for (let i = 0; i < coldReps; i++) {
        const worker = new RewardWorker(PYTHON, dir);
        cold.push(await timed(worker, request, expect(n), file));
        await worker.dispose();
      }
      const worker = new RewardWorker(PYTHON, dir);
      await timed(worker, request, expect(n), file); // start-up, not counted
      const warm: number[] = [];
      for (let i = 0; i < warmReps; i++) warm.push(await timed(worker, request, expect(n), file));
      await worker.dispose();
      results.push([`${name}, cold`, cold], [`${name}, warm`, warm]);
    }
    console.log(`reward test latency through the worker client (${cpus().length} CPUs visible, ${PYTHON})`);
    for (const [name, xs] of results) console.log(row(name, xs));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
