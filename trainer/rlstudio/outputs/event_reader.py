"""Read <run>/events.jsonl back for end-of-run summaries (plots, training_stats.json).

The file is append-only and a process may be killed mid-write, so the last line can be torn; and a resumed run
re-logs the steps after its checkpoint. Readers therefore skip undecodable lines and keep the newest value per step.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every complete event object in file order. A torn final line is dropped silently (it is what a kill leaves);
    an undecodable line elsewhere is dropped with a warning naming the file and line."""
    path = Path(path)
    if not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")
    events: list[dict[str, Any]] = []
    last_index = max(i for i, line in enumerate(lines) if line.strip()) if any(l.strip() for l in lines) else -1
    for index, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            event = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            if index != last_index:
                log.warning("%s:%d: skipped a line that is not valid JSON (%s)", path, index + 1, err)
            continue
        if isinstance(event, dict) and isinstance(event.get("type"), str):
            events.append(event)
        else:
            log.warning("%s:%d: skipped a line that is not an event object with a \"type\"", path, index + 1)
    return events


def latest_by_step(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    """Events of one type, one per (phase, step), the newest occurrence winning, ordered by step.

    After a resume from step k the run writes steps k+1.. again; the later lines are the ones the surviving
    model history belongs to."""
    chosen: dict[tuple[str, int], dict[str, Any]] = {}
    for event in events:
        if event.get("type") != event_type or not isinstance(event.get("step"), int):
            continue
        chosen[(str(event.get("phase", "rl")), event["step"])] = event
    return sorted(chosen.values(), key=lambda e: (e["step"], str(e.get("phase", "rl")) != "warm_start"))


def metric_value(metrics: Any, name: str) -> float | None:
    """A finite float for metrics[name], else None (absent, null, NaN, or not a number)."""
    if not isinstance(metrics, dict):
        return None
    value = metrics.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if value == value and value not in (float("inf"), float("-inf")) else None
