"""Reward functions: loading them from the config ("file.py:function" or "builtin:NAME") and scoring completions
with TRL's calling convention and None semantics."""

from rlstudio.rewards.base import RewardError, RewardFunction, RewardLoadError, RewardScores, TrainerState
from rlstudio.rewards.builtin import BUILTINS
from rlstudio.rewards.loader import load_reward_functions
from rlstudio.rewards.scoring import score_completions

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
