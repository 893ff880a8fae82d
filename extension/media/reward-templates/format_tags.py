"""Format reward: 1.0 when the completion is <think>...</think> followed by <answer>...</answer>, else 0.0.
TRL's reward signature: f(prompts, completions, completion_ids=None, **dataset_columns) -> list[float | None]."""
import re

_FORMAT = re.compile(r"\s*<think>.+?</think>\s*<answer>.+?</answer>\s*", re.DOTALL)


def _text(completion) -> str:
    # plain text, or TRL's conversational form [{"role": "assistant", "content": ...}]
    return completion if isinstance(completion, str) else completion[-1]["content"]


def format_tags(completions, **kwargs):
    return [1.0 if _FORMAT.fullmatch(_text(c)) else 0.0 for c in completions]
