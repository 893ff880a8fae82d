"""`rewards test`: score samples with reward functions through the loader and scoring code training uses, and report
per sample and function the score, the error (traceback, file:line in the user's file) and the time, plus a summary.

Each function is first called on the whole batch, as in training. When that call fails, the function is called on
each sample alone, so one bad sample does not hide the scores of the others; a failure no single sample reproduces
(a wrong number of results, a timeout) is reported for the function as a whole.
"""

from __future__ import annotations

import json
import re
import time
import warnings
from pathlib import Path

from rlstudio.rewards.base import RewardError, RewardFunction, user_traceback
from rlstudio.rewards.loader import load_reward_functions
from rlstudio.rewards.scoring import score_completions
from rlstudio.rewards.guard import (BoundedText, RewardTimeout, captured_output, time_limit, truncate)
from rlstudio.rewards.sample_sources import (TestInputError, TestSample, case_sample, dataset_samples, read_cases_file,
                                          run_samples)
from rlstudio.rewards.score_stats import check_case, summarize

SCHEMA_FILE = "reward-test.schema.json"
DEFAULT_TIMEOUT_S = 10.0
_LOCATED = re.compile(r"^(?P<file>[^\n]+?\.py)(?::(?P<line>\d+))?: ", re.MULTILINE)
_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


class RequestError(ValueError):
    """A request that does not match the schema; the message names the JSON path."""


def request_errors(request) -> list[str]:
    """Schema violations of a RewardTestRequest, as '$.path: message' lines (the same schema the editor uses)."""
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource

    from rlstudio.config.run_config import REPO_ROOT, json_path

    folder = REPO_ROOT / "schemas"
    docs = {name: json.loads((folder / name).read_text(encoding="utf-8"))
            for name in (SCHEMA_FILE, "run-config.schema.json")}
    registry = Registry().with_resources((name, Resource.from_contents(doc)) for name, doc in docs.items())
    schema = {"$ref": f"{SCHEMA_FILE}#/definitions/RewardTestRequest"}
    validator = Draft7Validator(schema, registry=registry)
    return [f"{json_path(tuple(e.absolute_path))}: {e.message}"
            for e in sorted(validator.iter_errors(request), key=lambda e: list(map(str, e.absolute_path)))]


def error_info(message: str, traceback_text: str = "", definition: str = "") -> dict:
    """A TestError: the message, the traceback, and the file:line it points at in the user's file: the deepest frame
    in the function's file, else the deepest frame shown, else a 'file.py:line:' prefix of the message, else the
    function's definition ("file:line", for results that are wrong without raising)."""
    user_file = definition.rpartition(":")[0]
    info: dict = {"message": truncate(message)}
    if traceback_text:
        info["traceback"] = truncate(traceback_text)
    frames = [(m["file"], int(m["line"])) for m in _FRAME.finditer(traceback_text or "")]
    own = [f for f in frames if user_file and Path(f[0]) == Path(user_file)]
    located = own or frames
    if located:
        info["file"], info["line"] = located[-1]
    else:
        m = _LOCATED.search(message)
        if m:
            info["file"] = m["file"]
            if m["line"]:
                info["line"] = int(m["line"])
        elif definition:
            info["file"], info["line"] = user_file, int(definition.rpartition(":")[2])
    return info


def _prompt_text(prompt) -> str:
    return prompt if isinstance(prompt, str) else json.dumps(prompt, ensure_ascii=False)


def _score(rf: RewardFunction, samples: list[TestSample], timeout_s: float, sink: BoundedText) -> list[float]:
    """One scoring call of one function, exactly as training makes it (NaN for None)."""
    records = [s.record for s in samples]
    with time_limit(timeout_s), captured_output(sink), warnings.catch_warnings():
        # share_none reports what scoring's "all functions returned None" warning says, per function
        warnings.filterwarnings("ignore", message="All reward functions returned None")
        scores = score_completions([rf], records, [r.prompt for r in records], [s.completion for s in samples],
                                   [s.completion_ids for s in samples])
    return scores.per_function[:, 0].tolist()


