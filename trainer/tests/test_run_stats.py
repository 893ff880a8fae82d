from __future__ import annotations

import json
import random

from rlstudio.outputs.run_stats import write_training_stats
from run_fixture import grpo_metrics, write_events


def test_training_stats_summarise_a_resumed_run(tmp_path):
    write_events(tmp_path)
    for step in (30, 40):  # step_10 and step_20 were pruned by keep_last; 30 exists, 40 was lost
        (tmp_path / "checkpoints" / f"step_{step}").mkdir(parents=True, exist_ok=step == 40)
    (tmp_path / "checkpoints" / "step_40").rmdir()
    stats = json.loads(write_training_stats(tmp_path).read_text())
    assert (stats["status"], stats["reason"], stats["algorithm"], stats["max_steps"]) == ("completed", "max_steps",
                                                                                          "grpo", 40)
    assert (stats["steps_completed"], stats["warm_start_steps"], stats["rl_steps_logged"], stats["resumes"]) == (
        40, 5, 35, 1)
    assert stats["training_seconds"] == 61.5 and stats["wall_time_seconds"] > 61.5
    reward = stats["reward"]
    assert reward["first"]["step"] == 6 and reward["last"]["step"] == 40
    assert 21 <= reward["best"]["step"] <= 25  # the re-logged steps carry the +0.25 bonus
    assert stats["final_metrics"]["reward"] == reward["last"]["value"]
    assert stats["final_metrics"]["kl"] > 0.08 and set(grpo_metrics(40, random.Random(0))) == set(stats["final_metrics"])
    assert [e["step"] for e in stats["eval_history"]] == [10, 20, 30, 40]
    assert [e["is_best"] for e in stats["eval_history"]] == [True, True, False, True]
    assert stats["best_model"]["step"] == 40
    assert [(c["path"], c["exists"]) for c in stats["checkpoints"]] == [("checkpoints/step_30", True),
                                                                      ("checkpoints/step_40", False)]
    assert stats["alerts"] == {"nonfinite_step": 1}


def test_killed_run_is_incomplete(tmp_path):
    (tmp_path / "events.jsonl").write_text(json.dumps({"type": "metrics", "time": 5, "step": 1,
                                                       "metrics": {"reward": float("nan")}}) + "\n")
    stats = json.loads(write_training_stats(tmp_path).read_text())
    assert stats["status"] == "incomplete" and stats["reward"] is None and stats["steps_completed"] == 1
    assert stats["final_metrics"] == {"reward": None}  # NaN read back is written as null, strict JSON
