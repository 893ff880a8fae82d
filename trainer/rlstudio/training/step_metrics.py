"""Loss-side metrics of one optimizer step with TRL's semantics, and their average over a logging window.

TRL appends one value per micro-batch: a ratio over every process's loss tokens (or sequences, at sequence-level
importance sampling), 0 for an empty micro-batch; per-sequence extremes (clip_ratio/low_min, /high_max) take the
NaN-ignoring min / max over processes. The step logs the unweighted mean over its micro-batches, and a logging
window of several steps the NaN-ignoring mean of each metric over the window.
"""
from __future__ import annotations

import math

import torch

from rlstudio.training.distributed import gather_objects

_EXTREME = {"clip_ratio/low_min": min, "clip_ratio/high_max": max}
# values that are a state at the time of logging, not a quantity to average over the window (as in TRL)
_LATEST = ("learning_rate", "num_tokens", "grad_norm")


class StepMetrics:
    """Collects each micro-batch's (sum, count) pairs and per-sequence values; `reduce` makes them step metrics."""

    def __init__(self) -> None:
        self.micro: list[tuple[dict, dict]] = []

    def add(self, sums: dict[str, tuple], extremes: dict[str, torch.Tensor] | None = None) -> None:
        pairs = {k: (float(s), float(c)) for k, (s, c) in sums.items()}
        ext = {}
        for k, v in (extremes or {}).items():
            valid = v[~torch.isnan(v)]
            ext[k] = _EXTREME[k](valid.tolist()) if valid.numel() else math.nan
        self.micro.append((pairs, ext))

    def reduce(self, ctx) -> dict[str, float]:
        """Step metrics over all processes (one collective; every rank calls it)."""
        per_rank = gather_objects(ctx, [self.micro])
        out: dict[str, list[float]] = {}
        for m in range(len(self.micro)):
            pairs = [r[m][0] for r in per_rank]
            for k in pairs[0]:
                total = sum(p[k][0] for p in pairs)
                count = sum(p[k][1] for p in pairs)
                out.setdefault(k, []).append(total / max(count, 1.0))
            extremes = [r[m][1] for r in per_rank]
            for k in extremes[0]:
                valid = [e[k] for e in extremes if not math.isnan(e[k])]
                out.setdefault(k, []).append(_EXTREME[k](valid) if valid else math.nan)
        return {k: sum(v) / len(v) for k, v in out.items()}


class LogWindow:
    """Metrics of the steps since the last log, averaged as TRL's `log` does (NaN ignored; None when none left)."""

    def __init__(self, steps: list[dict] | None = None) -> None:
        """steps: the unlogged steps a checkpoint carried (a resume mid-window)."""
        self.steps: list[dict] = [dict(m) for m in steps or []]

    def add(self, metrics: dict) -> None:
        self.steps.append(metrics)

    def flush(self) -> dict:
        keys = dict.fromkeys(k for m in self.steps for k in m)
        out = {}
        for k in keys:
            values = [m[k] for m in self.steps if k in m]
            if k in _LATEST:
                out[k] = values[-1]
                continue
            valid = [v for v in values if v is not None and not math.isnan(v)]
            out[k] = sum(valid) / len(valid) if valid else None
        self.steps = []
        return out
