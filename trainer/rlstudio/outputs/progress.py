"""Human progress on stdout (and so in trainer.log): one line per logged step, readable in a terminal and a log."""
from __future__ import annotations

import sys
import time


def _fmt_time(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _bar(done: int, total: int, width: int = 20) -> str:
    filled = int(width * done / max(total, 1))
    return "#" * filled + "-" * (width - filled)


class Progress:
    def __init__(self, total: int, phase: str, enabled: bool = True, start_step: int = 0):
        self.total, self.phase, self.enabled = total, phase, enabled
        self.t0 = time.time()
        self.start_step = start_step

    def update(self, step: int, metrics: dict, keys: tuple[str, ...] = ("reward", "kl", "loss", "entropy")) -> None:
        if not self.enabled:
            return
        elapsed = time.time() - self.t0
        done = step - self.start_step
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - step) / rate if rate > 0 else 0.0
        parts = []
        for k in keys:
            v = metrics.get(k)
            if isinstance(v, (int, float)):
                parts.append(f"{k} {v:.4g}")
        line = (f"[{self.phase}] step {step}/{self.total} |{_bar(step, self.total)}| " + "  ".join(parts)
                + f"  {rate:.2f} it/s  elapsed {_fmt_time(elapsed)}  eta {_fmt_time(eta)}")
        print(line, file=sys.stdout, flush=True)


class Tee:
    """Write to a stream and a log file (trainer.log gets everything the process prints)."""

    def __init__(self, stream, log_file):
        self.stream, self.log_file = stream, log_file

    def write(self, text: str) -> int:
        self.stream.write(text)
        try:
            self.log_file.write(text)
            self.log_file.flush()
        except ValueError:  # log closed during shutdown
            pass
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self):
        return getattr(self.stream, "encoding", "utf-8")
