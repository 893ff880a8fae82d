"""rlstudio.training.distributed with real processes: torchrun starts two gloo workers on CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rlstudio.training.distributed import (all_reduce_sum, broadcast_object, gather_objects, init_distributed, unwrap_model,
                                  wrap_model)

TORCHRUN = Path(sys.executable).with_name("torchrun")
WORKER = Path(__file__).with_name("dist_worker.py")


def test_torchrun_two_gloo_processes_gather_sum_broadcast_and_match_single_process_gradients(tmp_path):
    out = tmp_path / "ranks.json"
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_PORT")}
    proc = subprocess.run([str(TORCHRUN), "--standalone", "--nproc_per_node", "2", str(WORKER), str(out)],
                          capture_output=True, text=True, timeout=180, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    reports = json.loads(out.read_text())
    assert [r["rank"] for r in reports] == [0, 1]
    assert [r["is_main"] for r in reports] == [True, False]
    for report in reports:
        assert report["world_size"] == 2 and report["backend"] == "gloo" and report["device"] == "cpu"
        assert report["gathered"] == ["r0-a", "r0-b", "r1-a", "r1-b"]  # rank order, on every rank
        assert report["summed"] == [3.0, 30.0]
        assert report["broadcast"] == {"from": 1, "seed": 1001}  # src=1's object, not rank 0's
        # DDP/FSDP average each half-batch mean gradient; that equals the full-batch mean gradient up to float32
        # rounding of a different summation order (gradients here are O(1), so 1e-6 is a few ulps).
        assert report["grad_scale"] > 0.1
        assert report["ddp_max_grad_diff"] < 1e-6
        assert report["fsdp_max_grad_diff"] < 1e-6
    assert [r["input_after"] for r in reports] == [[1.0, 10.0], [2.0, 20.0]]  # all_reduce_sum leaves its input


def test_single_process_is_the_identity(monkeypatch, caplog):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    ctx = init_distributed({"nproc_per_node": 2}, "cpu")
    assert (ctx.rank, ctx.world_size, ctx.backend, ctx.device, ctx.is_main) == (0, 1, None, torch.device("cpu"), True)
    assert "not started by torchrun" in caplog.text
    assert gather_objects(ctx, [1, 2]) == [1, 2]
    t = torch.tensor([1.5])
    assert all_reduce_sum(ctx, t) is t
    assert broadcast_object(ctx, {"a": 1}) == {"a": 1}
    model = torch.nn.Linear(2, 2)
    assert wrap_model(ctx, model, "ddp") is model and unwrap_model(model) is model
    ctx.barrier()
    ctx.close()


def test_bad_settings_are_named(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("LOCAL_RANK", "0")
    with pytest.raises(ValueError, match="nccl needs CUDA"):
        init_distributed({"backend": "nccl"}, "cpu")
    with pytest.raises(ValueError, match="distributed.backend must be"):
        init_distributed({"backend": "mpi"}, "cpu")
    monkeypatch.setenv("WORLD_SIZE", "two")
    with pytest.raises(ValueError, match="WORLD_SIZE='two'"):
        init_distributed({}, "cpu")
    monkeypatch.setenv("WORLD_SIZE", "1")
    with pytest.raises(ValueError, match="model.device"):
        init_distributed({}, "tpu")
