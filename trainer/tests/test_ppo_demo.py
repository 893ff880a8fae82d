"""The PPO demo's config, and `demo --algorithm ppo --reward-model`: a reward model trained first on the demo's
preference pairs, then PPO scored by it, the accuracy reward only logged (weight 0). Step counts are cut to a few
here: the wiring is under test; the learning figures are measured on the full demo (README, PPO section)."""
import json
import os

import pytest

from helpers import events
from rlstudio.cli import main


def test_the_ppo_demo_settings_do_not_follow_the_grpo_demos(monkeypatch):
    """The PPO demo shares the GRPO demo's task (model, data, rewards) but none of its training settings: a retuned
    GRPO demo must not move the PPO demo's measured figures."""
    from rlstudio.demo import commands

    before = commands.arithmetic_ppo_config(640)
    grpo = commands.arithmetic_config

    def retuned(max_steps):
        cfg = grpo(max_steps)
        cfg["sampling"].update(temperature=0.7, max_completion_length=20)
        cfg["training"].update(learning_rate=9e-3, warmup_steps=50, lr_scheduler_type="linear", adam_beta2=0.9, seed=7)
        cfg["warm_start"].update(steps=20, learning_rate=1e-4)
        cfg["eval"].update(eval_steps=5, max_samples=10)
        return cfg

    monkeypatch.setattr(commands, "arithmetic_config", retuned)
    after = commands.arithmetic_ppo_config(640)
    for block in ("sampling", "ppo", "training", "warm_start", "eval"):
        assert after[block] == before[block], block
    assert after["rewards"] == before["rewards"] and after["data"] == before["data"]


def test_demo_trains_a_reward_model_then_ppo_scores_with_it(tmp_path, monkeypatch, capsys):
    from rlstudio.demo import commands, preference_pairs

    full_rm, full_ppo = preference_pairs.reward_model_config, commands.arithmetic_ppo_config

    def short_rm():
        cfg = full_rm()
        cfg["training"].update(max_steps=4, logging_steps=2, eval_steps=50)
        return cfg

    def short_ppo(max_steps):
        cfg = full_ppo(max_steps)
        cfg["warm_start"]["steps"] = 2
        cfg["eval"].update(max_samples=4, eval_steps=100)
        cfg["logging"]["report_to"] = []
        return cfg

    monkeypatch.setattr(preference_pairs, "reward_model_config", short_rm)
    monkeypatch.setattr(commands, "arithmetic_ppo_config", short_ppo)
    out = tmp_path / "demo"
    assert main(["demo", "--algorithm", "ppo", "--reward-model", "--out", str(out), "--max-steps", "4"]) == 0
    printed = capsys.readouterr().out

    (rm_run,) = (out / "preferences" / "runs").iterdir()
    assert (rm_run / "model" / "config.json").is_file()
    rm_events = events(rm_run)
    assert rm_events[-1]["status"] == "completed" and rm_events[0]["algorithm"] == "reward_model"
    pair_accuracy = [e for e in rm_events if e["type"] == "eval"][-1]["metrics"]["eval_accuracy"]
    assert f"held-out pair accuracy {pair_accuracy:.3f}" in printed

    cfg = json.loads((out / "arithmetic-ppo-reward-model.rlstudio.json").read_text())
    assert cfg["algorithm"] == "ppo"
    assert cfg["rewards"] == [{"function": "reward_model:" + os.path.relpath(rm_run / "model", out), "weight": 1.0},
                              {"function": "builtin:accuracy", "weight": 0.0}]
    (run_dir,) = (out / "runs").iterdir()
    assert json.loads((run_dir / "config.json").read_text())["rewards"][0]["function"] == \
        "reward_model:" + str((rm_run / "model").resolve())
    metrics = [e["metrics"] for e in events(run_dir) if e["type"] == "metrics" and e.get("phase") == "rl"]
    assert len(metrics) == 4
    rollouts = [m for m in metrics if "reward" in m]  # rollout metrics are logged on the step that built the batch
    assert len(rollouts) == 1  # 4 steps, each rollout serving 2 epochs x 2 mini-batches
    for m in rollouts:  # PPO trains on the reward model's score alone; the answers' accuracy is only logged
        assert m["reward"] == pytest.approx(m["rewards/reward_model/mean"], abs=1e-6)
        assert 0.0 <= m["rewards/accuracy/mean"] <= 1.0
    assert "Answers right (builtin:accuracy, weight 0" in printed


def test_demo_reward_model_needs_ppo(tmp_path, capsys):
    assert main(["demo", "--reward-model", "--out", str(tmp_path / "demo")]) == 2
    assert "demo --reward-model: only with --algorithm ppo" in capsys.readouterr().err
