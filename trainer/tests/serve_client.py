"""A test client for `python -m rlstudio serve`: the real process over pipes, every reply checked against
schemas/serve-protocol.schema.json, replies gathered per request id."""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading

from helpers import REPO

SCHEMA = json.loads((REPO / "schemas" / "serve-protocol.schema.json").read_text())


def reply_validator():
    from jsonschema import Draft7Validator

    return Draft7Validator({**SCHEMA["definitions"]["ServeReply"], "definitions": SCHEMA["definitions"]})


class ServeClient:
    def __init__(self, *args: str, timeout: float = 120):
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "rlstudio", "serve", "--threads", "1", *args], cwd=REPO,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.timeout = timeout
        self.replies: queue.Queue = queue.Queue()
        self.invalid: list = []
        self._validator = reply_validator()
        self.stderr = b""
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.ready = self.next_reply()
        assert self.ready["type"] == "ready", self.ready

    def _read(self):
        for line in self.proc.stdout:
            reply = json.loads(line)
            errors = list(self._validator.iter_errors(reply))
            if errors:
                self.invalid.append((reply, errors[0].message))
            self.replies.put(reply)
        self.replies.put(None)

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr += line

    def write(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, **request) -> str:
        self.write(json.dumps(request).encode() + b"\n")
        return request.get("id")

    def next_reply(self) -> dict:
        reply = self.replies.get(timeout=self.timeout)
        if reply is None:
            raise AssertionError(f"serve exited ({self.proc.wait()}): {self.stderr.decode(errors='replace')[-3000:]}")
        return reply

    def until_final(self, rid, others: dict | None = None) -> tuple[dict, list[dict]]:
        """(final reply of rid, its non-final replies in order); replies of other ids are kept in `others`."""
        stream = []
        while True:
            reply = self.next_reply()
            if reply["id"] != rid:
                if others is not None:
                    others.setdefault(reply["id"], []).append(reply)
                continue
            if reply["type"] in ("token", "batch_progress"):
                stream.append(reply)
                continue
            return reply, stream

    def gather(self, ids: list[str]) -> dict[str, tuple[dict, list[dict]]]:
        """id -> (final reply, its streamed replies) for requests answered in any interleaving."""
        streams: dict = {rid: [] for rid in ids}
        finals: dict = {}
        while len(finals) < len(ids):
            reply = self.next_reply()
            if reply["id"] not in streams:
                continue
            if reply["type"] in ("token", "batch_progress"):
                streams[reply["id"]].append(reply)
            else:
                finals[reply["id"]] = reply
        return {rid: (finals[rid], streams[rid]) for rid in ids}

    def call(self, **request) -> dict:
        return self.until_final(self.send(**request))[0]

    def close(self) -> int:
        if self.proc.poll() is None:
            try:
                self.send(id="bye", type="shutdown")
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        try:
            return self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()

    def assert_schema(self):
        assert not self.invalid, self.invalid[:3]
