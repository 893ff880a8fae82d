"""<run>/training_stats.json: a summary of the whole run (across resumes) computed from events.jsonl, so it can be
rebuilt for any run and never disagrees with what the editor showed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rlstudio.run_directory.atomic_files import write_json_atomic
from rlstudio.outputs.event_reader import latest_by_step, metric_value, read_events


def summarise_events(events: list[dict[str, Any]], run_dir: Path) -> dict[str, Any]:
    started = next((e for e in events if e["type"] == "run_started"), {})
    finishes = [e for e in events if e["type"] == "run_finished"]
    rl_metrics = [e for e in latest_by_step(events, "metrics") if e.get("phase", "rl") != "warm_start"]
    warm_metrics = [e for e in latest_by_step(events, "metrics") if e.get("phase") == "warm_start"]
    evals = latest_by_step(events, "eval")
    times = [e["time"] for e in events if isinstance(e.get("time"), (int, float))]
    steps_logged = [e["step"] for e in events if isinstance(e.get("step"), int)]
    last_finish = finishes[-1] if finishes else None
    return {
        "run_id": started.get("run_id", run_dir.name),
        "run_name": started.get("run_name"),
        "algorithm": started.get("algorithm"),
        "model": started.get("model"),
        "device": started.get("device"),
        "world_size": started.get("world_size", 1),
        "status": last_finish["status"] if last_finish else "incomplete",
        "reason": last_finish.get("reason") if last_finish else "no run_finished event (still running or killed)",
        "max_steps": started.get("max_steps"),
        "steps_completed": max(steps_logged, default=0),
        "warm_start_steps": len(warm_metrics),
        "rl_steps_logged": len(rl_metrics),
        "resumes": sum(1 for e in events if e["type"] == "resumed"),
        "wall_time_seconds": (max(times) - min(times)) if times else 0.0,
        "training_seconds": sum(float(e.get("elapsed") or 0.0) for e in finishes),
        "reward": _reward_summary(rl_metrics),
        "final_metrics": _final_metrics(last_finish, rl_metrics),
        "eval_history": [{"step": e["step"], "metrics": e.get("metrics", {}), "is_best": bool(e.get("is_best"))}
                         for e in evals],
        "best_model": _best_model(events),
        "checkpoints": _checkpoints(events, run_dir),
        "alerts": _alert_counts(events),
    }


def _reward_summary(rl_metrics: list[dict[str, Any]]) -> dict[str, Any] | None:
    points = [(e["step"], metric_value(e["metrics"], "reward")) for e in rl_metrics]
    points = [(step, value) for step, value in points if value is not None]
    if not points:
        return None
    best = max(points, key=lambda p: p[1])
    tail = points[-max(1, len(points) // 10):]  # last 10% smooths a noisy final step
    return {"first": {"step": points[0][0], "value": points[0][1]},
            "last": {"step": points[-1][0], "value": points[-1][1]},
            "best": {"step": best[0], "value": best[1]},
            "mean_last_10_percent": sum(v for _, v in tail) / len(tail)}


def _final_metrics(last_finish: dict[str, Any] | None, rl_metrics: list[dict[str, Any]]) -> dict[str, Any]:
    if last_finish and last_finish.get("final_metrics"):
        return last_finish["final_metrics"]
    return rl_metrics[-1].get("metrics", {}) if rl_metrics else {}


def _best_model(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    best = [e for e in events if e["type"] == "checkpoint" and e.get("kind") == "best"]
    if best:
        e = best[-1]
        return {"step": e["step"], "metric": e.get("metric"), "value": e.get("value"), "path": e["path"]}
    flagged = [e for e in latest_by_step(events, "eval") if e.get("is_best")]
    return {"step": flagged[-1]["step"], "metrics": flagged[-1].get("metrics", {})} if flagged else None


def _checkpoints(events: list[dict[str, Any]], run_dir: Path) -> list[dict[str, Any]]:
    """Checkpoints announced by the run, newest announcement per path, minus the pruned ones; 'exists' is checked
    on disk so a summary never promises a folder that is gone."""
    saved: dict[str, dict[str, Any]] = {}
    for event in events:
        if event["type"] != "checkpoint":
            continue
        for pruned in event.get("pruned") or []:
            saved.pop(pruned, None)
        saved[event["path"]] = {"step": event["step"], "kind": event["kind"], "path": event["path"]}
    return [{**info, "exists": (run_dir / info["path"]).is_dir()}
            for info in sorted(saved.values(), key=lambda c: (c["step"], c["kind"]))]


def _alert_counts(events: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for event in events:
        if event["type"] == "alert":
            counts[event.get("code", "unknown")] = counts.get(event.get("code", "unknown"), 0) + 1
    return counts


def write_training_stats(run_dir: Path) -> Path:
    run_dir = Path(run_dir)
    stats = summarise_events(read_events(run_dir / "events.jsonl"), run_dir)
    return write_json_atomic(run_dir / "training_stats.json", stats)
