"""A realistic events.jsonl for summary tests: warm start, GRPO steps with noisy rising reward, evals with a best,
checkpoints with pruning, a kill + resume that re-logs steps, and a torn final line."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

REWARD_FUNCTIONS = ("correctness", "format")


def reward_at(step: int) -> float:
    return round(0.2 + 0.6 * (1 - math.exp(-step / 15)), 6)


def grpo_metrics(step: int, rng: random.Random) -> dict:
    reward = reward_at(step) + rng.uniform(-0.05, 0.05)
    return {
        "reward": reward,
        "reward_std": 0.25 * math.exp(-step / 40) + 0.05,
        "rewards/correctness/mean": reward * 0.7,
        "rewards/format/mean": min(1.0, 0.3 + step / 40),
        "frac_reward_zero_std": 0.1,
        "kl": 0.002 * step + rng.uniform(0, 0.003),
        "entropy": 2.5 * math.exp(-step / 60),
        "loss": rng.uniform(-0.02, 0.02),
        "grad_norm": float("nan") if step == 7 else 0.5,  # a NaN that must be tolerated as null
        "learning_rate": 1e-5,
        "completions/mean_length": 40 + step * 0.8,
        "completions/min_length": 10 + step * 0.2,
        "completions/max_length": 80 + step * 0.5,
        "completions/clipped_ratio": max(0.0, 0.6 - step / 50),
    }


def write_events(run_dir: Path, steps: int = 40, kill_at: int = 25, resume_from: int = 20, warm_steps: int = 5) -> Path:
    """Steps 1..warm_steps are supervised warm start (loss only); then GRPO to `steps`. The process dies after
    logging step kill_at and resumes from the checkpoint at resume_from, so steps resume_from+1..kill_at appear twice
    (the second, authoritative copy has reward + 0.25 added so tests can tell which one won)."""
    rng = random.Random(0)
    run_dir.mkdir(parents=True, exist_ok=True)
    t = 1_700_000_000.0
    lines: list[dict] = [{"type": "run_started", "time": t, "schema_version": 1, "run_id": run_dir.name,
                          "algorithm": "grpo", "max_steps": steps, "config": {"seed": 0}, "model": "builtin:tiny",
                          "device": "cpu", "world_size": 1}]
    lines.append({"type": "phase", "time": t, "step": 0, "phase": "warm_start", "status": "started",
                  "steps": warm_steps})
    for step in range(1, warm_steps + 1):
        t += 1
        lines.append({"type": "metrics", "time": t, "step": step, "phase": "warm_start",
                      "metrics": {"loss": 3.0 / step}})
    lines.append({"type": "phase", "time": t, "step": warm_steps, "phase": "warm_start", "status": "finished"})
    lines.append({"type": "phase", "time": t, "step": warm_steps, "phase": "rl", "status": "started"})

    def grpo_step(step: int, bonus: float = 0.0) -> None:
        nonlocal t
        t += 2
        metrics = grpo_metrics(step, rng)
        metrics["reward"] += bonus
        lines.append({"type": "metrics", "time": t, "step": step, "phase": "rl", "metrics": metrics})
        if step % 10 == 0:
            eval_reward = reward_at(step) + 0.05
            lines.append({"type": "eval", "time": t, "step": step, "is_best": step != 30,
                          "metrics": {"eval_reward": eval_reward - (0.2 if step == 30 else 0),
                                      "eval_accuracy": min(1.0, eval_reward)}})
            lines.append({"type": "checkpoint", "time": t, "step": step, "path": f"checkpoints/step_{step}",
                          "kind": "step", "pruned": [f"checkpoints/step_{step - 20}"] if step > 20 else []})

    for step in range(warm_steps + 1, kill_at + 1):
        grpo_step(step)
    lines.append({"type": "resumed", "time": t + 5, "step": resume_from, "checkpoint": f"checkpoints/step_{resume_from}"})
    t += 5
    for step in range(resume_from + 1, steps + 1):
        grpo_step(step, bonus=0.25 if step <= kill_at else 0.0)
    lines.append({"type": "alert", "time": t, "step": 12, "level": "warning", "code": "nonfinite_step",
                  "message": "grad_norm was NaN"})
    lines.append({"type": "some_future_event", "time": t, "step": steps})
    lines.append({"type": "run_finished", "time": t + 1, "step": steps, "status": "completed", "reason": "max_steps",
                  "elapsed": 61.5, "final_metrics": next(e["metrics"] for e in reversed(lines) if e["type"] == "metrics")})
    path = run_dir / "events.jsonl"
    text = "".join(json.dumps(line).replace("NaN", "null") + "\n" for line in lines)
    path.write_text(text + '{"type": "metrics", "time": 1, "step": 41, "metr')  # torn by a kill
    return path
