"""Taking ownership of a run directory before a trainer writes anything into it (all torchrun ranks agree)."""
from __future__ import annotations

import sys
from pathlib import Path

from rlstudio.training.distributed import broadcast_object
from rlstudio.run_directory.lock import RunLock, acquire, claim_for_new_run
from rlstudio.user_errors import RunRefused, UserError


def claim_run_dir(ctx, run_dir: Path, fresh: bool, start_over: bool) -> RunLock | None:
    """Rank 0 locks run_dir (and, for a fresh run, refuses one that already holds a run unless start_over); every
    rank raises RunRefused with the same message when it cannot. Returns rank 0's lock (None on other ranks)."""
    lock, error = None, None
    if ctx.is_main:
        try:
            lock = acquire(run_dir, " ".join(["python -m rlstudio", *sys.argv[1:]]))
            if fresh:
                claim_for_new_run(run_dir, start_over)
        except UserError as e:
            if lock is not None:
                lock.release()
            lock, error = None, str(e)
    error = broadcast_object(ctx, error)
    if error:
        raise RunRefused(error)
    return lock
