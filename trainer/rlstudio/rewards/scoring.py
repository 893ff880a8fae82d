"""Calling reward functions the way TRL's GRPOTrainer does, and refusing results that would silently corrupt training.

Call convention (TRL): f(prompts=..., completions=..., completion_ids=..., trainer_state=..., **columns), where the
columns are every dataset column (one list per column, None where a record lacks it). Conversational samples get
prompts as message lists and completions as [{"role": "assistant", "content": text}]. A function that does not take
**kwargs receives only the keywords it names (TRL would pass everything and fail; we are lenient there).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import math
import numbers
import warnings
from typing import Sequence

import torch

from rlstudio.rewards.base import RewardError, RewardFunction, RewardScores, TrainerState, user_traceback

# TRL does not forward these dataset columns: the trainer supplies them itself
_RESERVED_COLUMNS = {"prompt", "completion", "completion_ids", "prompts", "completions", "trainer_state", "log_extra",
                     "log_metric"}
_WHOLE_BATCH = ("trainer_state", "log_extra", "log_metric")  # keywords that are not one value per completion
_SHOW_CHARS = 300


def _short(value) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _SHOW_CHARS else text[:_SHOW_CHARS] + f"... [{len(text)} chars]"


def _run_coroutines(coros: list) -> list:
    """Results (or exceptions) of coroutines run concurrently, also when called from inside a running event loop."""

    async def gather():
        return await asyncio.gather(*coros, return_exceptions=True)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(gather())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, gather()).result()


def _column_kwargs(records: Sequence, columns: Sequence[str] | None) -> dict[str, list]:
    keys: dict[str, None] = dict.fromkeys(columns or ())
    for r in records:
        keys.update(dict.fromkeys(r.columns))
    return {k: [r.columns.get(k) for r in records] for k in keys if k not in _RESERVED_COLUMNS}


def _call_kwargs(rf: RewardFunction, full: dict) -> dict:
    kwargs = dict(full) if rf.accepts_any else {k: v for k, v in full.items() if k in rf.params}
    kwargs.update(rf.args)
    return kwargs


def _slice(full: dict, i: int) -> dict:
    # re-running one sample to locate a failure must not log again (nor log one value where n were expected)
    quiet = {"log_extra": lambda column, values: None, "log_metric": lambda name, value: None}
    return {k: quiet.get(k, v) if k in _WHOLE_BATCH else v[i:i + 1] for k, v in full.items()}


def _call_one(rf: RewardFunction, kwargs: dict):
    result = rf.fn(**kwargs)
    if inspect.isawaitable(result):
        (result,) = _run_coroutines([result])
        if isinstance(result, BaseException):
            raise result
    return result


def _sample_error(rf: RewardFunction, what: str, i: int | None, full: dict, records, tb: str = "") -> RewardError:
    n = len(full["completions"])
    idx = 0 if i is None else i
    source = records[idx].source if records else ""
    prompt, completion = full["prompts"][idx], full["completions"][idx]
    where = f"sample {idx} of {n}" + (f" ({source})" if source else "")
    if i is None:
        where = f"the batch of {n} (no single sample reproduces it; first sample {source or 0} shown)"
    message = (
        f"reward function '{rf.name}' ({rf.reference or rf.location}) {what}\n"
        f"  on {where}\n  prompt:     {_short(prompt)}\n  completion: {_short(completion)}"
    )
    if tb:
        message += "\n" + tb.rstrip()
    return RewardError(message, function=rf.name, index=i, source=source, prompt=prompt, completion=completion,
                       traceback_text=tb)


def _format_tb(exc: BaseException) -> str:
    return user_traceback(exc)


def _locate_failure(rf: RewardFunction, full: dict, records, batch_exc: BaseException) -> RewardError:
    """Re-run the function one sample at a time to name the sample that makes it raise."""
    kinds = f"raised {type(batch_exc).__name__}: {batch_exc}"
    if isinstance(batch_exc, TypeError) and "argument" in str(batch_exc):
        missing = [p for p in rf.required if p not in full]
        if missing:
            cols = sorted(k for k in full if k not in {"prompts", "completions", "completion_ids", *_WHOLE_BATCH})
            kinds += f" (it needs '{missing[0]}', which is not a dataset column; columns: {cols})"
            return _sample_error(rf, kinds, 0, full, records, _format_tb(batch_exc))
    for i in range(len(full["completions"])):
        try:
            _call_one(rf, _call_kwargs(rf, _slice(full, i)))
        except Exception as e:  # noqa: BLE001 - any failure of user code is reported
            return _sample_error(rf, f"raised {type(e).__name__}: {e}", i, full, records, _format_tb(e))
    return _sample_error(rf, kinds, None, full, records, _format_tb(batch_exc))


def _to_floats(rf: RewardFunction, result, full: dict, records) -> list[float]:
    n = len(full["completions"])
    if isinstance(result, torch.Tensor) or type(result).__module__ == "numpy":
        result = result.tolist()
    if not isinstance(result, (list, tuple)):
        return _raise(_sample_error(rf, f"returned {type(result).__name__}, not a list of {n} numbers", 0, full, records))
    if len(result) != n:
        return _raise(_sample_error(rf, f"returned {len(result)} values for {n} completions", 0, full, records))
    out = []
    for i, v in enumerate(result):
        if v is None:
            out.append(math.nan)
            continue
        if isinstance(v, torch.Tensor) and v.numel() == 1:
            v = v.item()
        if not isinstance(v, (numbers.Real, bool)):
            _raise(_sample_error(rf, f"returned {type(v).__name__} {_short(repr(v))} at index {i}, not a number or None",
                                 i, full, records))
        v = float(v)
        if not math.isfinite(v):
            _raise(_sample_error(rf, f"returned {v} at index {i}; return None for 'not applicable'",
                                 i, full, records))
        out.append(v)
    return out


def _raise(err: RewardError):
    raise err


def score_completions(funcs: Sequence[RewardFunction], records: Sequence, prompts: list, completions: list[str],
                      completion_ids: list[list[int]], trainer_state=None, columns: Sequence[str] | None = None,
                      log_extra=None, log_metric=None) -> RewardScores:
    """Score N completions with every reward function. records[i] is the PromptRecord completion i answers
    (repeated per generation); prompts[i] its raw prompt (a string or chat messages), as TRL passes them.
    columns: every column of the dataset(s) the records come from; each reaches the functions, None where a record
    lacks it (as TRL passes a dataset's columns), so what a function sees does not depend on which records share
    its batch."""
    n = len(completions)
    if not (len(records) == len(prompts) == n == len(completion_ids)):
        raise ValueError(f"score_completions: {len(records)} records, {len(prompts)} prompts, {n} completions, "
                         f"{len(completion_ids)} completion_ids; all must be equal")
    conversational = [isinstance(p, list) for p in prompts]
    shown = [[{"role": "assistant", "content": c}] if conv else c for c, conv in zip(completions, conversational)]
    full = {"prompts": list(prompts), "completions": shown, "completion_ids": [list(ids) for ids in completion_ids],
            **_column_kwargs(records, columns), "trainer_state": trainer_state if trainer_state is not None else TrainerState(),
            # TRL 1.16's logging callbacks (rlstudio.rewards.reward_logs); without a collector they are no-ops
            "log_extra": log_extra or (lambda column, values: None), "log_metric": log_metric or (lambda name, value: None)}

    results: list = [None] * len(funcs)
    pending: dict[int, object] = {}
    for j, rf in enumerate(funcs):
        try:
            value = rf.fn(**_call_kwargs(rf, full))
        except Exception as e:  # noqa: BLE001
            raise _locate_failure(rf, full, records, e) from None
        if inspect.isawaitable(value):
            pending[j] = value
        else:
            results[j] = value
    if pending:  # async functions run concurrently, as TRL does
        for j, value in zip(pending, _run_coroutines(list(pending.values()))):
            if isinstance(value, Exception):
                raise _locate_failure(funcs[j], full, records, value) from None
            if isinstance(value, BaseException):
                raise value
            results[j] = value

    columns = [_to_floats(rf, res, full, records) for rf, res in zip(funcs, results)]
    per_function = torch.tensor(columns, dtype=torch.float32).T.reshape(n, len(funcs))
    weights = torch.tensor([rf.weight for rf in funcs], dtype=torch.float32)
    all_none = torch.isnan(per_function).all(dim=1) if funcs else torch.ones(n, dtype=torch.bool)
    total = (per_function * weights.unsqueeze(0)).nansum(dim=1)
    if n and bool(all_none.any()):
        i = int(all_none.nonzero()[0, 0])
        warnings.warn(f"All reward functions returned None for sample {i} ({records[i].source}): as in TRL, it is left "
                      f"out of its group's baseline and the reward statistics and gets advantage 0, so it teaches "
                      f"nothing. Make sure at least one reward function applies to every sample.",
                      stacklevel=2)
    return RewardScores(per_function=per_function, total=total, names=[rf.name for rf in funcs], weights=weights,
                        all_none=all_none)
