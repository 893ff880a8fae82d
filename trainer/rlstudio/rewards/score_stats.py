"""Numbers about a reward function's scores (the usual ways a reward is broken: all None, all zero, no spread, tied
to length) and the verdict of a case with an expected score."""

from __future__ import annotations

import math

DEFAULT_TOLERANCE = 1e-6
HISTOGRAM_BINS = 10


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def histogram(values: list[float], bins: int = HISTOGRAM_BINS) -> list[dict]:
    """Equal-width bins from the smallest to the largest value (one bin when they are all equal)."""
    if not values:
        return []
    lo, hi = min(values), max(values)
    if lo == hi:
        return [{"from": lo, "to": hi, "count": len(values)}]
    width = (hi - lo) / bins
    counts = [0] * bins
    for v in values:
        counts[min(int((v - lo) / width), bins - 1)] += 1
    return [{"from": lo + i * width, "to": lo + (i + 1) * width, "count": c} for i, c in enumerate(counts)]


def summarize(scores: list[float | None], errored: list[bool], lengths: list[int]) -> dict:
    """mean / min / max / population std of the numeric scores; shares of None, zero and errors over all samples;
    the correlation of score with completion length."""
    n = len(scores)
    numeric = [(s, length) for s, err, length in zip(scores, errored, lengths) if s is not None and not err]
    values = [s for s, _ in numeric]
    mean = sum(values) / len(values) if values else None
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) if values else None
    n_err = sum(errored)
    n_none = sum(1 for s, err in zip(scores, errored) if s is None and not err)
    return {
        "count": n,
        "scored": len(values),
        "mean": mean,
        "min": min(values) if values else None,
        "max": max(values) if values else None,
        "std": std,
        "share_none": n_none / n if n else 0.0,
        "share_zero": sum(1 for v in values if v == 0) / n if n else 0.0,
        "share_error": n_err / n if n else 0.0,
        "length_correlation": _pearson(values, [float(length) for _, length in numeric]),
        "histogram": histogram(values),
    }


def _verdict(expected, result: dict) -> tuple[bool, str]:
    if "error" in result:
        return False, result["error"]["message"].splitlines()[0]
    actual = result["score"]
    if expected is None:
        return actual is None, f"expected None, got {actual}"
    if actual is None:
        return False, f"expected {_describe(expected)}, got None"
    if isinstance(expected, dict):
        tol = expected.get("tolerance", DEFAULT_TOLERANCE)
        ok = ("equals" not in expected or abs(actual - expected["equals"]) <= tol) \
            and ("min" not in expected or actual >= expected["min"] - tol) \
            and ("max" not in expected or actual <= expected["max"] + tol)
        return ok, f"expected {_describe(expected)}, got {actual:g}"
    return abs(actual - expected) <= DEFAULT_TOLERANCE, f"expected {expected:g}, got {actual:g}"


def _describe(expected) -> str:
    if not isinstance(expected, dict):
        return f"{expected:g}"
    parts = []
    if "equals" in expected:
        parts.append(f"{expected['equals']:g}")
    if "min" in expected:
        parts.append(f">= {expected['min']:g}")
    if "max" in expected:
        parts.append(f"<= {expected['max']:g}")
    return " and ".join(parts) or "any number"


def check_case(expected, function: str | None, results: dict) -> dict:
    """Pass / fail of a case against its functions' results: the named function, or every function tested."""
    names = [function] if function else list(results)
    check = {"expected": expected}
    if function:
        check["function"] = function
    if function and function not in results:
        return {**check, "passed": False, "actual": None,
                "message": f"no reward function named {function!r} was tested (tested: {', '.join(results)})"}
    failures = []
    for name in names:
        ok, message = _verdict(expected, results[name])
        if not ok:
            failures.append(f"{name}: {message}")
    actual = results[names[0]]["score"] if len(names) == 1 else None
    if failures:
        return {**check, "passed": False, "actual": actual, "message": "; ".join(failures)}
    return {**check, "passed": True, "actual": actual, "message": "passed"}
