"""Write files so a reader (the editor, a resumed run) sees either the old content or the new one, never half."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, IO


def write_atomic(path: Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Call write(file) on a temporary sibling, fsync it, then rename it over path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_json_atomic(path: Path, data: Any) -> Path:
    """JSON with NaN/inf written as null, the events.jsonl convention, so strict parsers (the editor) accept it."""
    text = json.dumps(_finite(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return write_atomic(path, lambda handle: handle.write(text.encode("utf-8")))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
