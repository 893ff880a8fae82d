"""Numeric reward: 1.0 when the last number in the completion is within a relative tolerance of the `reference`
column, 0.0 otherwise, None when the reference is not a number."""
import math
import re

_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?|[-+]?\.\d+")
REL_TOL = 1e-3  # 0.1 %
ABS_TOL = 1e-6


def _text(completion) -> str:
    return completion if isinstance(completion, str) else completion[-1]["content"]


def _number(text):
    found = _NUMBER.findall(str(text))
    try:
        return float(found[-1].replace(",", "")) if found else None
    except ValueError:
        return None


def numeric_tolerance(completions, reference=None, **kwargs):
    references = reference or [None] * len(completions)
    out = []
    for c, ref in zip(completions, references):
        target, got = _number(ref), _number(_text(c))
        if target is None:
            out.append(None)
        else:
            out.append(1.0 if got is not None and math.isclose(got, target, rel_tol=REL_TOL, abs_tol=ABS_TOL) else 0.0)
    return out
