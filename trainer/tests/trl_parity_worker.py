"""Run under `torchrun --nproc_per_node 2` (gloo): TRL's _compute_loss with accelerate-style collectives and RL
Studio's micro_batch_loss / StepMetrics with rlstudio.training.distributed, each process on its half of one generation batch;
rank 0 writes every rank's largest differences to the JSON file named by argv[1]."""
from __future__ import annotations

import importlib
import itertools
import json
import sys

import torch

from rlstudio.training.distributed import gather_objects, init_distributed
from rlstudio.algorithms.grpo_loss import LOSS_TYPES
from test_trl_parity import _close, _loss_tensors, _rlstudio_step, _trl_step
from trl_harness import DistAccelerator


class Patch:
    """monkeypatch.setattr's one use here, without pytest."""

    def setattr(self, target: str, value) -> None:
        module, name = target.rsplit(".", 1)
        setattr(importlib.import_module(module), name, value)


def main(out_path: str) -> None:
    ctx = init_distributed({"backend": "gloo", "nproc_per_node": 2}, "cpu")
    rows = slice(2 * ctx.rank, 2 * ctx.rank + 2)  # this process's half of the 4-completion batch
    worst: dict[str, float] = {}
    cases = list(itertools.product(LOSS_TYPES, ("token", "sequence"), ("beta0", "beta_kl"), (None,), (None,), (1, 2),
                                   (1, 2), (False,), ("plain", "entropy_and_off_policy_masks")))
    for i, case in enumerate(cases):
        mask, logps, old, ref, entropies, advantages = _loss_tensors(i, case[5])
        mask[2 * ctx.rank + 1, 1:] = 0.0  # uneven token counts between the processes
        num_items = float(mask.sum())  # the whole batch's, as both trainers gather it
        local = [t if t is None else t[rows] for t in (mask, logps, old, ref, entropies, advantages)]
        ours = _rlstudio_step(case, *local, Patch(), ctx=ctx, num_items=num_items)
        theirs = _trl_step(case, *local, accelerator=DistAccelerator(ctx.rank, ctx.world_size), num_items=num_items)
        diffs = {"loss": _close(ours[0], theirs[0]), "grad": _close(ours[1], theirs[1])}
        diffs.update({k: _close(ours[2].get(k, float("inf")), v) for k, v in theirs[2].items()})
        for k, v in diffs.items():
            worst[k] = max(worst.get(k, 0.0), v)
    reports = gather_objects(ctx, [{"rank": ctx.rank, "cases": len(cases), "worst": worst}])
    if ctx.is_main:
        with open(out_path, "w") as f:
            json.dump(reports, f)
    ctx.close()


if __name__ == "__main__":
    main(sys.argv[1])
