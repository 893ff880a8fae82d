"""Graceful stop: SIGINT/SIGTERM let the training loop finish its step, checkpoint and end the run as stopped."""
from __future__ import annotations

import signal


class StopFlag:
    """SIGINT/SIGTERM ask the loop to stop after the current step (a second SIGINT interrupts at once)."""

    def __init__(self):
        self.requested = False
        self.signal_name = None

    def install(self) -> None:
        self._previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}

    def uninstall(self) -> None:
        for sig, handler in getattr(self, "_previous", {}).items():
            signal.signal(sig, handler)

    def _handle(self, signum, frame):
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True
        self.signal_name = signal.Signals(signum).name
        print(f"\n{self.signal_name} received: finishing the current step, then saving and stopping", flush=True)
