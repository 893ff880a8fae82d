"""The intra-op thread count a CPU run picks when the user has not set OMP_NUM_THREADS (training/cpu_threads.py)."""
import torch

from rlstudio.training.cpu_threads import SMALL_MODEL_PARAMETERS, apply_cpu_threads, threads_for

CPU, CUDA = torch.device("cpu"), torch.device("cuda")


def test_small_model_on_cpu_gets_one_thread():
    assert threads_for(CPU, 500_000, environ={}) == 1
    assert threads_for(CPU, SMALL_MODEL_PARAMETERS - 1, environ={}) == 1


def test_the_user_the_device_or_a_larger_model_keep_torchs_count():
    assert threads_for(CPU, 500_000, environ={"OMP_NUM_THREADS": "2"}) is None  # the user's choice wins
    assert threads_for(CUDA, 500_000, environ={}) is None
    assert threads_for(CPU, SMALL_MODEL_PARAMETERS, environ={}) is None


def test_apply_sets_the_count_and_reports_it(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = torch.get_num_threads()
    try:
        assert apply_cpu_threads(CPU, 1000) == 1 == torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
