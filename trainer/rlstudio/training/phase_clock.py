"""Wall seconds of a training step's phases (timing/generation, timing/reference, timing/old_logps, timing/rewards,
timing/train): what users read to see where their step time goes."""
from __future__ import annotations

import time

import torch

PHASES = ("generation", "rewards", "old_logps", "reference", "train")


class PhaseClock:
    """Laps between calls. On CUDA the queue is drained first, so a phase is charged for its own kernels only."""

    def __init__(self, device: torch.device):
        self.device = device
        self.laps: dict[str, float] = {}
        self._last = self._now()

    def _now(self) -> float:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return time.perf_counter()

    def lap(self, phase: str, add: bool = False) -> float:
        now = self._now()
        seconds = now - self._last
        self._last = now
        self.laps[phase] = self.laps.get(phase, 0.0) + seconds if add else seconds
        return seconds


def timing_metrics(batch_laps: dict[str, float] | None, train_seconds: float) -> dict[str, float]:
    """timing/<phase> of one optimizer step: the batch's phases on the step that built it (0 on a step that reuses
    a batch, num_iterations > 1), and the optimisation pass."""
    laps = {**(batch_laps or {}), "train": train_seconds}
    return {f"timing/{p}": float(laps.get(p, 0.0)) for p in PHASES}
