"""Types shared by reward loading and scoring."""

from __future__ import annotations

import inspect
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from rlstudio.user_errors import UserError


if TYPE_CHECKING:  # torch stays out of what `validate` imports (it must answer the editor in well under a second)
    import torch

_OWN_DIR = str(Path(__file__).resolve().parent)


def user_traceback(exc: BaseException) -> str:
    """The traceback of an exception from user code, without RL Studio's and importlib's own frames."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if not f.filename.startswith(_OWN_DIR) and not f.filename.startswith("<frozen")]
    return ("Traceback (most recent call last):\n" + "".join(traceback.format_list(mine or frames))
            + "".join(traceback.format_exception_only(type(exc), exc)))


class RewardError(UserError, RuntimeError):
    """A reward function failed. The message names the function, the sample (prompt and completion, truncated) and
    carries the traceback; the attributes let the editor show the same facts in a structured way."""

    def __init__(self, message: str, *, function: str = "", index: int | None = None, source: str = "",
                 prompt=None, completion=None, traceback_text: str = ""):
        super().__init__(message)
        self.function = function
        self.index = index
        self.source = source
        self.prompt = prompt
        self.completion = completion
        self.traceback_text = traceback_text


class RewardLoadError(RewardError):
    """A reward function could not be loaded: the message starts with 'path:line: ' or 'path: ' where it can."""


@dataclass
class TrainerState:
    """What TRL's `trainer_state` keyword offers reward functions for schedule-dependent shaping (the fields used
    in practice, and log_history); the trainer passes its own object, this is the stand-in when none is given."""

    global_step: int = 0
    max_steps: int = 0
    epoch: float = 0.0
    num_train_epochs: float = 0.0
    log_history: list = field(default_factory=list)  # {**metrics, "step", "epoch"} of every logged step, as TRL


@dataclass
class RewardFunction:
    name: str
    weight: float
    fn: Callable
    reference: str = ""  # the config's "function" string
    args: dict = field(default_factory=dict)  # user-function keyword arguments from the config (win over columns)
    location: str = ""  # "file:line" of the definition, for editor links

    def __post_init__(self):
        try:
            sig = inspect.signature(self.fn)
        except (TypeError, ValueError):  # some builtins / C callables have no signature: pass everything
            self.accepts_any, self.params, self.required = True, frozenset(), ()
            return
        ps = sig.parameters.values()
        self.accepts_any = any(p.kind is p.VAR_KEYWORD for p in ps)
        self.params = frozenset(p.name for p in ps if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        self.required = tuple(
            p.name for p in ps
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.default is p.empty
        )


@dataclass
class RewardScores:
    """Rewards of N completions from F functions.

    per_function: float32 [N, F], NaN where a function returned None (not applicable to that sample).
    total: float32 [N], TRL's nansum over functions of per_function * weights. As in TRL, a sample for which every
      function returned None gets total 0.0 (torch.nansum of an all-NaN row), not NaN; `all_none` marks those rows
      so the trainer can warn, and score_completions emits a warning like TRL's.
    """

    per_function: torch.Tensor
    total: torch.Tensor
    names: list[str]
    weights: torch.Tensor
    all_none: torch.Tensor

    def function_metrics(self) -> dict[str, float]:
        """TRL's rewards/<name>/mean and /std (NaN-aware, Bessel-corrected std) for this batch."""
        import torch

        out = {}
        for i, name in enumerate(self.names):
            col = self.per_function[:, i]
            valid = col[~torch.isnan(col)]
            out[f"rewards/{name}/mean"] = valid.mean().item() if valid.numel() else float("nan")
            out[f"rewards/{name}/std"] = valid.std().item() if valid.numel() > 1 else float("nan")
        return out
