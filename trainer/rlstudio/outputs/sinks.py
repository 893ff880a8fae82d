"""Metric sinks besides events.jsonl: TensorBoard event files in <run>/tensorboard/ and, when asked for and installed,
Weights & Biases. Only rank 0 writes; other ranks construct a disabled instance so the calling code has one path."""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
_warned: set[str] = set()


def _warn_once(key: str, message: str, *args: Any) -> None:
    if key not in _warned:
        _warned.add(key)
        log.warning(message, *args)


def finite_scalars(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """The loggable part of a metrics dict: finite numbers only (None marks a NaN/inf the trainer already saw)."""
    out: dict[str, float] = {}
    for name, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if math.isfinite(float(value)):
            out[f"{prefix}{name}"] = float(value)
    return out


class MetricSinks:
    def __init__(self, run_dir: Path, report_to: list[str], enabled: bool = True, purge_step: int | None = None,
                 wandb_config: dict[str, Any] | None = None):
        """purge_step: on resume, the first step about to be re-run; TensorBoard then hides the older files' values
        from that step on, so the curves show the resumed history rather than both."""
        self.run_dir = Path(run_dir)
        self._tb = None
        self._wandb = None
        if not enabled:
            return
        unknown = sorted(set(report_to) - {"tensorboard", "wandb"})
        if unknown:
            raise ValueError(f"logging.report_to: unknown sink(s) {unknown}; known: tensorboard, wandb")
        if "tensorboard" in report_to:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(log_dir=str(self.run_dir / "tensorboard"), purge_step=purge_step)
        if "wandb" in report_to:
            self._wandb = _start_wandb(self.run_dir, wandb_config)

    @property
    def active(self) -> list[str]:
        return [name for name, sink in (("tensorboard", self._tb), ("wandb", self._wandb)) if sink is not None]

    def log(self, step: int, metrics: dict[str, float | None], prefix: str = "") -> None:
        scalars = finite_scalars(metrics, prefix)
        if not scalars:
            return
        if self._tb is not None:
            for tag, value in scalars.items():
                self._tb.add_scalar(tag, value, global_step=step)
            self._tb.flush()  # so a TensorBoard opened during the run sees each step
        if self._wandb is not None:
            try:
                self._wandb.log(scalars, step=step)
            except Exception as err:  # a W&B outage must not end a training run
                _warn_once("wandb-log", "W&B logging failed, continuing without it: %s", err)
                self._wandb = None

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()
            self._tb = None
        if self._wandb is not None:
            try:
                self._wandb.finish()
            except Exception as err:
                _warn_once("wandb-finish", "W&B finish failed: %s", err)
            self._wandb = None


def _start_wandb(run_dir: Path, config: dict[str, Any] | None) -> Any:
    try:
        import wandb
    except ImportError:
        _warn_once("wandb-missing", "logging.report_to lists \"wandb\" but the wandb package is not installed in this "
                   "Python environment; metrics go to events.jsonl and TensorBoard only. Install it with "
                   "`pip install wandb` to enable W&B.")
        return None
    try:
        # The run id keys the W&B run so a resumed run continues the same W&B run instead of starting another.
        return wandb.init(project=os.environ.get("WANDB_PROJECT", "rlstudio"), name=run_dir.name, id=run_dir.name,
                          resume="allow", dir=str(run_dir), config=config or {})
    except Exception as err:
        _warn_once("wandb-init", "W&B could not start (%s); continuing without it.", err)
        return None
