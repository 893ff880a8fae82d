from __future__ import annotations

import json
import math

import pytest

from rlstudio.outputs.best_model import BestModelTracker, config_hash, write_best_model_metadata


def test_new_best_patience_and_early_stop():
    tracker = BestModelTracker("eval_reward", greater_is_better=True, patience=2)
    seen = [tracker.update(step, {"eval_reward": value, "eval_accuracy": 0.5})
            for step, value in [(10, 0.2), (20, 0.5), (30, 0.5), (40, 0.7), (50, 0.6)]]
    assert seen == [True, True, False, True, False]  # equal is not better
    assert (tracker.best_step, tracker.best_value, tracker.should_stop) == (40, 0.7, False)
    assert tracker.update(60, {"eval_reward": float("nan")}) is False  # NaN never wins, counts against patience
    assert tracker.should_stop


def test_lower_is_better_and_trl_style_name():
    tracker = BestModelTracker("loss", greater_is_better=False, patience=None)
    assert tracker.metric == "eval_loss"
    assert [tracker.update(s, {"eval_loss": v}) for s, v in [(1, 2.0), (2, 1.0), (3, 1.5)]] == [True, True, False]
    assert tracker.best_step == 2 and not tracker.should_stop


def test_missing_metric_names_it_and_the_available_ones():
    tracker = BestModelTracker("eval_accuracy", True, None)
    with pytest.raises(ValueError) as err:
        tracker.update(5, {"eval_reward": 1.0, "eval_rewards/format/mean": 0.5})
    assert "eval_accuracy" in str(err.value) and "eval_reward, eval_rewards/format/mean" in str(err.value)


def test_state_round_trip_continues_the_same_decisions():
    a = BestModelTracker("eval_reward", True, 3)
    for step, value in [(1, 0.5), (2, 0.4)]:
        a.update(step, {"eval_reward": value})
    state = json.loads(json.dumps(a.state_dict()))  # must survive JSON / weights_only torch.load
    b = BestModelTracker("eval_reward", True, 3)
    b.load_state_dict(state)
    for tracker in (a, b):
        tracker.update(3, {"eval_reward": 0.45})
        tracker.update(4, {"eval_reward": 0.3})
    assert a.state_dict() == b.state_dict() and b.should_stop and b.best_step == 1
    with pytest.raises(ValueError, match="eval_reward.*eval_accuracy"):
        BestModelTracker("eval_accuracy", True, 3).load_state_dict(state)


def test_metadata_file(tmp_path):
    config = {"training": {"learning_rate": 1e-5, "seed": 1}, "model": {"name_or_path": "builtin:tiny"}}
    reordered = {"model": {"name_or_path": "builtin:tiny"}, "training": {"seed": 1, "learning_rate": 1e-5}}
    assert config_hash(config) == config_hash(reordered)
    assert config_hash(config) != config_hash({**config, "training": {"learning_rate": 2e-5, "seed": 1}})
    best_dir = tmp_path / "best_model"
    write_best_model_metadata(best_dir, 40, "eval_reward", 0.75, config)
    meta = json.loads((best_dir / "metadata.json").read_text())
    assert (meta["step"], meta["metric"], meta["value"]) == (40, "eval_reward", 0.75)
    assert len(meta["config_hash"]) == 64 and meta["config_hash"] == config_hash(config)
    write_best_model_metadata(best_dir / "metadata.json", 50, "reward", math.nan, config)
    meta = json.loads((best_dir / "metadata.json").read_text())
    assert (meta["step"], meta["metric"], meta["value"]) == (50, "eval_reward", None)
    assert sorted(p.name for p in best_dir.iterdir()) == ["metadata.json"]  # no temporary left behind
