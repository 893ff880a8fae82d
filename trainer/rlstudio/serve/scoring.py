"""Scoring answers with the run's own reward functions (loaded and called by rlstudio.rewards, as training does),
and rendering a prompt the way training rendered it (the run's system prompt and chat template)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from rlstudio.serve.protocol import RequestError


@dataclass
class ScoreContext:
    funcs: list = field(default_factory=list)
    why_none: str = "the checkpoint has no run config beside it, so there are no reward functions to score with"

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.funcs]

    @classmethod
    def empty(cls) -> "ScoreContext":
        return cls()

    @classmethod
    def for_run(cls, run_config: dict | None) -> "ScoreContext":
        from rlstudio.rewards import load_reward_functions

        if not run_config:
            return cls.empty()
        return cls(load_reward_functions(run_config["rewards"], Path(".")))

    def score(self, record, completions: list[str], completion_ids: list[list[int]]):
        from rlstudio.rewards import score_completions

        if not self.funcs:
            raise RequestError(self.why_none)
        n = len(completions)
        return record, completions, score_completions(self.funcs, [record] * n, [record.prompt] * n, completions,
                                                      completion_ids)


def prompt_record(req: dict):
    """The PromptRecord a request describes: its prompt or messages, reference and extra columns (as a dataset row)."""
    from rlstudio.data.datasets import PromptRecord

    prompt = req.get("messages") or req.get("prompt") or ""
    reference = req.get("reference")
    columns = {**(req.get("columns") or {}), "prompt": prompt, "reference": reference}
    return PromptRecord(prompt=prompt, reference=reference, columns=columns, source=f"request {req['id']}")


def render(loaded, prompt) -> str:
    from rlstudio.data.datasets import PromptRecord, render_prompt

    return render_prompt(PromptRecord(prompt=prompt, reference=None), loaded.tokenizer, loaded.data_cfg)


def scores_json(scored) -> list[dict]:
    """[{total, per_function (None where a function does not apply), correct (None without a reference)}]."""
    from rlstudio.training.evaluation import answer_correct

    record, completions, scores = scored
    out = []
    for i, text in enumerate(completions):
        per = {name: (None if math.isnan(v) else v) for name, v in zip(scores.names, scores.per_function[i].tolist())}
        correct = answer_correct(text, record.reference) if record.reference is not None else None
        out.append({"total": float(scores.total[i]), "per_function": per, "correct": correct})
    return out
