"""Who owns a run directory: the live trainer holds an exclusive lock on <run>/.rlstudio.lock for its whole life.

The lock is a kernel file lock (flock), so it is released when its process ends in any way, SIGKILL included: a lock
file whose lock is free is stale by construction, and the owner it names (pid, host, start time, command) is
reported as gone. A second `train` or `resume` on a live run is refused with the owner named, before it writes
anything; `train --run-dir` on a directory that already holds a run is refused unless asked to start over."""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import sys
import time
from datetime import datetime
from pathlib import Path

from rlstudio.user_errors import RunRefused

LOCK_FILE = ".rlstudio.lock"
# What a run leaves in its directory (process-output.log is the editor's, written before the trainer starts).
RUN_OUTPUTS = ("config.json", "events.jsonl", "trainer.log", "checkpoints", "reference", "best_model", "final",
               "tensorboard", "plots", "training_stats.json")


class RunDirBusy(RunRefused):
    pass


class RunDirTaken(RunRefused):
    pass


def _describe(owner: dict) -> str:
    started = owner.get("started")
    when = datetime.fromtimestamp(started).strftime("%Y-%m-%d %H:%M:%S") if isinstance(started, (int, float)) else "?"
    return f"pid {owner.get('pid', '?')} on host {owner.get('host', '?')}, started {when}: {owner.get('command', '?')}"


class RunLock:
    def __init__(self, fd: int, path: Path, stale_owner: dict | None):
        self._fd, self.path, self.stale_owner = fd, path, stale_owner

    def release(self) -> None:
        """A clean end empties the file, so only a process that died without releasing leaves an owner behind."""
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
        except OSError:
            pass
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


def _read_owner(fd: int) -> dict | None:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 65536)
    if not raw.strip():
        return None
    try:
        owner = json.loads(raw)
        return owner if isinstance(owner, dict) else None
    except ValueError:
        return None


def acquire(run_dir: Path, command: str) -> RunLock:
    """Lock run_dir for this process or raise RunDirBusy naming the live owner."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = _read_owner(fd) or {}
        os.close(fd)
        raise RunDirBusy(_busy_message(run_dir, owner)) from None
    stale = _read_owner(fd)
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(), "command": command}
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, (json.dumps(owner) + "\n").encode())
    os.fsync(fd)
    return RunLock(fd, path, stale)


def refuse_if_live(run_dir: Path) -> None:
    """Raise RunDirBusy when a live process holds run_dir's lock (a check before touching its files at all; the
    lock itself is taken later by the trainer)."""
    path = Path(run_dir) / LOCK_FILE
    if not path.is_file():
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = _read_owner(fd) or {}
        raise RunDirBusy(_busy_message(Path(run_dir), owner)) from None
    finally:
        os.close(fd)


def _busy_message(run_dir: Path, owner: dict) -> str:
    return (f"{run_dir}: the run directory is in use by a live trainer ({_describe(owner)}). Stop it first "
            f"(RL Studio: Stop Training, or kill -INT {owner.get('pid', '<pid>')}), or use another run directory.")


def stale_message(lock: RunLock) -> str | None:
    if not lock.stale_owner:
        return None
    return (f"the previous trainer of this run ({_describe(lock.stale_owner)}) ended without releasing it "
            f"(killed or crashed); taking over {lock.path}")


def existing_outputs(run_dir: Path) -> list[str]:
    run_dir = Path(run_dir)
    found = []
    for name in RUN_OUTPUTS:
        p = run_dir / name
        if p.is_file() and p.stat().st_size > 0 or p.is_dir() and any(p.iterdir()):
            found.append(name)
    return found


def claim_for_new_run(run_dir: Path, start_over: bool) -> list[str]:
    """Before a fresh `train` writes into run_dir (the caller holds the lock): refuse a directory that already holds a
    run, unless start_over, which removes that run's outputs. Returns what was removed."""
    found = existing_outputs(run_dir)
    if not found:
        return []
    if not start_over:
        raise RunDirTaken(f"{run_dir}: this directory already holds a run ({', '.join(found)}). Continue it with "
                          f"`python -m rlstudio resume --run-dir {run_dir}`, choose another --run-dir, or pass "
                          f"--start-over to delete that run and train from scratch.")
    for name in found:
        p = Path(run_dir) / name
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    print(f"--start-over: removed the previous run's {', '.join(found)} from {run_dir}", file=sys.stderr, flush=True)
    return found
