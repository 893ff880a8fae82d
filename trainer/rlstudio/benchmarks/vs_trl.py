"""`npm run bench:vs-trl` (python -m rlstudio.benchmarks.vs_trl): RL Studio against TRL 1.16's GRPOTrainer on the same
model folder, dataset, reward functions and GRPO settings, each run in its own process, in pairs whose order
alternates (A B, B A, A B, ...) so load that drifts during the invocation touches both sides alike.

Per config it reports the medians over the repeats of completion tokens per wall second (tokens up to EOS, over whole
generate-and-reuse cycles after a warm-up cycle), seconds per optimizer step, process CPU seconds (user + sys) per
step, peak RSS, and the mean completion length of each side (a comparison is only honest when both generate about the
same amount). The ratios (RL Studio / TRL) are the medians of the per-pair ratios: each pair ran back to back under
about the same load, so one pair that caught a load spike moves the median less than it moves a side's own median;
the per-pair ratios are printed so the spread shows. On a shared machine the CPU-seconds ratio is the steadier one.
The last line is one JSON object, one key per config, with tokens_per_s_ratio and peak_rss_ratio beside the medians."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rlstudio.benchmarks.setups import SETUPS, write_setup

SIDES = ("rlstudio", "trl")


def run_side(side: str, setup: Path, cycles: int, threads: int | None = None) -> dict:
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", **({"OMP_NUM_THREADS": str(threads)} if threads else {})}
    proc = subprocess.run([sys.executable, "-m", "rlstudio.benchmarks.side", side, str(setup), str(cycles)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{side} run failed ({setup}):\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["tokens_per_s"] = result["completion_tokens"] / result["timed_s"]
    result["tokens_per_cpu_s"] = result["completion_tokens"] / result["cpu_s"]
    result["step_time_s"] = result["timed_s"] / result["steps_timed"]
    result["cpu_s_per_step"] = result["cpu_s"] / result["steps_timed"]
    return result


def sampler_cost(rows: int = 64, vocab: int = 32768, repeats: int = 10) -> dict:
    """Milliseconds per generated position of RL Studio's keyed sampler and of torch.multinomial (what TRL's sampling
    generate() uses) on [rows, vocab] logits: the keyed draw must not be what makes generation slow."""
    import torch

    from rlstudio.generation.keyed_sampling import KeyedSampler, row_keys

    logits, ids = torch.randn(rows, vocab), torch.zeros(rows, 9, dtype=torch.long)
    keyed = KeyedSampler(row_keys(0, 0, torch.arange(rows)), 1)
    draws = {"keyed_ms": lambda: keyed(ids, logits).argmax(-1),
             "multinomial_ms": lambda: torch.multinomial(torch.softmax(logits, -1), 1)}
    out = {}
    for name, draw in draws.items():
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            draw()
            times.append((time.perf_counter() - t0) * 1000)
        out[name] = round(statistics.median(times), 2)
    return {"rows": rows, "vocab": vocab, **out}


MEASURES = ("tokens_per_s", "tokens_per_cpu_s", "step_time_s", "cpu_s_per_step", "peak_rss_mb", "mean_completion_length")


def summarise(runs: dict[str, list[dict]]) -> dict:
    """runs[side][i]: the two runs of pair i. Medians per side, and each ratio as the median of the per-pair ratios."""
    med = {side: {k: statistics.median(r[k] for r in runs[side]) for k in MEASURES} for side in SIDES}
    pairs = list(zip(runs["rlstudio"], runs["trl"]))

    def ratio(key: str) -> tuple[float, list[float]]:
        per_pair = [a[key] / b[key] for a, b in pairs]
        return round(statistics.median(per_pair), 3), [round(x, 3) for x in per_pair]

    tokens, tokens_pairs = ratio("tokens_per_s")
    cpu_tokens, cpu_pairs = ratio("tokens_per_cpu_s")
    return {"rlstudio": {k: round(v, 3) for k, v in med["rlstudio"].items()},
            "trl": {k: round(v, 3) for k, v in med["trl"].items()},
            "tokens_per_s_ratio": tokens, "tokens_per_s_ratio_pairs": tokens_pairs,
            "tokens_per_cpu_s_ratio": cpu_tokens, "tokens_per_cpu_s_ratio_pairs": cpu_pairs,
            "step_time_ratio": ratio("step_time_s")[0], "peak_rss_ratio": ratio("peak_rss_mb")[0],
            "completion_length_ratio": ratio("mean_completion_length")[0], "repeats": len(pairs)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="npm run bench:vs-trl --", description=__doc__)
    ap.add_argument("--configs", default=",".join(SETUPS), help=f"comma-separated subset of {', '.join(SETUPS)}")
    ap.add_argument("--repeats", type=int, default=3, help="pairs of runs per config (order alternating A B, B A, ...)")
    # 4: with 2 the same side's step time spread 0.77-1.03 s between runs (tiny_128, quiet machine), 0.76-0.85 with 4
    ap.add_argument("--cycles", type=int, default=4, help="timed generate-and-reuse cycles per run, after one warm-up")
    ap.add_argument("--threads", type=int, default=None,
                    help="OMP_NUM_THREADS for both sides (default: each side's own choice: torch's default for TRL, "
                         "RL Studio's for a small model on CPU; the per-run lines show what each used)")
    args = ap.parse_args(argv)
    names = [n for n in args.configs.split(",") if n]
    unknown = [n for n in names if n not in SETUPS]
    if unknown:
        ap.error(f"unknown config(s) {', '.join(unknown)}; known: {', '.join(SETUPS)}")
    load = os.getloadavg()[0]
    print(f"bench:vs-trl: RL Studio vs TRL GRPOTrainer, {args.repeats} pairs of runs (order alternating), {args.cycles} timed "
          f"cycles each; cpus {os.cpu_count()}, load average {load:.2f} at start"
          + (f", OMP_NUM_THREADS={args.threads} on both sides" if args.threads else ""), flush=True)
    sampler = sampler_cost()
    print(f"sampling one position of {sampler['rows']} rows at a {sampler['vocab']} vocabulary: keyed sampler "
          f"{sampler['keyed_ms']} ms, torch.multinomial {sampler['multinomial_ms']} ms (medians)", flush=True)
    out = {}
    with tempfile.TemporaryDirectory(prefix="rlstudio-vs-trl-") as tmp:
        for name in names:
            model, G, completions, max_len, micro = SETUPS[name]
            setup = write_setup(name, Path(tmp) / name, 0)
            runs: dict[str, list[dict]] = {s: [] for s in SIDES}
            for i in range(args.repeats):
                # A B, then B A: a load that rises or falls steadily favours neither side over the pairs
                for side in (SIDES if i % 2 == 0 else SIDES[::-1]):
                    t0 = time.time()
                    r = run_side(side, setup, args.cycles, args.threads)
                    runs[side].append(r)
                    print(f"  {name} {side:8s} pair {i + 1}: {r['tokens_per_s']:8.1f} tok/s  {r['step_time_s']:6.2f} s/step  "
                          f"{r['cpu_s_per_step']:6.2f} cpu s/step  rss {r['peak_rss_mb']:7.1f} MB  mean len "
                          f"{r['mean_completion_length']:5.1f}  {r['threads']} thread(s)  ({time.time() - t0:.0f}s wall, load {os.getloadavg()[0]:.2f})",
                          flush=True)
                a, b = runs["rlstudio"][-1], runs["trl"][-1]
                print(f"  {name} pair {i + 1}: tokens/s x{a['tokens_per_s'] / b['tokens_per_s']:.3f}, tokens per cpu s "
                      f"x{a['tokens_per_cpu_s'] / b['tokens_per_cpu_s']:.3f} (RL Studio / TRL)", flush=True)
            out[name] = summarise(runs)
            s = out[name]
            print(f"{name} (model {model}, G {G}, {completions} completions/step, {max_len} new tokens): tokens/s x"
                  f"{s['tokens_per_s_ratio']} (pairs {s['tokens_per_s_ratio_pairs']}), tokens per cpu s "
                  f"x{s['tokens_per_cpu_s_ratio']} (pairs {s['tokens_per_cpu_s_ratio_pairs']}), step time "
                  f"x{s['step_time_ratio']}, peak RSS x{s['peak_rss_ratio']}, completion length "
                  f"x{s['completion_length_ratio']} (RL Studio / TRL, medians over pairs)", flush=True)
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
