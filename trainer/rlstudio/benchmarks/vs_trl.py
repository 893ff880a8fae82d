"""`npm run bench:vs-trl` (python -m rlstudio.benchmarks.vs_trl): RL Studio against TRL 1.16's GRPOTrainer on the same
model folder, dataset, reward functions and GRPO settings, each run in its own process, alternating A B A B.

Per config it reports the medians over the repeats of completion tokens per wall second (tokens up to EOS, over whole
generate-and-reuse cycles after a warm-up cycle), seconds per optimizer step, peak RSS, and the mean completion
length of each side (a comparison is only honest when both generate about the same amount). The last line is one
JSON object, one key per config, with tokens_per_s_ratio and peak_rss_ratio (RL Studio / TRL) beside the medians."""
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


def run_side(side: str, setup: Path, cycles: int) -> dict:
    proc = subprocess.run([sys.executable, "-m", "rlstudio.benchmarks.side", side, str(setup), str(cycles)],
                          capture_output=True, text=True, env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
    if proc.returncode != 0:
        raise RuntimeError(f"{side} run failed ({setup}):\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["tokens_per_s"] = result["completion_tokens"] / result["timed_s"]
    result["step_time_s"] = result["timed_s"] / result["steps_timed"]
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


def summarise(runs: dict[str, list[dict]]) -> dict:
    med = {side: {k: statistics.median(r[k] for r in runs[side])
                  for k in ("tokens_per_s", "step_time_s", "peak_rss_mb", "mean_completion_length")} for side in SIDES}
    a, b = med["rlstudio"], med["trl"]
    return {"rlstudio": {k: round(v, 3) for k, v in a.items()}, "trl": {k: round(v, 3) for k, v in b.items()},
            "tokens_per_s_ratio": round(a["tokens_per_s"] / b["tokens_per_s"], 3),
            "step_time_ratio": round(a["step_time_s"] / b["step_time_s"], 3),
            "peak_rss_ratio": round(a["peak_rss_mb"] / b["peak_rss_mb"], 3),
            "completion_length_ratio": round(a["mean_completion_length"] / b["mean_completion_length"], 3),
            "repeats": len(runs["rlstudio"])}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="npm run bench:vs-trl --", description=__doc__)
    ap.add_argument("--configs", default=",".join(SETUPS), help=f"comma-separated subset of {', '.join(SETUPS)}")
    ap.add_argument("--repeats", type=int, default=2, help="runs per side and config (alternating A B A B)")
    ap.add_argument("--cycles", type=int, default=2, help="timed generate-and-reuse cycles per run, after one warm-up")
    args = ap.parse_args(argv)
    names = [n for n in args.configs.split(",") if n]
    unknown = [n for n in names if n not in SETUPS]
    if unknown:
        ap.error(f"unknown config(s) {', '.join(unknown)}; known: {', '.join(SETUPS)}")
    load = os.getloadavg()[0]
    print(f"bench:vs-trl: RL Studio vs TRL GRPOTrainer, {args.repeats} alternating runs per side, {args.cycles} timed "
          f"cycles each; cpus {os.cpu_count()}, load average {load:.2f} at start", flush=True)
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
                for side in SIDES:  # A B A B: load that drifts during the invocation touches both sides alike
                    t0 = time.time()
                    r = run_side(side, setup, args.cycles)
                    runs[side].append(r)
                    print(f"  {name} {side:8s} run {i + 1}: {r['tokens_per_s']:8.1f} tok/s  {r['step_time_s']:6.2f} s/step  "
                          f"rss {r['peak_rss_mb']:7.1f} MB  mean len {r['mean_completion_length']:5.1f}  "
                          f"({time.time() - t0:.0f}s wall, load {os.getloadavg()[0]:.2f})", flush=True)
            out[name] = summarise(runs)
            s = out[name]
            print(f"{name} (model {model}, G {G}, {completions} completions/step, {max_len} new tokens): tokens/s x"
                  f"{s['tokens_per_s_ratio']}, step time x{s['step_time_ratio']}, peak RSS x{s['peak_rss_ratio']}, "
                  f"completion length x{s['completion_length_ratio']} (RL Studio / TRL)", flush=True)
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