def _score_function(rf: RewardFunction, samples: list[TestSample], timeout_s: float) -> tuple[list[dict], dict]:
    """Per-sample results of one function and its report fields (error, output, duration)."""
    n, sink, definition = len(samples), BoundedText(), rf.location
    start = time.perf_counter()
    try:
        values = _score(rf, samples, timeout_s, sink)
        ms = (time.perf_counter() - start) * 1000
        return [{"score": _score_value(v), "duration_ms": ms / n} for v in values], _report(rf, ms, sink)
    except RewardTimeout as e:
        err = error_info(f"reward function '{rf.name}' {e} on a batch of {n}; it was stopped", user_traceback(e),
                         definition)
        return _all_failed(n, err, start), _report(rf, (time.perf_counter() - start) * 1000, sink, err)
    except RewardError as batch_error:
        results = [_score_alone(rf, s, timeout_s, sink, definition) for s in samples]
        report = _report(rf, (time.perf_counter() - start) * 1000, sink)
        if not any("error" in r for r in results):  # no sample alone fails: the batch as a whole is wrong
            err = error_info(str(batch_error), batch_error.traceback_text, definition)
            report["error"] = err
            results = [{**r, "score": None, "error": err} for r in results]
        return results, report
    except BaseException as e:  # noqa: BLE001 - SystemExit or worse from user code must not end the test
        if isinstance(e, KeyboardInterrupt):
            raise
        err = error_info(f"reward function '{rf.name}' raised {type(e).__name__}: {e}", user_traceback(e),
                         definition)
        return _all_failed(n, err, start), _report(rf, (time.perf_counter() - start) * 1000, sink, err)


def _score_alone(rf: RewardFunction, sample: TestSample, timeout_s: float, sink: BoundedText, definition: str) -> dict:
    start = time.perf_counter()
    try:
        (value,) = _score(rf, [sample], timeout_s, sink)
        return {"score": _score_value(value), "duration_ms": (time.perf_counter() - start) * 1000}
    except RewardError as e:
        err = error_info(str(e), e.traceback_text, definition)
    except RewardTimeout as e:
        err = error_info(f"reward function '{rf.name}' {e}; it was stopped", user_traceback(e), definition)
    except Exception as e:  # noqa: BLE001
        err = error_info(f"reward function '{rf.name}' raised {type(e).__name__}: {e}", user_traceback(e),
                         definition)
    return {"score": None, "error": err, "duration_ms": (time.perf_counter() - start) * 1000}


def _score_value(v: float):
    return None if v != v else v


def _all_failed(n: int, err: dict, start: float) -> list[dict]:
    ms = (time.perf_counter() - start) * 1000
    return [{"score": None, "error": err, "duration_ms": ms / n} for _ in range(n)]


def _report(rf: RewardFunction, ms: float, sink: BoundedText, error: dict | None = None) -> dict:
    report = {"name": rf.name, "reference": rf.reference, "location": rf.location, "weight": rf.weight,
              "duration_ms": ms}
    if error:
        report["error"] = error
    if sink.kept or sink.dropped:
        report["output"] = sink.text()
    return report


def _samples(request: dict, config: dict | None, base: Path) -> list[TestSample]:
    if "cases" in request:
        samples = [case_sample(c, f"$.cases[{i}]", f"$.cases[{i}]") for i, c in enumerate(request["cases"])]
        for i, sample in enumerate(samples):
            sample.name = sample.name or f"case {i}"
        return samples
    if "cases_file" in request:
        return read_cases_file(_resolve(request["cases_file"], base))
    datasets = _datasets(config, "dataset" in request)
    if "dataset" in request:
        return dataset_samples(datasets, request["dataset"])
    return run_samples(_resolve(request["run"]["run_dir"], base), request["run"], datasets)


def _non_empty(samples: list[TestSample]) -> list[TestSample]:
    if not samples:
        raise TestInputError("$: nothing to score (no cases or rows)")
    return samples


