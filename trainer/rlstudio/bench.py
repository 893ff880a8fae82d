"""`python -m rlstudio.bench` (npm run bench:trainer): training throughput of the GRPO loop on a fixed config:
completion tokens (up to EOS) per wall second over whole generate-and-reuse cycles (num_iterations optimizer steps
per generation) after one warm-up cycle, seconds per step, the step-time split (timing/*) and peak memory. The config
is fixed so numbers are comparable between commits; --model / --cycles change it explicitly. For a comparison with
TRL on the same settings: npm run bench:vs-trl."""
from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import torch


def main(argv=None) -> int:
    from rlstudio.benchmarks.setups import setup_config
    from rlstudio.benchmarks.side import rlstudio_step_events, rlstudio_throughput
    from rlstudio.training.phase_clock import PHASES

    ap = argparse.ArgumentParser(prog="python -m rlstudio.bench", description=__doc__)
    ap.add_argument("--model", default="builtin:tiny")
    ap.add_argument("--cycles", type=int, default=3, help="timed generate-and-reuse cycles, after one warm-up cycle")
    ap.add_argument("--json", action="store_true", help="print one JSON object only")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="rlstudio-bench-") as tmp:
        cfg = setup_config("tiny_32", Path(tmp) / "data", 1, model=args.model)
        n_iter = cfg["grpo"]["num_iterations"]
        cfg["training"]["max_steps"] = n_iter * (1 + args.cycles)
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        t0 = time.time()
        step_cpu: dict = {}
        events = rlstudio_step_events(cfg, step_cpu)
        wall = time.time() - t0
    threads = step_cpu.pop("threads")  # the run's own count (run() restores the process's after)
    cycles = rlstudio_throughput(cfg, events, step_cpu)
    timed = [e["metrics"] for e in events if e["step"] > n_iter]
    split = {p: sum(m.get(f"timing/{p}", 0.0) for m in timed) / len(timed) for p in PHASES}
    step_time = cycles["timed_s"] / cycles["steps_timed"]
    sampling = cfg["sampling"]
    result = {
        "model": args.model,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "threads": threads,
        "completions_per_step": cfg["training"]["per_device_train_batch_size"] * cfg["training"]["gradient_accumulation_steps"],
        "max_completion_length": sampling["max_completion_length"],
        "num_iterations": n_iter,
        "steps_timed": cycles["steps_timed"],
        "completion_tokens_per_s": cycles["completion_tokens"] / cycles["timed_s"],
        "mean_completion_length": cycles["mean_completion_length"],
        "step_time_s": step_time,
        "cpu_s_per_step": cycles["cpu_s"] / cycles["steps_timed"],
        **{f"{p}_s_per_step": v for p, v in split.items()},
        "unaccounted_s_per_step": step_time - sum(split.values()),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_cuda_mb": torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None,
        "wall_s": wall,
    }
    if not args.json:
        print(f"rlstudio trainer benchmark (GRPO, G=8, 128 completions/step, max 32 new tokens, beta 0.04, "
              f"num_iterations {n_iter}; {args.cycles} timed cycles after a warm-up)")
        for k, v in result.items():
            print(f"  {k:26s} {v:.3f}" if isinstance(v, float) else f"  {k:26s} {v}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
