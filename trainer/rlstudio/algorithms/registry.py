"""config["algorithm"] -> the Algorithm class that trains it."""
from __future__ import annotations

from rlstudio.algorithms.base import Algorithm
from rlstudio.algorithms.grpo import GRPO
from rlstudio.algorithms.ppo import PPO

ALGORITHMS: dict[str, type[Algorithm]] = {GRPO.name: GRPO, PPO.name: PPO}


def algorithm_class(name: str) -> type[Algorithm]:
    try:
        return ALGORITHMS[name]
    except KeyError:  # the schema's enum should have caught it; say what is available if it did not
        raise ValueError(f"algorithm {name!r} is not available (available: {', '.join(sorted(ALGORITHMS))})") from None