def _datasets(config: dict | None, required: bool):
    from rlstudio.data.datasets import DataError, load_datasets

    if config is None:
        if required:
            raise TestInputError("$.config: scoring dataset rows needs the run config that names the datasets")
        return None
    try:
        return load_datasets(config["data"], Path("."))
    except DataError as e:
        if required:
            raise TestInputError(str(e)) from None
        return None  # re-scoring a run still works without its dataset (no columns)


def _resolve(p: str, base: Path) -> Path:
    q = Path(p).expanduser()
    return q if q.is_absolute() else base / q


def _reward_entries(request: dict, config: dict | None, base: Path) -> list[dict]:
    entries = request.get("rewards") or (config or {}).get("rewards")
    if not entries:
        raise TestInputError("$: give the reward functions to test in `rewards` or a `config` that lists them")
    only = request.get("only")
    if only:
        entries = [e for e in entries if (e.get("name") or e["function"].rpartition(":")[2]) in only]
        if not entries:
            raise TestInputError(f"$.only: no reward function named {', '.join(only)}")
    return entries


def run_reward_test(request: dict) -> dict:
    """The RewardTestResponse for a RewardTestRequest. Problems with the input or loading come back as `error`
    (file:line where known); failures of the reward code come back per sample and function."""
    from rlstudio.config.run_config import ConfigError, load_config
    from rlstudio.rewards.base import RewardLoadError

    start = time.perf_counter()
    errors = request_errors(request)
    if errors:
        return _failed(error_info("invalid reward test request:\n" + "\n".join(errors)), start)
    base = Path(request.get("base_dir") or ".").resolve()
    try:
        config = load_config(_resolve(request["config"], base)) if request.get("config") else None
        samples = _non_empty(_samples(request, config, base))
        funcs = load_reward_functions(_reward_entries(request, config, base), base)
    except RewardLoadError as e:
        return _failed(error_info(str(e), e.traceback_text), start)
    except (ConfigError, TestInputError) as e:
        return _failed(error_info(str(e)), start)
    timeout_s = float(request.get("timeout_s", DEFAULT_TIMEOUT_S))
    by_function = [_score_function(rf, samples, timeout_s) for rf in funcs]
    response = _response(funcs, samples, by_function)
    response["duration_ms"] = (time.perf_counter() - start) * 1000
    return response


def _failed(error: dict, start: float) -> dict:
    return {"error": error, "functions": [], "samples": [], "duration_ms": (time.perf_counter() - start) * 1000}


def _response(funcs: list[RewardFunction], samples: list[TestSample], by_function: list) -> dict:
    use_tokens = all(s.completion_ids for s in samples)
    lengths = [len(s.completion_ids) if use_tokens else len(s.completion) for s in samples]
    reports = []
    for (results, report) in by_function:
        report["summary"] = summarize([r["score"] for r in results], ["error" in r for r in results], lengths)
        reports.append(report)
    out_samples = []
    for i, s in enumerate(samples):
        results = {rf.name: by_function[j][0][i] for j, rf in enumerate(funcs)}
        for rf in funcs:
            if rf.name in s.recorded:
                results[rf.name]["recorded"] = s.recorded[rf.name]
        failed = any("error" in r for r in results.values())
        scored = [(r["score"], rf.weight) for rf, r in zip(funcs, results.values()) if r["score"] is not None]
        total = None if failed else sum(v * w for v, w in scored)
        item = {"index": i, "name": s.name, "source": s.record.source, "prompt": truncate(_prompt_text(s.record.prompt)),
                "completion": truncate(s.completion), "completion_chars": len(s.completion), "length": lengths[i],
                "results": results, "total": total}
        if s.step is not None:
            item["step"], item["recorded_total"] = s.step, s.recorded_total
        if s.has_expected:
            item["check"] = check_case(s.expected, s.expected_function, results)
        out_samples.append(item)
    return {"functions": reports, "samples": out_samples, "length_unit": "tokens" if use_tokens else "characters"}
