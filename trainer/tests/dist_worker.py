"""Run under `torchrun --nproc_per_node 2`: exercises rlstudio.training.distributed with real gloo processes and writes what
every rank saw to the JSON file named by argv[1] (rank 0 writes it)."""

from __future__ import annotations

import copy
import json
import sys

import torch

from rlstudio.training.distributed import (all_reduce_sum, broadcast_object, gather_objects, init_distributed, unwrap_model,
                                  wrap_model)


class Block(torch.nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.linear = torch.nn.Linear(width, width)

    def forward(self, x):
        return x + torch.tanh(self.linear(x))


class TinyNet(torch.nn.Module):
    _no_split_modules = ["Block"]  # what FSDP shards per layer, as on a Hugging Face model

    def __init__(self):
        super().__init__()
        self.blocks = torch.nn.Sequential(Block(8), Block(8))
        self.head = torch.nn.Linear(8, 1)

    def forward(self, x):
        return self.head(self.blocks(x))


def global_batch() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1234)
    return torch.randn(8, 8, generator=generator), torch.randn(8, 1, generator=generator)


def reference_grads(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """One process, the whole global batch, mean loss: what the distributed step must reproduce."""
    x, y = global_batch()
    model = copy.deepcopy(model)
    torch.nn.functional.mse_loss(model(x), y).backward()
    return {name: p.grad.clone() for name, p in model.named_parameters()}


def distributed_grads(ctx, model: torch.nn.Module, strategy: str) -> dict[str, torch.Tensor]:
    x, y = global_batch()
    shard = slice(ctx.rank * 4, (ctx.rank + 1) * 4)  # this rank's half of the global batch
    wrapped = wrap_model(ctx, copy.deepcopy(model), strategy)
    torch.nn.functional.mse_loss(wrapped(x[shard]), y[shard]).backward()
    if strategy == "fsdp":  # fully_shard swaps each sharded module's class to FSDP<Name>
        sharded = sorted(type(m).__name__ for m in wrapped.modules() if type(m).__name__.startswith("FSDP"))
        assert sharded == ["FSDPBlock", "FSDPBlock", "FSDPTinyNet"], sharded
    grads = {}
    for name, p in unwrap_model(wrapped).named_parameters():
        grad = p.grad.full_tensor() if hasattr(p.grad, "full_tensor") else p.grad  # FSDP2 keeps DTensor shards
        grads[name] = grad.clone()
    return grads


def max_diff(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    assert a.keys() == b.keys(), (sorted(a), sorted(b))
    return max((a[k] - b[k]).abs().max().item() for k in a)


def main() -> None:
    torch.set_num_threads(1)
    ctx = init_distributed({"backend": "auto", "nproc_per_node": 2}, "cpu")
    gathered = gather_objects(ctx, [f"r{ctx.rank}-a", f"r{ctx.rank}-b"])
    original = torch.tensor([ctx.rank + 1.0, 10.0 * (ctx.rank + 1)])
    summed = all_reduce_sum(ctx, original)
    broadcast = broadcast_object(ctx, {"from": ctx.rank, "seed": 1000 + ctx.rank}, src=1)
    torch.manual_seed(0)
    model = TinyNet()
    expected = reference_grads(model)
    report = {
        "rank": ctx.rank, "world_size": ctx.world_size, "backend": ctx.backend, "device": str(ctx.device),
        "is_main": ctx.is_main, "gathered": gathered, "summed": summed.tolist(), "input_after": original.tolist(),
        "broadcast": broadcast,
        "ddp_max_grad_diff": max_diff(distributed_grads(ctx, model, "ddp"), expected),
        "fsdp_max_grad_diff": max_diff(distributed_grads(ctx, model, "fsdp"), expected),
        "grad_scale": max(g.abs().max().item() for g in expected.values()),
    }
    reports = gather_objects(ctx, [report])
    ctx.barrier()
    if ctx.is_main:
        with open(sys.argv[1], "w") as handle:
            json.dump(reports, handle, indent=1)
    ctx.close()


if __name__ == "__main__":
    main()
