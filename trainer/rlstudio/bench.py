"""`python -m rlstudio.bench`: throughput of the GRPO loop on a fixed config (completion tokens/s, step time, peak
memory). The config is fixed so numbers are comparable between commits; --model / --steps change it explicitly."""
from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import torch


def bench_config(data_dir: Path, model: str, steps: int) -> dict:
    from rlstudio.config.run_config import finish_config
    from rlstudio.demo.commands import write_demo_data

    paths = write_demo_data("arithmetic", data_dir)
    cfg = json.loads(paths["config"].read_text())
    cfg.update(name="bench")
    cfg["model"] = {"name_or_path": model, "device": "auto"}
    cfg["warm_start"] = {"steps": 0}
    cfg["eval"] = {"enabled": False}
    cfg["grpo"].update(num_generations=8, beta=0.04)
    cfg["sampling"].update(max_completion_length=32, temperature=1.0)
    cfg["training"].update(max_steps=steps, per_device_train_batch_size=64, gradient_accumulation_steps=2, seed=0)
    cfg["logging"] = {"log_completions": False, "report_to": []}
    cfg["checkpointing"] = {"save_steps": None, "save_on_stop": False, "keep_last": 1}
    return finish_config(cfg, str(paths["config"]), None, paths["config"].parent)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rlstudio.bench", description=__doc__)
    ap.add_argument("--model", default="builtin:tiny")
    ap.add_argument("--steps", type=int, default=6, help="optimizer steps (the first is a warm-up, not counted)")
    ap.add_argument("--json", action="store_true", help="print one JSON object only")
    args = ap.parse_args(argv)

    from rlstudio.outputs.event_reader import read_events
    from rlstudio.training.loop import run

    with tempfile.TemporaryDirectory(prefix="rlstudio-bench-") as tmp:
        cfg = bench_config(Path(tmp) / "data", args.model, args.steps)
        run_dir = Path(tmp) / "run"
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        t0 = time.time()
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):
            code = run(cfg, run_dir)
        wall = time.time() - t0
        if code != 0:
            print((run_dir / "trainer.log").read_text()[-3000:], file=sys.stderr)
            return code
        metrics = [e["metrics"] for e in read_events(run_dir / "events.jsonl") if e["type"] == "metrics" and e.get("phase", "rl") == "rl"]
    timed = metrics[1:] or metrics
    completions = cfg["training"]["per_device_train_batch_size"] * cfg["training"]["gradient_accumulation_steps"]
    gen_time = sum(m.get("generation_time", 0.0) for m in timed)
    comp_tokens = sum(m["completions/mean_length"] * completions for m in timed)
    result = {
        "model": args.model,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "threads": torch.get_num_threads(),
        "completions_per_step": completions,
        "max_completion_length": cfg["sampling"]["max_completion_length"],
        "steps_timed": len(timed),
        "completion_tokens_per_s": comp_tokens / max(gen_time, 1e-9),
        "step_time_s": sum(m["step_time"] for m in timed) / len(timed),
        "generation_time_s": gen_time / len(timed),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_cuda_mb": torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None,
        "wall_s": wall,
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print("rlstudio trainer benchmark (GRPO, G=8, 128 completions/step, max 32 new tokens, beta 0.04)")
    for k, v in result.items():
        print(f"  {k:26s} {v:.3f}" if isinstance(v, float) else f"  {k:26s} {v}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
