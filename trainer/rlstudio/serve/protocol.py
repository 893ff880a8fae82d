"""Reading requests and writing replies of the serve protocol (schemas/serve-protocol.schema.json).

Whatever arrives on stdin (binary junk, a line that is not JSON, a 10 MB prompt, an unknown request) becomes an
error reply; nothing a client writes can end the process. Replies are written whole, one line each, under a lock,
because the reader thread and the model worker both answer."""
from __future__ import annotations

import json
import math
import threading
from pathlib import Path

from rlstudio.config.run_config import REPO_ROOT

SCHEMA_PATH = REPO_ROOT / "schemas" / "serve-protocol.schema.json"


class RequestError(Exception):
    """A request that cannot be carried out; its message is the error reply's message."""


def load_protocol_schema() -> dict:
    return json.loads(Path(SCHEMA_PATH).read_text(encoding="utf-8"))


def _json_path(parts) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


class RequestReader:
    """Turns one raw stdin line into a validated request dict, or raises RequestError saying what is wrong."""

    def __init__(self, schema: dict):
        from jsonschema import Draft7Validator

        self._defs = schema["definitions"]
        self._by_type = {}
        for ref in self._defs["ServeRequest"]["oneOf"]:
            name = ref["$ref"].rsplit("/", 1)[1]
            kind = self._defs[name]["properties"]["type"]["const"]
            self._by_type[kind] = Draft7Validator({**self._defs[name], "definitions": self._defs})

    def parse(self, raw: bytes) -> dict:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise RequestError(f"not UTF-8 text ({e.reason} at byte {e.start}); each request is one JSON object "
                               f"per line") from None
        try:
            request = json.loads(text)
        except json.JSONDecodeError as e:
            raise RequestError(f"invalid JSON: {e.msg} (column {e.colno}); each request is one JSON object per "
                               f"line") from None
        if not isinstance(request, dict):
            raise RequestError(f"a request is a JSON object, got {type(request).__name__}")
        kind = request.get("type")
        validator = self._by_type.get(kind) if isinstance(kind, str) else None
        if validator is None:
            raise RequestError(f"$.type: unknown request type {kind!r}; expected one of {', '.join(self._by_type)}")
        errors = sorted(validator.iter_errors(request), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            raise RequestError(f"{kind} request: {_json_path(first.absolute_path)}: {first.message}")
        return request


def request_id_of(raw: bytes):
    """The id of a request that failed to parse or validate, when one can still be read (else None)."""
    try:
        value = json.loads(raw.decode("utf-8")).get("id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and 0 < len(value) <= 200 else None


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


class ReplyWriter:
    """One JSON object per line on the protocol stream (a binary file), thread-safe; non-finite numbers become null."""

    def __init__(self, stream):
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, reply: dict) -> None:
        line = json.dumps(_finite(reply), ensure_ascii=False, allow_nan=False) + "\n"
        with self._lock:
            try:
                self._stream.write(line.encode("utf-8"))
                self._stream.flush()
            except (BrokenPipeError, ValueError):
                pass  # the client is gone; the reader sees EOF and the process ends

    def error(self, request_id, message: str, line: int | None = None) -> None:
        reply = {"id": request_id, "type": "error", "message": message}
        if line is not None:
            reply["line"] = line
        self.send(reply)
