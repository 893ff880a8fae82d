"""One code path for a single process and for torchrun: every helper is the identity when world_size is 1, so the
training loop never branches on "am I distributed". gloo on CPU, nccl on CUDA."""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

log = logging.getLogger(__name__)


@dataclass
class DistContext:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    backend: str | None  # None: one process, no process group

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.world_size > 1:
            if self.backend == "nccl":
                dist.barrier(device_ids=[self.device.index])
            else:
                dist.barrier()

    def close(self) -> None:
        if self.world_size > 1 and dist.is_initialized():
            dist.destroy_process_group()


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name}={raw!r} is not an integer (set by torchrun)") from None


def _pick_device(device_pref: str, local_rank: int) -> torch.device:
    if device_pref not in ("auto", "cpu", "cuda"):
        raise ValueError(f"model.device must be auto, cpu or cuda, got {device_pref!r}")
    use_cuda = torch.cuda.is_available() if device_pref == "auto" else device_pref == "cuda"
    if not use_cuda:
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise RuntimeError("model.device is \"cuda\" but PyTorch sees no CUDA device here "
                           f"(torch {torch.__version__}, CUDA build {torch.version.cuda}); use \"auto\" or \"cpu\"")
    if local_rank >= torch.cuda.device_count():
        raise RuntimeError(f"LOCAL_RANK {local_rank} has no GPU: only {torch.cuda.device_count()} visible; "
                           "start torchrun with --nproc_per_node <= the number of GPUs")
    torch.cuda.set_device(local_rank)
    return torch.device("cuda", local_rank)


def init_distributed(dist_cfg: dict[str, Any], device_pref: str = "auto") -> DistContext:
    """Join the torchrun process group if this process was started by torchrun (RANK/WORLD_SIZE/LOCAL_RANK)."""
    world_size = _env_int("WORLD_SIZE", 1)
    rank = _env_int("RANK", 0)
    local_rank = _env_int("LOCAL_RANK", 0)
    device = _pick_device(device_pref, local_rank)
    wanted = int((dist_cfg or {}).get("nproc_per_node", 1))
    if world_size == 1:
        if wanted > 1:
            log.warning("distributed.nproc_per_node is %d but this process was not started by torchrun; running one "
                        "process. Start it with `torchrun --nproc_per_node %d -m rlstudio train ...`.", wanted, wanted)
        return DistContext(rank=0, world_size=1, local_rank=0, device=device, backend=None)
    backend = (dist_cfg or {}).get("backend", "auto")
    if backend == "auto":
        backend = "nccl" if device.type == "cuda" else "gloo"
    if backend not in ("nccl", "gloo"):
        raise ValueError(f"distributed.backend must be auto, nccl or gloo, got {backend!r}")
    if backend == "nccl" and device.type != "cuda":
        raise ValueError("distributed.backend is \"nccl\" but this process runs on CPU; nccl needs CUDA GPUs. "
                         "Use \"gloo\" (or \"auto\") for CPU processes.")
    if not dist.is_initialized():
        # Binding nccl to this rank's GPU up front avoids the default "guess the device" communicator setup.
        dist.init_process_group(backend=backend, rank=rank, world_size=world_size,
                                device_id=device if backend == "nccl" else None)
    return DistContext(rank=rank, world_size=world_size, local_rank=local_rank, device=device, backend=backend)


def gather_objects(ctx: DistContext, items: list) -> list:
    """Every rank's list, concatenated in rank order; all ranks receive the result."""
    if ctx.world_size == 1:
        return list(items)
    per_rank: list[Any] = [None] * ctx.world_size
    dist.all_gather_object(per_rank, list(items))
    return [item for rank_items in per_rank for item in rank_items]


def all_reduce_sum(ctx: DistContext, tensor: torch.Tensor) -> torch.Tensor:
    """Sum over ranks, returned on the input's device; the input is not modified."""
    if ctx.world_size == 1:
        return tensor
    comm_device = ctx.device if ctx.backend == "nccl" else torch.device("cpu")
    work = tensor.detach().to(comm_device, copy=True)
    dist.all_reduce(work, op=dist.ReduceOp.SUM)
    return work.to(tensor.device)


def broadcast_object(ctx: DistContext, obj: Any, src: int = 0) -> Any:
    """src's obj on every rank (any picklable value: a seed, a checkpoint path, a stop decision)."""
    if ctx.world_size == 1:
        return obj
    box = [obj if ctx.rank == src else None]
    dist.broadcast_object_list(box, src=src)
    return box[0]


def wrap_model(ctx: DistContext, model: torch.nn.Module, strategy: str = "ddp",
               find_unused_parameters: bool = False) -> torch.nn.Module:
    """DDP (gradients averaged over ranks in backward) or FSDP2 (parameters sharded per decoder layer)."""
    if ctx.world_size == 1:
        return model
    if strategy == "ddp":
        from torch.nn.parallel import DistributedDataParallel

        device_ids = [ctx.device.index] if ctx.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=device_ids, find_unused_parameters=find_unused_parameters)
    if strategy == "fsdp":
        from torch.distributed.fsdp import fully_shard

        # Hugging Face models name their repeated blocks in _no_split_modules; sharding each one lets FSDP gather
        # one layer's weights at a time, which is what makes a model larger than one GPU fit.
        block_names = set(getattr(model, "_no_split_modules", None) or [])
        for module in model.modules():
            if type(module).__name__ in block_names:
                fully_shard(module)
        fully_shard(model)
        return model
    raise ValueError(f"distributed.strategy must be ddp or fsdp, got {strategy!r}")


def gradient_sync(model: torch.nn.Module, sync: bool):
    """Around a micro-batch's forward and backward: DDP all-reduces gradients only on the last micro-batch of a step
    (sync=True); the earlier ones accumulate locally (no_sync)."""
    if not sync and hasattr(model, "no_sync"):
        return model.no_sync()
    return contextlib.nullcontext()


def unwrap_model(model: torch.nn.Module) -> torch.nn.Module:
    """The user's model inside a DDP wrapper (for save_pretrained, generate); FSDP2 wraps in place."""
    from torch.nn.parallel import DistributedDataParallel

    return model.module if isinstance(model, DistributedDataParallel) else model
