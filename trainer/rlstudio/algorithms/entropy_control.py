"""TRL 1.16's entropy bonus coefficient: static (entropy_coef) or Skywork-OR1's adaptive control
(use_adaptive_entropy). State that a checkpoint carries (TRL's entropy_ctrl_state.json holds the same two numbers)."""
from __future__ import annotations

import math


class EntropyControl:
    def __init__(self, g: dict):
        self.g = g
        self.enabled = g["entropy_coef"] != 0.0 or g["use_adaptive_entropy"]  # constant for the run, as in TRL
        self.coef = float(g["entropy_coef"])
        # the entropy of the last step; inf so the first step applies no adaptive bonus before a measurement
        self.last_world_entropy = math.inf

    def step_coef(self) -> float | None:
        """The coefficient every micro-batch of this step applies (None: no bonus term at all)."""
        if not self.enabled:
            return None
        if self.g["use_adaptive_entropy"]:
            return self.coef if self.last_world_entropy <= self.g["entropy_target"] else 0.0
        return self.coef

    def end_step(self, entropy_sum: float, tokens: float) -> dict[str, float]:
        """After the optimizer step, with the step's (entropy sum, tokens) over every micro-batch and process:
        the adaptive update for the next step, and the metric TRL logs on the step."""
        if not self.enabled:
            return {}
        if self.g["use_adaptive_entropy"]:
            world = entropy_sum / max(tokens, 1.0)
            if world <= self.g["entropy_target"]:
                self.coef = min(self.coef + self.g["entropy_coef_delta"], self.g["entropy_coef_max"])
            else:
                self.coef = max(self.coef - self.g["entropy_coef_delta"], self.g["entropy_coef_min"])
            self.last_world_entropy = world
        return {"entropy_coef": self.coef}

    def state_dict(self) -> dict:
        finite = math.isfinite(self.last_world_entropy)  # JSON has no inf: None until the first measurement
        return {"entropy_coef": self.coef, "last_world_entropy": self.last_world_entropy if finite else None}

    def load_state_dict(self, state: dict | None) -> None:
        if state:
            last = state["last_world_entropy"]
            self.coef, self.last_world_entropy = float(state["entropy_coef"]), math.inf if last is None else float(last)
