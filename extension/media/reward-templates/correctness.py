"""Correctness reward: 1.0 when the text in the last <answer>...</answer> equals the dataset's `reference` column
(whitespace and case ignored), 0.0 when it differs, None when the row has no reference (not applicable)."""
import re

_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)


def _text(completion) -> str:
    return completion if isinstance(completion, str) else completion[-1]["content"]


def _norm(s) -> str:
    return " ".join(str(s).split()).lower()


def correctness(completions, reference=None, **kwargs):
    references = reference or [None] * len(completions)
    out = []
    for c, ref in zip(completions, references):
        found = _ANSWER.findall(_text(c))
        out.append(None if ref is None else 1.0 if found and _norm(found[-1]) == _norm(ref) else 0.0)
    return out
