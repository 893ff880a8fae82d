"""TensorBoard files are read back with TensorBoard's own reader; W&B is optional and absent here."""

from __future__ import annotations

import logging
import sys
import types

import numpy

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rlstudio.outputs import sinks
from rlstudio.outputs.sinks import MetricSinks


def read_scalars(log_dir) -> dict[str, list[tuple[int, float]]]:
    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_tensorboard_scalars_read_back(tmp_path):
    sink = MetricSinks(tmp_path, ["tensorboard"])
    for step in range(1, 4):
        sink.log(step, {"reward": 0.25 * step, "rewards/format/mean": 1.0, "kl": None, "grad_norm": float("nan"),
                        "note": "text is ignored", "clip_ratio/low_mean": 0})
    sink.log(3, {"eval_reward": 0.9}, prefix="eval/")
    sink.close()
    sink.close()  # idempotent
    scalars = read_scalars(tmp_path / "tensorboard")
    assert scalars["reward"] == [(1, 0.25), (2, 0.5), (3, 0.75)]
    assert scalars["rewards/format/mean"] == [(1, 1.0), (2, 1.0), (3, 1.0)]
    assert scalars["clip_ratio/low_mean"] == [(1, 0.0), (2, 0.0), (3, 0.0)]
    assert scalars["eval/eval_reward"] == [(3, float(numpy.float32(0.9)))]  # TensorBoard stores float32
    assert not {"kl", "grad_norm", "note"} & set(scalars)


def test_resume_purges_the_rerun_steps(tmp_path):
    first = MetricSinks(tmp_path, ["tensorboard"])
    for step in range(1, 6):
        first.log(step, {"reward": float(step)})
    first.close()  # killed after step 5; the checkpoint was at step 3
    resumed = MetricSinks(tmp_path, ["tensorboard"], purge_step=4)
    for step in range(4, 7):
        resumed.log(step, {"reward": 10.0 * step})
    resumed.close()
    assert read_scalars(tmp_path / "tensorboard")["reward"] == [(1, 1.0), (2, 2.0), (3, 3.0), (4, 40.0), (5, 50.0),
                                                                  (6, 60.0)]


def test_disabled_rank_writes_nothing(tmp_path):
    sink = MetricSinks(tmp_path, ["tensorboard", "wandb"], enabled=False)
    sink.log(1, {"reward": 1.0})
    sink.close()
    assert sink.active == [] and not (tmp_path / "tensorboard").exists()


def test_wandb_missing_warns_once_and_tensorboard_still_works(tmp_path, caplog, monkeypatch):
    monkeypatch.setitem(sys.modules, "wandb", None)  # makes `import wandb` fail even if it were installed
    monkeypatch.setattr(sinks, "_warned", set())
    with caplog.at_level(logging.WARNING):
        a = MetricSinks(tmp_path / "a", ["tensorboard", "wandb"])
        b = MetricSinks(tmp_path / "b", ["wandb"])
    assert caplog.text.count("wandb package is not installed") == 1
    assert a.active == ["tensorboard"] and b.active == []
    a.log(1, {"reward": 1.0})
    a.close()
    b.close()
    assert read_scalars(tmp_path / "a" / "tensorboard")["reward"] == [(1, 1.0)]


def test_wandb_receives_finite_metrics_and_a_failure_does_not_stop_training(tmp_path, monkeypatch):
    # wandb is not installed here, so a recording stand-in with its API takes its place for this call path only.
    calls = []

    class Run:
        def log(self, data, step):
            calls.append(("log", data, step))
            if step == 2:
                raise ConnectionError("wandb.ai unreachable")

        def finish(self):
            calls.append(("finish",))

    fake = types.SimpleNamespace(init=lambda **kw: calls.append(("init", kw["id"], kw["resume"])) or Run())
    monkeypatch.setitem(sys.modules, "wandb", fake)
    monkeypatch.setattr(sinks, "_warned", set())
    sink = MetricSinks(tmp_path / "run-7", ["wandb"])
    sink.log(1, {"reward": 0.5, "kl": None, "entropy": float("inf")})
    sink.log(2, {"reward": 0.6})
    sink.log(3, {"reward": 0.7})  # W&B dropped after the failure
    sink.close()
    assert calls == [("init", "run-7", "allow"), ("log", {"reward": 0.5}, 1), ("log", {"reward": 0.6}, 2)]
