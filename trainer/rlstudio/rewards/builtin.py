"""Built-in reward functions, referenced in a config as "builtin:NAME" with optional "args".

Each entry of BUILTINS is a factory: it takes the config's args and returns a function with TRL's signature
f(prompts, completions, completion_ids=None, **columns) -> list[float | None]. Completions may be plain strings or
TRL's conversational form [{"role": "assistant", "content": text}].
"""

from __future__ import annotations

import functools
import re

from rlstudio.data.answers import answers_match, extract_answer_tag, extract_boxed
from rlstudio.rewards.financial import financial_advice

# a tag's content may not contain another think/answer tag, so "<answer>1</answer><answer>2</answer>" is not strict
_NO_TAG = r"(?:(?!</?think>|</?answer>).)*?"
_STRICT = re.compile(rf"<think>\n{_NO_TAG}\n</think>\n<answer>\n{_NO_TAG}\n</answer>\n?", re.DOTALL)
_SOFT = re.compile(r"<think>.*?</think>\s*<answer>.*?</answer>", re.DOTALL)
_INTEGER = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+|[-+]?\d+")


def completion_text(completion) -> str:
    """The text of a completion: a string as is, TRL's conversational [{"role", "content"}] by its last content."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return str(completion.get("content", ""))
    if isinstance(completion, list) and completion:
        return completion_text(completion[-1])
    return ""


def format_strict():
    """Strict format: 1.0 when the whole completion is exactly
    `<think>\\n...\\n</think>\\n<answer>\\n...\\n</answer>` (one optional trailing newline), else 0.0. Range {0, 1}."""

    def format_strict(completions, **kwargs):
        return [1.0 if _STRICT.fullmatch(completion_text(c)) else 0.0 for c in completions]

    return format_strict


def format_soft():
    """Soft format: 1.0 when `<think>...</think>` is followed (whitespace allowed) by `<answer>...</answer>`
    anywhere in the completion, else 0.0. Range {0, 1}."""

    def format_soft(completions, **kwargs):
        return [1.0 if _SOFT.search(completion_text(c)) else 0.0 for c in completions]

    return format_soft


def _final_answer(text: str) -> str | None:
    answer = extract_answer_tag(text)
    return answer if answer is not None else extract_boxed(text)


def accuracy(rel_tol: float = 1e-6):
    """Answer correctness: 1.0 when the answer in the last `<answer>...</answer>` (or, failing that, the last
    \\boxed{...}) equals the `reference` column — numerically (42 = 42.0 = 1,000/... within rel_tol; fractions and
    $/% accepted) or else as normalised text — 0.0 when it differs or no answer is found, None (not applicable)
    when the sample has no reference. Range {0, 1} or None."""
    if not rel_tol >= 0:
        raise ValueError(f"rel_tol must be >= 0, got {rel_tol}")

    def accuracy(completions, reference=None, **kwargs):
        refs = reference if reference is not None else [None] * len(completions)
        out = []
        for c, ref in zip(completions, refs):
            if ref is None or str(ref).strip() == "":
                out.append(None)
                continue
            answer = _final_answer(completion_text(c))
            out.append(1.0 if answer is not None and answers_match(answer, str(ref), rel_tol) else 0.0)
        return out

    return accuracy


def integer_answer():
    """Integer answer: 1.0 when the `<answer>` content is a whole number such as 42, -7 or 1,000, else 0.0
    (seed 001's digit reward). Range {0, 1}."""

    def integer_answer(completions, **kwargs):
        out = []
        for c in completions:
            answer = extract_answer_tag(completion_text(c))
            out.append(1.0 if answer is not None and _INTEGER.fullmatch(answer) else 0.0)
        return out

    return integer_answer


def tag_count():
    """Tag counting (seed 001's mark reward, open-r1's tag_count_reward): 0.25 for each of `<think>\\n`,
    `\\n</think>\\n`, `\\n<answer>\\n` and `\\n</answer>` that occurs exactly once. Range [0, 1] in steps of 0.25;
    partial credit that leads a model towards the strict format."""

    def tag_count(completions, **kwargs):
        out = []
        for c in completions:
            text = completion_text(c)
            tags = ("<think>\n", "\n</think>\n", "\n<answer>\n", "\n</answer>")
            out.append(sum(0.25 for tag in tags if text.count(tag) == 1))
        return out

    return tag_count


def soft_overlong(max_completion_length: int, cache: int | None = None):
    """DAPO's soft overlong punishment on the completion's token count L, with L_max = max_completion_length and
    L_cache = cache (default L_max // 4): 0 when L <= L_max - L_cache, (L_max - L_cache - L) / L_cache inside the
    cache zone, -1 beyond L_max. Range [-1, 0]. Needs completion_ids (the trainer always passes them)."""
    if isinstance(max_completion_length, bool) or not isinstance(max_completion_length, int) or max_completion_length < 1:
        raise ValueError(f"max_completion_length must be a positive integer, got {max_completion_length!r}")
    cache = max(1, max_completion_length // 4) if cache is None else cache
    if isinstance(cache, bool) or not isinstance(cache, int) or not 1 <= cache <= max_completion_length:
        raise ValueError(f"cache must be an integer in [1, max_completion_length={max_completion_length}], got {cache!r}")
    start = max_completion_length - cache

    def soft_overlong(completions, completion_ids=None, **kwargs):
        if completion_ids is None:
            raise ValueError("soft_overlong needs completion_ids (token ids of each completion)")
        out = []
        for ids in completion_ids:
            length = len(ids)
            if length <= start:
                out.append(0.0)
            elif length <= max_completion_length:
                out.append((start - length) / cache)
            else:
                out.append(-1.0)
        return out

    return soft_overlong


def _documented(factory):
    """The factory, made to give its docstring to the function it builds (shown by the editor and `rewards test`)."""

    @functools.wraps(factory)
    def build(*args, **kwargs):
        fn = factory(*args, **kwargs)
        fn.__doc__ = factory.__doc__
        return fn

    return build


BUILTINS = {
    f.__name__: _documented(f)
    for f in (format_strict, format_soft, accuracy, integer_answer, tag_count, soft_overlong, financial_advice)
}
