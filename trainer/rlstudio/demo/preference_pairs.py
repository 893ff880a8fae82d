"""Preference pairs for the arithmetic demo, so a reward model can be trained locally
(`python -m rlstudio reward-model train`) and PPO can learn the demo from that model instead of a reward function.

Each pair shares a problem of the demo (rlstudio.demo.arithmetic: same templates, names and number range) and
prefers the completion in the demo's format whose <answer> is the result over one that is worse:
  - the same format with a wrong answer (most pairs: what a reward model must learn is the arithmetic);
  - a consistent answer to a miscopied problem in <think> (without these, a reward model learns to check the answer
    against <think> only, and PPO on it learns to rewrite the problem: seen on the first version of these pairs);
  - a broken format (no <think> step, or no <answer> tags).
Training pairs use the training templates, held-out pairs the held-out templates (new sentence shapes).
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from rlstudio.demo.arithmetic import HELDOUT_TEMPLATES, TRAIN_TEMPLATES, make_split


def completion(rec: dict, answer: int | str) -> str:
    """The demo's completion format, spaced as the tiny tokenizer decodes a generated completion."""
    return f"<think> {rec['a']} {rec['op']} {rec['b']} </think> <answer> {answer} </answer>"


def rejected_for(rec: dict, rng: random.Random, max_operand: int, miscopied: float = 0.2) -> str:
    result = int(rec["reference"])
    kind = rng.random()
    if kind < 0.8 - miscopied:
        wrong = rng.choice([n for n in range(0, 2 * max_operand + 1) if n != result])
        return completion(rec, wrong)
    if kind < 0.8:  # a consistent answer to a miscopied problem: the model must check <think> against the prompt
        a, b = rec["a"], rec["b"]
        while (a, b) == (rec["a"], rec["b"]) or (rec["op"] == "-" and b > a):
            a, b = rng.randint(1, max_operand), rng.randint(1, max_operand)
        return f"<think> {a} {rec['op']} {b} </think> <answer> {a + b if rec['op'] == '+' else a - b} </answer>"
    if kind < 0.9:
        return f"<answer> {result} </answer>"  # no <think> step
    return f"<think> {rec['a']} {rec['op']} {rec['b']} </think> {result}"  # no <answer> tags


def preference_pairs(records: list[dict], seed: int, max_operand: int, miscopied: float = 0.2) -> list[dict]:
    rng = random.Random(seed)
    return [{"prompt": r["prompt"], "chosen": completion(r, r["reference"]),
             "rejected": rejected_for(r, rng, max_operand, miscopied),
             "split": r["split"]} for r in records]


def write_preference_pairs(out_dir: Path, n_train: int = 6000, n_heldout: int = 200, seed: int = 4321,
                           max_operand: int = 4, miscopied: float = 0.2) -> dict:
    """Write arithmetic_preferences_train.jsonl / _heldout.jsonl and a reward-model config beside them."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    train = make_split(TRAIN_TEMPLATES, n_train, seed, max_operand)
    heldout = make_split(HELDOUT_TEMPLATES, n_heldout, seed + 1, max_operand, exclude={r["prompt"] for r in train})
    for rows, split in ((train, "train"), (heldout, "heldout")):
        for r in rows:
            r["split"] = split
    paths = {"train": out_dir / "arithmetic_preferences_train.jsonl",
             "heldout": out_dir / "arithmetic_preferences_heldout.jsonl",
             "config": out_dir / "arithmetic.reward-model.json"}
    for key, rows, offset in (("train", train, 0), ("heldout", heldout, 1)):
        with open(paths[key], "w", encoding="utf-8") as f:
            for pair in preference_pairs(rows, seed + 10 + offset, max_operand, miscopied):
                f.write(json.dumps(pair) + "\n")
    paths["config"].write_text(json.dumps(reward_model_config(), indent=2) + "\n", encoding="utf-8")
    return paths


def reward_model_config() -> dict:
    from rlstudio.reward_model.config import SCHEMA_PATH

    return {
        "$schema": str(SCHEMA_PATH),
        "name": "arithmetic-reward-model",
        "output_dir": "runs",
        "model": {"name_or_path": "builtin:tiny", "device": "cpu"},
        "data": {"train_file": "arithmetic_preferences_train.jsonl", "eval_file": "arithmetic_preferences_heldout.jsonl",
                 "max_length": 128},
        # 6000 pairs x 2 epochs (376 steps): held-out pair accuracy 0.995 here, where 2000 pairs gave 0.85 and PPO
        # on that model found the wrong answers it over-scored
        "training": {"learning_rate": 1e-3, "num_train_epochs": 2, "per_device_train_batch_size": 32,
                     "center_rewards_coefficient": 0.01, "logging_steps": 10, "eval_steps": 100, "seed": 42},
    }
