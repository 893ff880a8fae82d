"""The samples a reward test scores: cases (inline or a <reward file>.cases.jsonl), dataset rows, or the samples a
run recorded in its events.jsonl. Each becomes a PromptRecord + completion, the shape training scores."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rlstudio.data.datasets import PromptRecord


class TestInputError(ValueError):
    """Input that cannot be tested; the message names the file and line or the request's JSON path."""


@dataclass
class TestSample:
    record: PromptRecord
    completion: str
    completion_ids: list[int] = field(default_factory=list)
    name: str = ""
    step: int | None = None
    recorded: dict = field(default_factory=dict)  # function name -> score the run recorded (run source)
    recorded_total: float | None = None
    expected: object = None
    has_expected: bool = False
    expected_function: str | None = None


_CASE_KEYS = {"name", "prompt", "completion", "completion_ids", "columns", "function", "expected"}


def case_sample(case: dict, where: str, source: str) -> TestSample:
    """One case object (already parsed) as a sample; `where` names it in errors (file:line or $.cases[i])."""
    if not isinstance(case, dict):
        raise TestInputError(f"{where}: a case must be a JSON object, got {type(case).__name__}")
    unknown = sorted(set(case) - _CASE_KEYS)
    if unknown:
        raise TestInputError(f"{where}: unknown key {unknown[0]!r} (a case has: {', '.join(sorted(_CASE_KEYS))})")
    if not isinstance(case.get("completion"), str):
        raise TestInputError(f"{where}: \"completion\" must be a string")
    prompt = case.get("prompt", "")
    if not isinstance(prompt, (str, list)):
        raise TestInputError(f"{where}: \"prompt\" must be a string or a list of chat messages")
    columns = case.get("columns") or {}
    if not isinstance(columns, dict):
        raise TestInputError(f"{where}: \"columns\" must be an object of dataset columns")
    ids = case.get("completion_ids") or []
    if not isinstance(ids, list) or not all(isinstance(t, int) for t in ids):
        raise TestInputError(f"{where}: \"completion_ids\" must be a list of integers")
    expected = case.get("expected")
    if isinstance(expected, bool) or (expected is not None and not isinstance(expected, (int, float, dict))):
        raise TestInputError(f"{where}: \"expected\" must be a number, null or {{\"min\", \"max\"}}")
    record = PromptRecord(prompt=prompt, reference=columns.get("reference"), columns=dict(columns), source=source)
    return TestSample(record=record, completion=case["completion"], completion_ids=list(ids),
                      name=str(case.get("name") or ""), expected=expected, has_expected="expected" in case,
                      expected_function=case.get("function"))


def read_cases_file(path: Path) -> list[TestSample]:
    """A cases file, one JSON case per line (blank lines and lines starting with // are skipped)."""
    if not path.is_file():
        raise TestInputError(f"{path}: cases file not found")
    samples = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{path}:{line_no}"
        try:
            case = json.loads(line)
        except json.JSONDecodeError as e:
            raise TestInputError(f"{where}: invalid JSON: {e.msg} (column {e.colno})") from None
        sample = case_sample(case, where, where)
        sample.name = sample.name or f"line {line_no}"
        samples.append(sample)
    if not samples:
        raise TestInputError(f"{path}: no cases (one JSON object per line)")
    return samples


def dataset_samples(datasets: list[list[PromptRecord]], spec: dict) -> list[TestSample]:
    """The first `limit` rows over the config's datasets, with completions from a column or from the request."""
    limit = spec.get("limit", 20)
    rows = [r for records in datasets for r in records][:limit]
    given = spec.get("completions")
    column = spec.get("completion_column")
    if given is not None and len(given) < len(rows):
        raise TestInputError(f"$.dataset.completions: {len(given)} completions for {len(rows)} rows")
    if given is None:
        column = column or "completion"
        missing = next((r for r in rows if not isinstance(r.columns.get(column), str)), None)
        if missing is not None:
            raise TestInputError(f"{missing.source}: no text column {column!r} to use as the completion "
                                 f"(set dataset.completion_column or pass dataset.completions)")
    out = []
    for i, r in enumerate(rows):
        text = given[i] if given is not None else r.columns[column]
        out.append(TestSample(record=r, completion=text, name=r.source))
    return out


def _records_by_source(datasets: list[list[PromptRecord]]) -> dict[str, PromptRecord]:
    return {r.source: r for records in datasets for r in records}


def run_samples(run_dir: Path, spec: dict, datasets: list[list[PromptRecord]] | None) -> list[TestSample]:
    """Samples a run recorded (events of type "samples"), newest steps first, within [from_step, to_step]. Each
    finds its dataset row by the recorded `source`, so reward functions get the row's columns as in training; a
    sample without one (older runs) is scored on the prompt the model saw, without columns."""
    from rlstudio.outputs.event_reader import read_events

    events_path = run_dir / "events.jsonl"
    if not events_path.is_file():
        raise TestInputError(f"{run_dir}: not a run directory (no events.jsonl)")
    lo, hi = spec.get("from_step", 0), spec.get("to_step")
    by_source = _records_by_source(datasets or [])
    events = [e for e in read_events(events_path) if e["type"] == "samples"
              and lo <= e.get("step", 0) and (hi is None or e.get("step", 0) <= hi)]
    out: list[TestSample] = []
    for event in sorted(events, key=lambda e: -e.get("step", 0)):
        for s in event.get("samples") or []:
            record = by_source.get(s.get("source") or "")
            if record is None:
                record = PromptRecord(prompt=s.get("prompt", ""), reference=None, columns={},
                                      source=s.get("source") or "")
            out.append(TestSample(record=record, completion=s.get("completion", ""),
                                  completion_ids=list(s.get("completion_ids") or []),
                                  name=f"step {event.get('step')} group {s.get('group')} #{s.get('index', 0)}",
                                  step=event.get("step"), recorded=dict(s.get("rewards") or {}),
                                  recorded_total=s.get("reward")))
    limit = spec.get("limit")
    out = out[:limit] if limit else out
    if not out:
        span = f"steps {lo}..{'end' if hi is None else hi}"
        raise TestInputError(f"{events_path}: no recorded samples in {span} (logging.log_completions off?)")
    return out
