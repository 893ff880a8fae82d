"""The rollout batch a checkpoint saved mid-way through it, one file per process: under torchrun every process trains
on its own part of the batch (GRPO's slice, PPO's local rollout batch), so an exact resume needs each part back on
its own process. Rank 0's file keeps the single-process name, so checkpoints of one process read as before."""
from __future__ import annotations

from pathlib import Path

import torch

from rlstudio.user_errors import UserError

FILE = "rl_batch.pt"


def batch_file(folder: Path, rank: int) -> Path:
    return Path(folder) / (FILE if rank == 0 else f"rl_batch.rank{rank}.pt")


def save_pending(folder: Path, per_rank: list[dict]) -> None:
    """per_rank: every process's Batch.tensors(), in rank order (the main process writes them all)."""
    for rank, tensors in enumerate(per_rank):
        torch.save(tensors, batch_file(folder, rank))


def load_pending(folder: Path, rank: int, world_size: int) -> dict | None:
    """This process's part of the saved batch, or None when the checkpoint ended on a batch boundary."""
    folder = Path(folder)
    saved = sorted(folder.glob("rl_batch*.pt"))
    if not saved:
        return None
    if len(saved) != world_size or not batch_file(folder, rank).is_file():
        raise UserError(f"{folder}: saved mid-way through a rollout batch by {len(saved)} process(es), each holding "
                        f"its own part of it; resume it with {len(saved)} process(es) (torchrun --nproc_per_node "
                        f"{len(saved)}), or from a checkpoint at a batch boundary")
    return torch.load(batch_file(folder, rank), weights_only=True)
