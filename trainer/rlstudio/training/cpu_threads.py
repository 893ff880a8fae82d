"""How many intra-op threads a CPU run uses when the user has not said (OMP_NUM_THREADS unset).

torch's default is one thread per core. For a small model every matmul is too small for a second thread to pay for
the synchronisation, and on a machine whose cores other processes share, the idle threads of each parallel region
spin-wait for a descheduled sibling: measured on the tiny model on a busy 2-core machine, two timed GRPO steps took
16.4 CPU s (33 s wall) with 2 threads and 1.6 CPU s (4.4 s wall) with 1. So a model under SMALL_MODEL_PARAMETERS runs
on one thread; a larger one keeps torch's default. OMP_NUM_THREADS (or torch.set_num_threads before the run, as
torchrun's own OMP_NUM_THREADS=1 does) always wins. The change can move results in the last bits, as any change of
thread count does (reductions split differently); runs on the same machine and settings stay reproducible."""
from __future__ import annotations

import os

import torch

SMALL_MODEL_PARAMETERS = 20_000_000


def threads_for(device: torch.device, n_parameters: int, environ=os.environ) -> int | None:
    """The intra-op thread count to set, or None to leave torch's."""
    if device.type != "cpu" or "OMP_NUM_THREADS" in environ or n_parameters >= SMALL_MODEL_PARAMETERS:
        return None
    return 1


def apply_cpu_threads(device: torch.device, n_parameters: int) -> int:
    """Set threads_for's count if it has one; returns the intra-op thread count now in use (training.loop.run puts
    the process's own count back when the run ends: tests train in-process)."""
    chosen = threads_for(device, n_parameters)
    if chosen is not None:
        torch.set_num_threads(chosen)
    return torch.get_num_threads()
