"""Guards around user reward code while it is being tested: a time limit and a bounded capture of what it prints.

The time limit uses SIGALRM, so it stops pure-Python loops and sleeps in the main thread; code stuck inside a C call
that never checks signals is stopped by the editor, which kills and restarts the worker after its own timeout.
"""

from __future__ import annotations

import contextlib
import io
import signal
import threading

OUTPUT_LIMIT = 20_000  # characters of a function's prints kept per call
TEXT_LIMIT = 10_000  # characters of a prompt / completion / traceback echoed back in a response


class RewardTimeout(BaseException):
    """Raised inside the user's function when its time is up. A BaseException so that `except Exception` in user
    code does not swallow it."""


def truncate(text: str, limit: int = TEXT_LIMIT) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... [truncated: {len(text) - limit} more characters of {len(text)}]"


class BoundedText(io.TextIOBase):
    """A text stream that keeps the first `limit` characters and counts the rest (a reward that prints megabytes
    must not fill the editor's memory or the JSON response)."""

    def __init__(self, limit: int = OUTPUT_LIMIT):
        self.limit = limit
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(s[:room])
            self.kept += min(room, len(s))
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def text(self) -> str:
        out = "".join(self.parts)
        if self.dropped:
            out += f"\n... [truncated: {self.dropped} more characters]"
        return out


@contextlib.contextmanager
def captured_output(sink: BoundedText):
    """sys.stdout and sys.stderr go to `sink` while user code runs (the worker's stdout carries the protocol)."""
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield sink


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise RewardTimeout in the main thread after `seconds` (no limit off the main thread or without SIGALRM)."""
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise RewardTimeout(f"did not return within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
