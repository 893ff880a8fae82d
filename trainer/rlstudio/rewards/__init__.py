"""Reward functions: loading them from the config ("file.py:function" or "builtin:NAME") and scoring completions
with TRL's calling convention and None semantics."""

import importlib

# Loaded on first use, so that `validate` (which reads reward files, never scores) does not import torch through here.
_HOMES = {"RewardError": "base", "RewardFunction": "base", "RewardLoadError": "base", "RewardScores": "base",
          "TrainerState": "base", "BUILTINS": "builtin", "load_reward_functions": "loader", "score_completions": "scoring"}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'rlstudio.rewards' has no attribute {name!r}")
    return getattr(importlib.import_module(f"rlstudio.rewards.{_HOMES[name]}"), name)


__all__ = [
    "BUILTINS",
    "RewardError",
    "RewardFunction",
    "RewardLoadError",
    "RewardScores",
    "TrainerState",
    "load_reward_functions",
    "score_completions",
]
