"""Summary PNG charts of a run, drawn from <run>/events.jsonl so they can be (re)made for any run, finished or not.

Uses matplotlib's object API with the Agg canvas (never pyplot), so it needs no display and leaves global state alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from rlstudio.run_directory.atomic_files import write_atomic
from rlstudio.outputs.event_reader import latest_by_step, metric_value, read_events

NAN = float("nan")


@dataclass
class RunSeries:
    """Per-step values of every metric, plus eval points and the warm-start span."""

    metrics: dict[str, dict[int, float]] = field(default_factory=dict)  # RL phase: name -> step -> value
    warm_start_metrics: dict[str, dict[int, float]] = field(default_factory=dict)  # supervised phase
    eval_metrics: dict[str, dict[int, float]] = field(default_factory=dict)
    best_eval_steps: set[int] = field(default_factory=set)
    warm_start_spans: list[tuple[int, int]] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return bool(self.metrics.get(name))

    def xy(self, name: str, source: dict[str, dict[int, float]] | None = None) -> tuple[list[int], list[float]]:
        values = (source if source is not None else self.metrics).get(name, {})
        steps = sorted(values)
        return steps, [values[s] for s in steps]


def load_series(events: list[dict[str, Any]]) -> RunSeries:
    series = RunSeries()
    for event in latest_by_step(events, "metrics"):
        # The warm start's supervised loss is a different quantity from the GRPO loss: keep them apart.
        target = series.warm_start_metrics if event.get("phase") == "warm_start" else series.metrics
        for name in event.get("metrics") or {}:
            value = metric_value(event["metrics"], name)
            if value is not None:
                target.setdefault(name, {})[event["step"]] = value
    for event in latest_by_step(events, "eval"):
        for name in event.get("metrics") or {}:
            value = metric_value(event["metrics"], name)
            if value is not None:
                series.eval_metrics.setdefault(name, {})[event["step"]] = value
        if event.get("is_best"):
            series.best_eval_steps.add(event["step"])
    series.warm_start_spans = _warm_start_spans(events)
    return series


def _warm_start_spans(events: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Step ranges of the supervised warm start, from phase events; a phase event without a step takes the step
    of the last metrics event before it, and a phase never finished runs to the last logged step."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    last_step = 0
    for event in events:
        if event.get("type") == "metrics" and isinstance(event.get("step"), int):
            last_step = max(last_step, event["step"])
        if event.get("type") != "phase" or event.get("phase") != "warm_start":
            continue
        step = event["step"] if isinstance(event.get("step"), int) else last_step
        if event.get("status") == "started":
            start = step
        elif event.get("status") == "finished" and start is not None:
            spans.append((start, max(step, start)))
            start = None
    if start is not None:
        spans.append((start, max(last_step, start)))
    return spans


def write_plots(run_dir: Path) -> list[Path]:
    """Write plots/<chart>.png for every chart whose metric appears in events.jsonl; return the files written."""
    run_dir = Path(run_dir)
    series = load_series(read_events(run_dir / "events.jsonl"))
    out_dir = run_dir / "plots"
    written: list[Path] = []
    for name, draw in CHARTS.items():
        figure = Figure(figsize=(8, 4.5), dpi=100, layout="constrained")
        axes = figure.add_subplot()
        if not draw(axes, series):
            continue
        for start, end in series.warm_start_spans:
            axes.axvspan(start, end if end > start else start + 0.5, color="tab:orange", alpha=0.12,
                         label="warm start", zorder=0)
        axes.set_xlabel("step")
        axes.grid(True, alpha=0.3)
        _legend(figure, axes)
        FigureCanvasAgg(figure)
        written.append(write_atomic(out_dir / f"{name}.png", lambda handle: figure.savefig(handle, format="png")))
    return written


def _legend(figure: Figure, axes: Axes) -> None:
    """One legend for the main axis and any twin axis, without duplicate labels."""
    handles, labels = [], []
    for ax in figure.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    if handles:
        axes.legend(handles, labels, loc="best", fontsize="small")


def _line(axes: Axes, series: RunSeries, name: str, label: str, **style: Any) -> bool:
    steps, values = series.xy(name)
    if not steps:
        return False
    axes.plot(steps, values, label=label, marker="." if len(steps) < 40 else None, **style)
    return True


def _draw_reward(axes: Axes, series: RunSeries) -> bool:
    drew = False
    if series.has("reward"):
        steps, mean = series.xy("reward")
        std = [series.metrics.get("reward_std", {}).get(s, NAN) for s in steps]
        if any(not math.isnan(v) for v in std):
            axes.fill_between(steps, [m - s for m, s in zip(mean, std)], [m + s for m, s in zip(mean, std)],
                              color="tab:blue", alpha=0.18, label="reward ± std")
        drew = _line(axes, series, "reward", "reward (mean)", color="tab:blue", linewidth=2)
    functions = sorted(n[len("rewards/"):-len("/mean")] for n in series.metrics
                       if n.startswith("rewards/") and n.endswith("/mean"))
    for fn in functions:
        drew = _line(axes, series, f"rewards/{fn}/mean", fn, linewidth=1, alpha=0.85) or drew
    steps, values = series.xy("eval_reward", series.eval_metrics)
    if steps:
        axes.scatter(steps, values, color="black", marker="D", s=28, zorder=5, label="eval_reward")
        best = [(s, v) for s, v in zip(steps, values) if s in series.best_eval_steps]
        if best:
            axes.scatter(*zip(*best), facecolors="none", edgecolors="red", s=140, linewidths=1.5, zorder=6,
                         label="new best")
        drew = True
    steps, values = series.xy("eval_accuracy", series.eval_metrics)
    if steps:
        twin = axes.twinx()
        twin.scatter(steps, values, color="tab:green", marker="^", s=36, zorder=5, label="eval_accuracy")
        twin.set_ylabel("eval accuracy")
        twin.set_ylim(-0.05, 1.05)
        drew = True
    axes.set_ylabel("reward")
    axes.set_title("Reward")
    return drew


def _draw_single(name: str, ylabel: str, title: str):
    def draw(axes: Axes, series: RunSeries) -> bool:
        axes.set_ylabel(ylabel)
        axes.set_title(title)
        return _line(axes, series, name, name, color="tab:purple")
    return draw


def _draw_loss(axes: Axes, series: RunSeries) -> bool:
    drew = _line(axes, series, "loss", "GRPO loss", color="tab:red")
    steps, values = series.xy("loss", series.warm_start_metrics)
    if steps:
        axes.plot(steps, values, color="tab:orange", marker=".", label="warm-start loss (supervised)")
        drew = True
    axes.set_ylabel("loss")
    axes.set_title("Loss")
    return drew


def _draw_completion_length(axes: Axes, series: RunSeries) -> bool:
    if not series.has("completions/mean_length"):
        return False
    steps, mean = series.xy("completions/mean_length")
    low = [series.metrics.get("completions/min_length", {}).get(s, NAN) for s in steps]
    high = [series.metrics.get("completions/max_length", {}).get(s, NAN) for s in steps]
    if any(not math.isnan(v) for v in low + high):
        axes.fill_between(steps, low, high, color="tab:cyan", alpha=0.18, label="min–max length")
    _line(axes, series, "completions/mean_length", "mean length", color="tab:cyan", linewidth=2)
    axes.set_ylabel("completion tokens")
    axes.set_title("Completion length")
    if series.has("completions/clipped_ratio"):
        twin = axes.twinx()
        steps, values = series.xy("completions/clipped_ratio")
        twin.plot(steps, values, color="tab:gray", linestyle="--", label="clipped ratio")
        twin.set_ylabel("clipped ratio (hit max length)")
        twin.set_ylim(-0.05, 1.05)
    return True


CHARTS = {
    "reward": _draw_reward,
    "kl": _draw_single("kl", "KL(policy ‖ reference)", "KL divergence"),
    "loss": _draw_loss,
    "entropy": _draw_single("entropy", "entropy (nats/token)", "Policy entropy"),
    "completion_length": _draw_completion_length,
}
