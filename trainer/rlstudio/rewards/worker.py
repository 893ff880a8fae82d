"""`rewards worker`: a long-lived process that answers reward tests as JSON lines over stdio, so repeated tests from
the editor do not pay for the interpreter and torch imports each time.

In: {"id": 1, "method": "test", "params": <RewardTestRequest>} | {"id": 2, "method": "ping"} | {"method": "shutdown"}
Out: {"id": 1, "result": <RewardTestResponse>} | {"id": 1, "error": {"message": ...}} (schemas/reward-test.schema.json)

The protocol owns the original stdout; file descriptor 1 is pointed at stderr, so prints from user code (also from C
extensions or subprocesses) can never corrupt a response line. User files are executed again when they, or the
modules next to them that they import, change on disk.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import IO

from rlstudio.rewards.loader import loaded_user_files, unload_user_files


class _ReloadWatch:
    """Modification times of the loaded reward files and the modules imported from their folders."""

    def __init__(self):
        self.seen: dict[Path, int] = {}

    def _user_modules(self) -> dict[str, Path]:
        # a string comparison per module: resolving every path in sys.modules costs ~100 ms per request
        folders = {str(p.parent) for p in loaded_user_files()}
        out = {}
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if isinstance(file, str) and os.path.dirname(file) in folders:
                out[name] = Path(file)
        return out

    def _mtimes(self, paths) -> dict[Path, int]:
        out = {}
        for p in paths:
            try:
                out[p] = os.stat(p).st_mtime_ns
            except OSError:
                out[p] = -1
        return out

    def reload_changed(self) -> list[str]:
        """Unload everything user-defined when any watched file changed; the files that changed."""
        modules = self._user_modules()
        now = self._mtimes(set(loaded_user_files()) | set(modules.values()))
        changed = [str(p) for p, t in now.items() if p in self.seen and self.seen[p] != t]
        if changed:
            unload_user_files(loaded_user_files())
            for name, path in modules.items():
                if path not in loaded_user_files():
                    sys.modules.pop(name, None)
        return changed

    def remember(self) -> None:
        self.seen = self._mtimes(set(loaded_user_files()) | set(self._user_modules().values()))


def _reply(out: IO[str], message: dict) -> None:
    try:
        line = json.dumps(message, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError as e:  # a NaN that slipped through must not end the worker
        line = json.dumps({"id": message.get("id"), "error": {"message": f"response not serializable: {e}"}})
    out.write(line + "\n")
    out.flush()


def handle(message, watch: _ReloadWatch) -> dict | None:
    """The response to one request (None for shutdown)."""
    from rlstudio.rewards.testing import run_reward_test

    if not isinstance(message, dict) or (not isinstance(message.get("id"), int) and message.get("method") != "shutdown"):
        return {"id": None, "error": {"message": "a request is a JSON object with an integer \"id\" and a \"method\""}}
    rid, method = message.get("id"), message.get("method")
    if method == "shutdown":
        return None
    if method == "ping":
        return {"id": rid, "pong": {"pid": os.getpid(), "python": sys.version.split()[0]}}
    if method != "test":
        return {"id": rid, "error": {"message": f"unknown method {method!r} (test, ping, shutdown)"}}
    params = message.get("params")
    if not isinstance(params, dict):
        return {"id": rid, "error": {"message": "\"params\" must be a reward test request object"}}
    watch.reload_changed()
    try:
        result = run_reward_test(params)
    finally:
        watch.remember()
    return {"id": rid, "result": result}


def serve(inp: IO[str], out: IO[str]) -> int:
    watch = _ReloadWatch()
    for line in inp:
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except json.JSONDecodeError as e:
            _reply(out, {"id": None, "error": {"message": f"request line is not JSON: {e.msg} (column {e.colno})"}})
            continue
        try:
            response = handle(message, watch)
        except BaseException as e:  # noqa: BLE001 - the worker outlives whatever a request does
            if isinstance(e, KeyboardInterrupt):
                raise
            rid = message.get("id") if isinstance(message, dict) else None
            response = {"id": rid, "error": {"message": f"reward worker failed: {type(e).__name__}: {e}",
                                             "traceback": traceback.format_exc()}}
        if response is None:
            return 0
        _reply(out, response)
    return 0


def main() -> int:
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # The warm import: the first test should not pay for torch and the scoring code.
    import rlstudio.rewards.testing  # noqa: F401

    print(f"rlstudio rewards worker ready (pid {os.getpid()})", file=sys.stderr, flush=True)
    return serve(sys.stdin, protocol)
