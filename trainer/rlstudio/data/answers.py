"""Answer extraction and comparison shared by the data loader (reference normalisation) and the built-in rewards.

Kept free of torch so the data layer and reward tests stay light.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)
_GSM8K_MARK = "####"
_NUMBER = re.compile(r"[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_LATEX_FRAC = re.compile(r"^\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}$")
_SIMPLE_FRAC = re.compile(r"^([-+]?\d+)\s*/\s*(\d+)$")
_ANSWER_PREFIX = re.compile(r"^(?:the\s+)?(?:final\s+)?answer\s*(?:is)?\s*[:=]?\s*", re.IGNORECASE)


def extract_boxed(text: str) -> str | None:
    """Content of the last \\boxed{...} (or \\fbox{...}) in text, braces balanced; None when absent."""
    start = max(text.rfind("\\boxed{"), text.rfind("\\fbox{"))
    if start < 0:
        return None
    i = text.index("{", start) + 1
    depth = 1
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i:j].strip()
    return None


def gsm8k_final_answer(text: str) -> str | None:
    """The part after GSM8K's '#### ' marker with thousands separators removed; None when there is no marker."""
    if _GSM8K_MARK not in text:
        return None
    return text.rsplit(_GSM8K_MARK, 1)[1].strip().replace(",", "")


def normalise_reference(value) -> str | None:
    """A dataset's reference as reward functions see it: GSM8K '#### N' -> 'N', '\\boxed{x}' -> 'x', else stripped text.

    Empty references mean "no reference" (None) so reference-based rewards report "not applicable".
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        value = str(value)
    text = str(value).strip()
    if not text:
        return None
    final = gsm8k_final_answer(text)
    if final is None:
        final = extract_boxed(text)
    return final if final else text


def extract_answer_tag(text: str) -> str | None:
    """Content of the last <answer>...</answer> in a completion, stripped; None when there is none."""
    found = _ANSWER_TAG.findall(text)
    return found[-1].strip() if found else None


def parse_number(text: str) -> float | None:
    """A number written as text: '42', '-3.5', '1,000', '$12', '50%', '3/4', '\\frac{3}{4}', '\\boxed{7}'.

    Returns None unless the whole text (after removing units like $ and %) is one number.
    """
    s = text.strip()
    boxed = extract_boxed(s)
    if boxed is not None:
        s = boxed
    s = s.strip().strip("$").strip().rstrip(".").replace("\\!", "").replace("\\%", "%").rstrip("%").strip()
    s = s.replace("\\$", "").lstrip("$").strip()
    frac = _LATEX_FRAC.match(s) or _SIMPLE_FRAC.match(s)
    if frac:
        try:
            return float(Fraction(int(frac.group(1)), int(frac.group(2))))
        except (ValueError, ZeroDivisionError):
            return None
    if not _NUMBER.fullmatch(s):
        return None
    if "," in s and not re.fullmatch(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?", s):
        return None  # "1,2" is a list, not a number
    try:
        value = float(s.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def normalise_text(text: str) -> str:
    """Lower-case, drop an 'answer is' prefix, surrounding punctuation/LaTeX dollars, and collapse whitespace."""
    s = _ANSWER_PREFIX.sub("", text.strip())
    s = s.strip().strip("$").strip()
    s = re.sub(r"\s+", " ", s).lower()
    return s.strip(" .。!！?？\"'`")


def answers_match(predicted: str, reference: str, rel_tol: float = 1e-6) -> bool:
    """True when both parse to the same number (relative tolerance) or their normalised texts are equal."""
    a, b = parse_number(predicted), parse_number(reference)
    if a is not None and b is not None:
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=1e-9)
    return normalise_text(predicted) == normalise_text(reference)
