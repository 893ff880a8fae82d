"""<run>/events.jsonl writer: one JSON object per line, flushed per line, non-finite numbers as null."""
from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


def finite(value: Any) -> Any:
    """JSON-safe copy: NaN/Inf -> None, tensors and numpy scalars -> Python numbers."""
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:  # torch / numpy scalar
        return finite(value.item())
    if hasattr(value, "tolist"):
        return finite(value.tolist())
    return value


class EventWriter:
    """Appends events; only the main process writes (others get enabled=False and every call is a no-op)."""

    def __init__(self, path: Path, enabled: bool = True):
        self.path = Path(path)
        self.enabled = enabled
        self._f = open(self.path, "a", encoding="utf-8") if enabled else None
        if self._f is not None and _ends_mid_line(self.path):
            # a process killed inside a write left half a line: end it, so it stays one bad line instead of
            # swallowing this process's first event (readers skip it)
            self._f.write("\n")
            self._f.flush()

    def emit(self, type_: str, **fields: Any) -> dict:
        event = {"type": type_, "time": time.time(), **{k: v for k, v in fields.items() if v is not None}}
        event = finite(event)
        if self._f is not None:
            self._f.write(json.dumps(event, ensure_ascii=False, allow_nan=False) + "\n")
            self._f.flush()
        return event

    def run_started(self, **fields) -> dict:
        return self.emit("run_started", schema_version=SCHEMA_VERSION, pid=os.getpid(), **fields)

    def metrics(self, step: int, metrics: dict, phase: str = "rl", epoch: float | None = None) -> dict:
        return self.emit("metrics", step=step, phase=phase, epoch=epoch, metrics=metrics)

    def alert(self, level: str, code: str, message: str, step: int | None = None, hint: str | None = None) -> dict:
        return self.emit("alert", step=step, level=level, code=code, message=message, hint=hint)

    def log(self, level: str, message: str, step: int | None = None) -> dict:
        return self.emit("log", step=step, level=level, message=message)

    def phase(self, phase: str, status: str, step: int | None = None, steps: int | None = None, metrics: dict | None = None) -> dict:
        return self.emit("phase", step=step, phase=phase, status=status, steps=steps, metrics=metrics)

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None


def _ends_mid_line(path: Path) -> bool:
    with open(path, "rb") as f:
        if f.seek(0, os.SEEK_END) == 0:
            return False
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"
