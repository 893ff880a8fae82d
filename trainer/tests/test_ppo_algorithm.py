"""PPO through the shared training loop (algorithms/ppo.py): TRL's PPO metric names, an on-policy first step, a
trained reward model as a reward ("reward_model:<folder>"), and what validate says about PPO batch sizes."""
from __future__ import annotations

import json

import pytest

from helpers import arithmetic_setup, events, run_cli

TRL_PPO_METRICS = {"objective/kl", "objective/entropy", "objective/non_score_reward", "objective/rlhf_reward",
                   "objective/scores", "policy/approxkl_avg", "policy/clipfrac_avg", "loss/policy_avg", "loss/value_avg",
                   "val/clipfrac_avg", "policy/entropy_avg", "val/ratio", "val/ratio_var", "val/num_eos_tokens",
                   "val/explained_variance"}


def _reward_model_folder(tmp_path):
    """A reward model as `reward-model train` saves one (here untrained: only the plumbing is under test)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from rlstudio.models.tiny import tiny_model_dir

    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir(), num_labels=1)
    with torch.no_grad():
        model.score.weight.normal_(0, 1.0)  # scores that vary between completions
    tok = AutoTokenizer.from_pretrained(tiny_model_dir())
    model.config.pad_token_id = tok.pad_token_id
    folder = tmp_path / "rm"
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def test_ppo_run_logs_trl_metrics_and_scores_with_a_reward_model(tmp_path):
    rm = _reward_model_folder(tmp_path)
    config = arithmetic_setup(tmp_path, algorithm="ppo", training__max_steps=3, training__per_device_train_batch_size=4,
                              ppo={"num_ppo_epochs": 3, "num_mini_batches": 1, "kl_coef": 0.05},
                              rewards=[{"function": "builtin:accuracy", "weight": 1.0},
                                       {"function": "reward_model:../rm", "weight": 0.5}],
                              checkpointing__save_steps=None)
    run_dir = tmp_path / "run"
    code, out = run_cli("train", "--config", str(config), "--run-dir", str(run_dir))
    assert code == 0, out
    evts = events(run_dir)
    metrics = [e["metrics"] for e in evts if e["type"] == "metrics" and e.get("phase") == "rl"]
    assert len(metrics) == 3
    assert TRL_PPO_METRICS <= set(metrics[0]), TRL_PPO_METRICS - set(metrics[0])
    # the first mini-batch step is on-policy: the ratio is exactly 1 (old log-probs come from the same forward)
    assert metrics[0]["val/ratio"] == 1.0 and metrics[0]["policy/approxkl_avg"] == 0.0
    assert metrics[2]["val/ratio"] != 1.0  # later epochs have moved the policy
    assert metrics[0]["loss/value_avg"] > 0 and "rewards/reward_model/mean" in metrics[0]
    # one rollout serves the 3 steps: what it measured is logged once, on step 1 (TRL logs once per rollout batch);
    # each step logs its own update
    per_rollout = {"objective/kl", "objective/entropy", "objective/non_score_reward", "objective/rlhf_reward",
                   "objective/scores", "val/num_eos_tokens", "val/explained_variance", "reward", "reward_std",
                   "rewards/accuracy/mean", "rewards/reward_model/mean", "completions/mean_length", "kl_coef"}
    per_update = {"policy/approxkl_avg", "policy/clipfrac_avg", "loss/policy_avg", "loss/value_avg", "val/clipfrac_avg",
                  "policy/entropy_avg", "val/ratio", "val/ratio_var", "loss", "grad_norm", "learning_rate", "num_tokens"}
    assert per_rollout <= set(metrics[0]) and all(not per_rollout & set(m) for m in metrics[1:]), metrics[1]
    assert all(per_update <= set(m) for m in metrics)
    # run_finished keeps the latest value of each metric, the rollout's included
    final = next(e for e in evts if e["type"] == "run_finished")["final_metrics"]
    assert final["objective/scores"] == metrics[0]["objective/scores"] and final["loss"] == metrics[2]["loss"]

    # the reward model's score of a logged completion is what the reward model folder gives it
    from rlstudio.reward_model.scorer import RewardModelFunction

    sample = next(e for e in evts if e["type"] == "samples")["samples"][0]
    expected = RewardModelFunction(rm)([sample["prompt"]], [sample["completion"]])[0]
    assert sample["rewards"]["reward_model"] == pytest.approx(expected, abs=1e-5)
    assert sample["reward"] == pytest.approx(sample["rewards"]["accuracy"] + 0.5 * expected, abs=1e-5)
    started = next(e for e in evts if e["type"] == "run_started")
    assert started["algorithm"] == "ppo"


@pytest.mark.parametrize("override,message,path", [
    (dict(distributed={"nproc_per_node": 2, "strategy": "fsdp"}), "with distributed.strategy \"ddp\" only",
     "$.distributed.strategy"),
    (dict(training__per_device_train_batch_size=1), "PPO whitens advantages over the batch, which needs at least 2",
     "$.training.per_device_train_batch_size"),
])
def test_validate_names_ppo_batch_problems(tmp_path, override, message, path):
    config = arithmetic_setup(tmp_path, algorithm="ppo", **override)
    code, out = run_cli("validate", "--config", str(config), "--json")
    report = json.loads(out.strip().splitlines()[-1])
    assert code == 2 and not report["valid"], out
    problem = next(p for p in report["problems"] if message in p["message"])
    assert problem["jsonPath"] == path and problem["line"]


def test_validate_accepts_ppo_on_several_processes_with_ddp(tmp_path):
    """Each process trains on its own local rollout batch (test_ppo_torchrun.py); fsdp on one process is a no-op."""
    for distributed in ({"nproc_per_node": 2}, {"nproc_per_node": 1, "strategy": "fsdp"}):
        config = arithmetic_setup(tmp_path, algorithm="ppo", distributed=distributed)
        code, out = run_cli("validate", "--config", str(config), "--json")
        report = json.loads(out.strip().splitlines()[-1])
        assert code == 0 and report["valid"], out


def test_a_missing_reward_model_folder_is_named(tmp_path):
    config = arithmetic_setup(tmp_path, algorithm="ppo", rewards=[{"function": "reward_model:no-such-folder"}])
    code, out = run_cli("validate", "--config", str(config))
    assert code == 2 and "no-such-folder is not a model folder" in out, out
