"""Which evaluation is the best so far, and when to stop early: pure decisions, saved and restored with a checkpoint
so a resumed run keeps the same best and the same patience count."""

from __future__ import annotations

import hashlib
import json
import math
import time
from pathlib import Path
from typing import Any

from rlstudio.run_directory.atomic_files import write_json_atomic


def eval_metric_name(metric: str) -> str:
    """TRL's rule: metric_for_best_model "reward" means "eval_reward"."""
    return metric if metric.startswith("eval_") else f"eval_{metric}"


class BestModelTracker:
    def __init__(self, metric: str, greater_is_better: bool, patience: int | None):
        if patience is not None and patience < 1:
            raise ValueError(f"eval.early_stopping_patience must be >= 1 or null, got {patience}")
        self.metric = eval_metric_name(metric)
        self.greater_is_better = greater_is_better
        self.patience = patience
        self.best_value: float | None = None
        self.best_step: int | None = None
        self.evals_without_improvement = 0

    @property
    def should_stop(self) -> bool:
        return self.patience is not None and self.evals_without_improvement >= self.patience

    def update(self, step: int, metrics: dict[str, Any]) -> bool:
        """Record one evaluation; True when it is a new best. A NaN/null value is never a best and counts against
        patience (a diverged model should not be kept)."""
        if self.metric not in metrics:
            available = sorted(k for k in metrics if k.startswith("eval_")) or sorted(metrics)
            raise ValueError(f"eval.metric_for_best_model is \"{self.metric}\", but the evaluation at step {step} "
                           f"produced no such metric; available: {', '.join(available) or 'none'}")
        value = metrics[self.metric]
        finite = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if finite and (self.best_value is None or self._better(float(value), self.best_value)):
            self.best_value, self.best_step = float(value), step
            self.evals_without_improvement = 0
            return True
        self.evals_without_improvement += 1
        return False

    def _better(self, value: float, best: float) -> bool:
        return value > best if self.greater_is_better else value < best

    def state_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "greater_is_better": self.greater_is_better, "patience": self.patience,
                "best_value": self.best_value, "best_step": self.best_step,
                "evals_without_improvement": self.evals_without_improvement}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        saved = (eval_metric_name(state["metric"]), bool(state["greater_is_better"]))
        if saved != (self.metric, self.greater_is_better):
            raise ValueError(f"the checkpoint tracked the best model by {saved[0]} "
                             f"({'higher' if saved[1] else 'lower'} is better) but this run uses {self.metric} "
                             f"({'higher' if self.greater_is_better else 'lower'} is better)")
        self.best_value = state["best_value"]
        self.best_step = state["best_step"]
        self.evals_without_improvement = int(state["evals_without_improvement"])


def config_hash(config: dict[str, Any]) -> str:
    """sha256 of the canonical JSON (sorted keys, no spaces): equal configs hash equal whatever their key order."""
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def write_best_model_metadata(path: Path, step: int, metric: str, value: float | None, config: dict[str, Any]) -> Path:
    """Write metadata.json; path is either the file itself or the best_model/ folder that holds it."""
    path = Path(path)
    target = path if path.suffix == ".json" else path / "metadata.json"
    return write_json_atomic(target, {"step": step, "metric": eval_metric_name(metric), "value": value,
                                      "config_hash": config_hash(config), "saved_at": time.time()})
