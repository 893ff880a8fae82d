"""Wall seconds of a training step's phases (timing/generation, timing/reference, timing/old_logps, timing/rewards,
timing/train): what users read to see where their step time goes."""
from __future__ import annotations

import time

import torch

PHASES = ("generation", "rewards", "old_logps", "reference", "train")
# metrics that measure the machine, not the training: they differ between two runs that train identically
WALL_CLOCK_METRICS = ("step_time", "generation_time", "tokens_per_second", "mfu") + tuple(f"timing/{p}" for p in PHASES)


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


class StepSpeed:
    """The speed metrics of one optimizer step: timing/<phase> (the batch's phases on the step that built it, 0 on a
    step that reuses a batch, and the optimisation pass), generation_time and tokens_per_second on a building step,
    and mfu where the device's peak is known. tokens_per_second counts the batch's prompt + completion tokens over the
    step time, as TRL does."""

    def __init__(self, n_params: int, device: torch.device, dtype: torch.dtype, world_size: int, has_reference: bool):
        from rlstudio.training.mfu import peak_flops

        self.n_params, self.world_size, self.has_reference = n_params, world_size, has_reference
        self.peak = peak_flops(device, dtype)

    def metrics(self, batch, built: bool, build_seconds: float, train_seconds: float, step_time: float,
                batch_tokens: float) -> dict[str, float]:
        # an algorithm whose batch does not split its build time charges all of it to generation
        laps = (getattr(batch, "timings", None) or {"generation": build_seconds}) if built else {}
        laps = {**laps, "train": train_seconds}
        out = {f"timing/{p}": float(laps.get(p, 0.0)) for p in PHASES}
        if built:
            out["generation_time"] = build_seconds
            out["tokens_per_second"] = batch_tokens / max(step_time, 1e-9)
        if self.peak is not None:
            from rlstudio.training.mfu import mfu

            # every step trains on the whole batch; a building step also ran it forward to generate (and for the
            # reference log-probs)
            forward_only = batch_tokens * (1 + self.has_reference) if built else 0.0
            out["mfu"] = mfu(self.n_params, batch_tokens, forward_only, step_time, self.peak, self.world_size)
        return out
