"""The end-of-run charts, drawn from a realistic events.jsonl and checked by their pixels."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy
from matplotlib.image import imread

from rlstudio.outputs.event_reader import read_events
from rlstudio.outputs.plots import load_series, write_plots
from run_fixture import write_events

CHARTS = ["reward", "kl", "loss", "entropy", "completion_length"]
TAB_BLUE = (31, 119, 180)          # reward mean line
TAB_RED = (214, 39, 40)            # GRPO loss line
WARM_SHADE = (255, 240, 226)       # tab:orange at alpha 0.12 over white


def pixels_near(png: Path, rgb: tuple[int, int, int], tolerance: int = 6) -> int:
    image = (imread(png)[..., :3] * 255).round()
    return int((numpy.abs(image - numpy.array(rgb)).max(axis=-1) <= tolerance).sum())


def test_full_run_draws_every_chart(tmp_path):
    run = tmp_path / "run"
    write_events(run)
    written = write_plots(run)
    assert [p.name for p in written] == [f"{c}.png" for c in CHARTS]
    assert sorted(p.name for p in (run / "plots").iterdir()) == sorted(f"{c}.png" for c in CHARTS)  # no temporaries
    for png in written:
        image = imread(png)
        assert image.shape[:2] == (450, 800)
        assert image[..., :3].std() > 0.05  # not a blank canvas
    reward = run / "plots" / "reward.png"
    assert pixels_near(reward, TAB_BLUE, 2) > 300  # the mean line is drawn
    assert pixels_near(reward, WARM_SHADE) > 2000  # the warm start is shaded
    assert pixels_near(run / "plots" / "loss.png", TAB_RED, 2) > 300
    if os.environ.get("RLSTUDIO_PLOT_PREVIEW_DIR"):  # for a person to look at
        shutil.copytree(run / "plots", os.environ["RLSTUDIO_PLOT_PREVIEW_DIR"], dirs_exist_ok=True)


def test_series_keep_the_resumed_copy_and_separate_warm_start(tmp_path):
    write_events(tmp_path)
    events = read_events(tmp_path / "events.jsonl")
    assert events[-1]["type"] == "run_finished"  # the torn final line was dropped
    series = load_series(events)
    rl_reward = series.metrics["reward"]
    assert sorted(rl_reward) == list(range(6, 41))
    first_copy = [e for e in events if e["type"] == "metrics" and e["step"] == 22][0]["metrics"]["reward"]
    assert abs(rl_reward[22] - (first_copy + 0.25)) < 0.11  # the re-logged step won (bonus 0.25, noise ±0.05)
    assert series.warm_start_metrics["loss"] == {1: 3.0, 2: 1.5, 3: 1.0, 4: 0.75, 5: 0.6}
    assert 7 not in series.metrics["grad_norm"]  # null (NaN) is a gap, not a zero
    assert series.warm_start_spans == [(0, 5)]
    assert series.best_eval_steps == {10, 20, 40}


def test_charts_without_their_metric_are_skipped_and_no_shade_without_phases(tmp_path):
    lines = [{"type": "run_started", "time": 0, "run_id": "r", "algorithm": "grpo", "max_steps": 3, "config": {}}]
    lines += [{"type": "metrics", "time": s, "step": s, "metrics": {"reward": 0.1 * s, "loss": 0.5, "kl": None}}
              for s in range(1, 4)]
    (tmp_path / "events.jsonl").write_text("".join(json.dumps(l) + "\n" for l in lines))
    written = write_plots(tmp_path)
    assert [p.name for p in written] == ["reward.png", "loss.png"]  # kl only ever null
    assert pixels_near(tmp_path / "plots" / "reward.png", WARM_SHADE) == 0


def test_empty_or_missing_events_write_nothing(tmp_path):
    assert write_plots(tmp_path) == []
    (tmp_path / "events.jsonl").write_text('{"type": "run_started"')
    assert write_plots(tmp_path) == []
