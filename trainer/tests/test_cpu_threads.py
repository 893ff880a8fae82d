"""The intra-op thread count a CPU run picks when the user has not set OMP_NUM_THREADS (training/cpu_threads.py)."""
import os

import torch

from rlstudio.training.cpu_threads import SMALL_MODEL_PARAMETERS, apply_cpu_threads, idle_cores, threads_for, usable_cores

CPU, CUDA = torch.device("cpu"), torch.device("cuda")
CORES = usable_cores()


def test_small_model_on_cpu_gets_a_thread_per_idle_core():
    assert threads_for(CPU, 500_000, environ={}, idle=lambda: 0.1) == 1  # a busy machine: one thread, never zero
    assert threads_for(CPU, SMALL_MODEL_PARAMETERS - 1, environ={}, idle=lambda: 0.0) == 1
    assert threads_for(CPU, 500_000, environ={}, idle=lambda: CORES - 0.3) == CORES  # a quiet machine: every core
    assert threads_for(CPU, 500_000, environ={}, idle=lambda: CORES + 3.0) == CORES
    assert threads_for(CPU, 500_000, environ={}, idle=lambda: None) == CORES  # nothing to measure: torch's count


def test_the_user_the_device_or_a_larger_model_keep_torchs_count():
    assert threads_for(CPU, 500_000, environ={"OMP_NUM_THREADS": "2"}) is None  # the user's choice wins
    assert threads_for(CUDA, 500_000, environ={}) is None
    assert threads_for(CPU, SMALL_MODEL_PARAMETERS, environ={}) is None


def test_a_resumed_run_keeps_the_count_it_started_with():
    assert threads_for(CPU, 500_000, environ={}, saved=3, idle=lambda: 0.0) == 3
    assert threads_for(CPU, SMALL_MODEL_PARAMETERS * 2, environ={}, saved=3) == 3
    assert threads_for(CPU, 500_000, environ={"OMP_NUM_THREADS": "1"}, saved=3) is None  # the user still wins


def test_a_process_allowed_fewer_cores_gets_at_most_those(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)  # e.g. taskset -c 0
    assert usable_cores() == 1
    assert threads_for(CPU, 500_000, environ={}, idle=lambda: 8.0) == 1


def test_idle_cores_reads_proc_stat(tmp_path):
    measured = idle_cores(0.05)
    assert measured is None or 0.0 <= measured <= CORES + 1e-6
    assert idle_cores(0.0, str(tmp_path / "missing")) is None


def test_apply_sets_the_count_and_reports_it(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = torch.get_num_threads()
    try:
        assert apply_cpu_threads(CPU, 1000, saved=1) == 1 == torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
