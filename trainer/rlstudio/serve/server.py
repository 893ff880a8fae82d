"""The serve loop: the main thread reads requests (and answers cancel at once), one worker thread owns the models
and runs load, generate, score and batch in order. Generate requests for the same model that are waiting together
are decoded as one batch. Every failure is an error reply with the request's id; the process ends only on shutdown
or when stdin closes."""
from __future__ import annotations

import collections
import os
import sys
import threading
import traceback

from rlstudio.serve.protocol import ReplyWriter, RequestError, RequestReader, load_protocol_schema, request_id_of
from rlstudio.user_errors import UserError

MAX_LINE_BYTES = 64 << 20  # a longer line is refused unread: nothing a client writes should exhaust memory
_STOP = object()


class Server:
    def __init__(self, writer: ReplyWriter, max_batch: int = 16):
        self.writer = writer
        self.reader = RequestReader(load_protocol_schema())
        self.max_batch = max_batch
        self.models: dict = {}
        self._queue: collections.deque = collections.deque()
        self._wake = threading.Condition()
        self._live: set[str] = set()  # ids of accepted requests without a final reply yet
        self._cancelled: set[str] = set()
        self._stopping = False

    # ---- reader side ----------------------------------------------------------------------------------------------
    def accept(self, raw: bytes, line_no: int) -> bool:
        """Handle one stdin line; False when it was a shutdown."""
        if not raw.strip():
            return True
        try:
            request = self.reader.parse(raw)
        except RequestError as e:
            self.writer.error(request_id_of(raw), str(e), line_no)
            return True
        rid, kind = request["id"], request["type"]
        with self._wake:
            if rid in self._live:
                self.writer.error(rid, f"request id {rid!r} is still in use by an unfinished request", line_no)
                return True
            if kind == "cancel":
                found = request["target"] in self._live
                if found:
                    self._cancelled.add(request["target"])
                self.writer.send({"id": rid, "type": "ok", "found": found})
                return True
            if kind == "shutdown":
                self._stop_locked(rid)
                return False
            self._live.add(rid)
            self._queue.append(request)
            self._wake.notify()
        return True

    def is_cancelled(self, rid: str) -> bool:
        return rid in self._cancelled

    def stop(self) -> None:
        with self._wake:
            if not self._stopping:
                self._stop_locked(None)

    def _stop_locked(self, shutdown_id: str | None) -> None:
        """Cancel what runs, answer what waits, and let the worker end after its current request."""
        self._stopping = True
        self._cancelled.update(self._live)
        for job in self._queue:
            if isinstance(job, dict):
                self.writer.error(job["id"], "not run: the server is shutting down")
                self._live.discard(job["id"])
        self._queue.clear()
        self._queue.append((_STOP, shutdown_id))
        self._wake.notify()

    # ---- worker side ----------------------------------------------------------------------------------------------
    def _next_jobs(self) -> list:
        """The next request, or every waiting generate request for the same model (up to max_batch)."""
        with self._wake:
            while not self._queue:
                self._wake.wait()
            first = self._queue.popleft()
            if not isinstance(first, dict) or first["type"] != "generate":
                return [first]
            jobs = [first]
            for other in list(self._queue):
                if len(jobs) >= self.max_batch:
                    break
                if isinstance(other, dict) and other["type"] == "generate" and other["model"] == first["model"]:
                    self._queue.remove(other)
                    jobs.append(other)
            return jobs

    def final(self, reply: dict) -> None:
        """Send a request's last reply; from then on its id is free and a late failure cannot answer it twice."""
        self._finish(reply["id"])  # first: a client that has read the final reply finds the id free
        self.writer.send(reply)

    def _finish(self, rid: str) -> None:
        with self._wake:
            self._live.discard(rid)
            self._cancelled.discard(rid)

    def work(self) -> None:
        from rlstudio.serve import handlers

        while True:
            jobs = self._next_jobs()
            if isinstance(jobs[0], tuple):
                if jobs[0][1] is not None:
                    self.writer.send({"id": jobs[0][1], "type": "ok", "found": True})
                return
            try:
                if jobs[0]["type"] == "generate":
                    handlers.generate_batch(self, jobs)
                else:
                    getattr(handlers, jobs[0]["type"])(self, jobs[0])
            except BaseException as e:  # noqa: BLE001 - the process outlives whatever one request does
                message = describe(e)
                for job in jobs:
                    if job["id"] in self._live:
                        self.final({"id": job["id"], "type": "error", "message": message})
                if not isinstance(e, Exception):
                    raise
            finally:
                for job in jobs:
                    self._finish(job["id"])

    def model(self, name: str):
        if name not in self.models:
            loaded = ", ".join(sorted(self.models)) or "none"
            raise RequestError(f"no model named {name!r} is loaded (loaded: {loaded}); send a load request first")
        return self.models[name]


def describe(e: BaseException) -> str:
    """An error reply's message: a user's problem as it is; anything else with its type, traceback on stderr."""
    if isinstance(e, (UserError, RequestError)):
        return str(e)
    traceback.print_exception(e, file=sys.stderr)
    return f"{type(e).__name__}: {e}"


def _read_lines(stream, server: Server) -> None:
    line_no = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        line_no += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # drop the rest of the line without holding it
                raw = stream.readline(MAX_LINE_BYTES)
            server.writer.error(None, f"request longer than {MAX_LINE_BYTES >> 20} MiB; not read", line_no)
            continue
        if not server.accept(raw, line_no):
            return


def serve_main(args) -> int:
    import torch

    from rlstudio.models.policy import quiet_transformers

    # stdout belongs to the protocol: anything else printed (reward functions, libraries) goes to stderr
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    if args.threads:
        torch.set_num_threads(args.threads)
    quiet_transformers()
    writer = ReplyWriter(protocol_out)
    server = Server(writer, max_batch=args.max_batch)
    worker = threading.Thread(target=server.work, name="rlstudio-serve-worker", daemon=True)
    worker.start()
    writer.send({"id": None, "type": "ready", "protocol": 1, "pid": os.getpid()})
    try:
        _read_lines(sys.stdin.buffer, server)
    except KeyboardInterrupt:
        pass
    server.stop()
    worker.join(timeout=args.shutdown_grace)
    return 0
