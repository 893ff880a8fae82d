"""TRL 1.16's reward-function logging: `log_extra(column, values)` adds a column to the logged completions (one
value per completion of the call), `log_metric(name, value)` a scalar averaged over the step's calls and processes;
`trainer_state.log_history` holds what was logged at earlier steps (rebuilt from events.jsonl on resume)."""
from __future__ import annotations

import math
import numbers
from collections import defaultdict
from pathlib import Path

from rlstudio.user_errors import UserError


class RewardLogs:
    """What reward functions log during the scoring of one batch of n completions."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.extra: dict[str, list] = defaultdict(list)
        self.metrics: dict[str, list[float]] = defaultdict(list)

    def log_extra(self, column: str, values) -> None:
        values = list(values)
        if len(values) != self.n:
            raise UserError(f"log_extra({column!r}, ...) got {len(values)} values for {self.n} completions; "
                            f"pass one value per completion")
        self.extra[str(column)].extend(_jsonable(v) for v in values)

    def log_metric(self, name: str, value: float) -> None:
        if not isinstance(value, (numbers.Real, bool)) and not hasattr(value, "item"):
            raise UserError(f"log_metric({name!r}, {value!r}): the value must be a number")
        self.metrics[str(name)].append(float(value))

    def row_extras(self, i: int) -> dict:
        """Completion i's extra columns (the last call's value when a function logs a column more than once)."""
        return {c: values[len(values) - self.n + i] for c, values in self.extra.items()}

    def metric_sums(self) -> dict[str, tuple[float, int]]:
        return {k: (sum(v), len(v)) for k, v in self.metrics.items()}


def mean_over_processes(per_rank: list[dict[str, tuple[float, int]]]) -> dict[str, float]:
    """Each logged metric's mean over every call on every process (TRL: total / count over processes)."""
    out = {}
    for name in sorted({k for sums in per_rank for k in sums}):
        total = sum(s[name][0] for s in per_rank if name in s)
        count = sum(s[name][1] for s in per_rank if name in s)
        out[name] = total / count if count else math.nan
    return out


def log_history_from_events(events_path: Path, up_to_step: int) -> list[dict]:
    """TRL-style log_history entries ({**metrics, "step", "epoch"}) of the RL steps a resumed run had logged."""
    from rlstudio.outputs.event_reader import latest_by_step, read_events

    metrics = [e for e in latest_by_step(read_events(events_path), "metrics") if e.get("phase", "rl") == "rl"]
    return [{**e["metrics"], "step": e["step"], **({"epoch": e["epoch"]} if "epoch" in e else {})}
            for e in metrics if e["step"] <= up_to_step]


def _jsonable(v):
    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, numbers.Real):
        return float(v) if math.isfinite(float(v)) else None
    if hasattr(v, "item"):
        return _jsonable(v.item())
    return str(v)
