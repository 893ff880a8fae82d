"""GRPO must learn: a prompt-dependent skill, from a reward alone, in a few dozen steps on CPU.

The warm start (random-guess answers) teaches the format but no answers; RL then has to learn a code that depends
on the problem: answer 7 to addition problems and 2 to subtraction problems (the dataset's `op` column). Guessing
gets ~1/9; a loop whose advantages, loss sign, masks or optimizer step are broken stays there.
"""
import json

import pytest

from helpers import REPO, arithmetic_setup, events
from rlstudio.config.run_config import load_config
from rlstudio.training.loop import run

REWARD = '''
import re
def op_code(prompts, completions, op=None, **kwargs):
    out = []
    for c, o in zip(completions, op):
        m = re.search(r"<answer>\\s*(\\S+)\\s*</answer>", c)
        out.append(1.0 if m and m.group(1) == ("7" if o == "+" else "2") else 0.0)
    return out
'''


def test_grpo_learns_a_problem_dependent_answer(tmp_path):
    config_path = arithmetic_setup(tmp_path)
    (config_path.parent / "op_code.py").write_text(REWARD)
    cfg = json.loads(config_path.read_text())
    cfg["rewards"] = [{"function": "op_code.py:op_code"}]
    cfg["warm_start"].update(steps=80, batch_size=32, learning_rate=2e-3)
    cfg["grpo"].update(num_generations=8, beta=0.0)
    cfg["sampling"].update(max_completion_length=12)
    cfg["training"].update(max_steps=30, per_device_train_batch_size=64, learning_rate=2e-3, seed=1)
    cfg["checkpointing"].update(save_steps=None)
    cfg["eval"].update(enabled=True, max_samples=16, eval_steps=100)
    config_path.write_text(json.dumps(cfg))
    run_dir = tmp_path / "run"
    assert run(load_config(config_path), run_dir) == 0
    rewards = [e["metrics"]["reward"] for e in events(run_dir)
               if e["type"] == "metrics" and e.get("phase") == "rl" and "reward" in e["metrics"]]  # generating steps
    first, last = sum(rewards[:5]) / 5, sum(rewards[-5:]) / 5
    assert first < 0.3, rewards
    assert last > first + 0.4, rewards

    # a run with every phase (warm start, eval, RL, checkpoint) writes only events that follow the schema
    from jsonschema import Draft7Validator

    validator = Draft7Validator(json.loads((REPO / "schemas" / "trainer-event.schema.json").read_text()))
    evts = events(run_dir)
    assert {"phase", "eval", "samples", "checkpoint", "run_finished"} <= {e["type"] for e in evts}
    for e in evts:
        errors = list(validator.iter_errors(e))
        assert not errors, (e["type"], errors[0].message)


@pytest.mark.slow
def test_ppo_learns_the_arithmetic_demo(tmp_path):
    """PPO (the demo's config: a value head on the policy, a KL penalty in the reward) on the arithmetic demo's own
    data and rewards, shortened to 320 steps (its constant learning rate makes them the demo's first 320): the
    answers must start being learnt. A loop whose advantages, value targets, ratio or mini-batch order were broken
    stays at the warm start's ~1-in-9 guessing."""
    from rlstudio.demo.commands import write_demo_data

    paths = write_demo_data("arithmetic-ppo", tmp_path / "data", max_steps=320)
    cfg = json.loads(paths["config"].read_text())
    cfg["eval"].update(eval_steps=320)
    cfg["logging"].update(report_to=[])
    paths["config"].write_text(json.dumps(cfg))
    run_dir = tmp_path / "run"
    assert run(load_config(paths["config"]), run_dir) == 0
    evts = events(run_dir)
    # the reward is logged once per rollout (every 4 steps): the first and last 16 steps
    rewards = [e["metrics"]["reward"] for e in evts if e["type"] == "metrics" and e.get("phase") == "rl" and "reward" in e["metrics"]]
    first, last = sum(rewards[:4]) / 4, sum(rewards[-4:]) / 4
    accuracy = [e["metrics"]["eval_accuracy"] for e in evts if e["type"] == "eval"]
    print(f"PPO reward {first:.3f} -> {last:.3f}, held-out accuracy {accuracy}")
    assert first < 0.2 and last > first + 0.15, rewards
    assert accuracy[-1] >= accuracy[0] + 0.1, accuracy
