"""How many intra-op threads a CPU run uses when the user has not said (OMP_NUM_THREADS unset).

torch's default is one thread per core. On a machine whose cores other processes share, the idle threads of each
parallel region spin-wait for a descheduled sibling: measured on the tiny model on a busy 2-core machine, two timed
GRPO steps took 16.4 CPU s (33 s wall) with 2 threads and 1.6 CPU s (4.4 s wall) with 1. On the same machine quiet,
a second thread pays even for the tiny model (bench config tiny_32: 7,900 against 5,000 completion tokens/s). So a
model under SMALL_MODEL_PARAMETERS gets one thread per core that is idle when the run starts (measured over a moment
from /proc/stat, not the load average, which still counts a process that ended a minute ago), at least one; a larger
model keeps torch's default. OMP_NUM_THREADS (or torch.set_num_threads before the run, as torchrun's own
OMP_NUM_THREADS=1 does) always wins. A resumed run keeps the count its run started with (trainer_state's
cpu_threads): a different count splits reductions differently and moves results in the last bits."""
from __future__ import annotations

import os
import time

import torch

SMALL_MODEL_PARAMETERS = 20_000_000


def idle_cores(interval_s: float = 0.2, stat_path: str = "/proc/stat") -> float | None:
    """How many of the machine's cores were idle over the next interval_s (None where /proc/stat is not there)."""
    def sample() -> tuple[int, int]:
        with open(stat_path) as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        return fields[3] + (fields[4] if len(fields) > 4 else 0), sum(fields)  # idle + iowait, all

    try:
        idle0, total0 = sample()
        time.sleep(interval_s)
        idle1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    if total1 <= total0:
        return None
    return (idle1 - idle0) / (total1 - total0) * (os.cpu_count() or 1)


def threads_for(device: torch.device, n_parameters: int, environ=os.environ, saved: int | None = None,
                idle=idle_cores) -> int | None:
    """The intra-op thread count to set, or None to leave torch's. saved: the count the run started with."""
    if device.type != "cpu" or "OMP_NUM_THREADS" in environ:
        return None
    if saved:
        return saved
    if n_parameters >= SMALL_MODEL_PARAMETERS:
        return None
    free = idle()
    cores = usable_cores()
    return cores if free is None else max(1, min(cores, int(free + 0.5)))


def usable_cores() -> int:
    """The cores this process may run on (a container or taskset can allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def apply_cpu_threads(device: torch.device, n_parameters: int, saved: int | None = None) -> int:
    """Set threads_for's count if it has one; returns the intra-op thread count now in use, which the run keeps in
    its trainer state for a resume (training.loop.run puts the process's own count back when the run ends: tests
    train in-process)."""
    chosen = threads_for(device, n_parameters, saved=saved)
    if chosen is not None:
        torch.set_num_threads(chosen)
    return torch.get_num_threads()
