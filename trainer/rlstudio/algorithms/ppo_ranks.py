"""PPO across torchrun processes, as TRL's PPOTrainer runs under accelerate: every process draws its own shard of
the prompts, generates, scores and whitens its own local rollout batch (TRL whitens rewards and advantages per
process, never over the gathered batch), and DDP averages the gradients. Metrics are what TRL logs: the objective/*
and loss-side values are each process's mean, gathered and averaged (gather_for_metrics(...).mean()); statistics a
mean of per-process values would get wrong (reward_std, rewards/<fn>/*, completions/*, the explained variance) are
computed over the gathered rows, as GRPO's are. With one process every function here returns its input's own
figures, so a single-process run is unchanged."""
from __future__ import annotations

import torch

from rlstudio.algorithms import ppo_loss as P
from rlstudio.algorithms.grpo_batch import completion_length_metrics
from rlstudio.rewards.base import RewardScores
from rlstudio.training.distributed import gather_objects

# summed over processes: counts of the whole batch (the loop adds batch_tokens to num_tokens)
_SUMMED = ("batch_tokens",)


def local_shard(ctx, records: list) -> tuple[list, int]:
    """This process's contiguous slice of the global prompt list (every rank draws the same list), and where it starts:
    the start offsets each row's sampling key, so 1 or N processes sample a prompt's completion alike."""
    per_rank = len(records) // ctx.world_size
    lo = ctx.rank * per_rank
    return records[lo:lo + per_rank], lo


def rollout_metrics_over_ranks(ctx, metrics: dict, reward: RewardScores, lengths: torch.Tensor, truncated: torch.Tensor,
                               values: torch.Tensor, returns: torch.Tensor, value_mask: torch.Tensor) -> dict:
    """The rollout batch's metrics over every process (every rank calls it; all get the same dict)."""
    if ctx.world_size == 1:
        return metrics
    mask = value_mask.bool()
    rows = (metrics, reward.per_function.cpu(), reward.total.cpu(), reward.all_none.cpu(), lengths.cpu(),
            truncated.cpu(), returns[mask].detach().cpu(), values[mask].detach().cpu())
    per_rank = gather_objects(ctx, [rows])
    out = {}
    for name in metrics:  # a metric only some processes have (none today) averages over those that do
        present = [r[0][name] for r in per_rank if name in r[0]]
        out[name] = sum(present) if name in _SUMMED else sum(present) / len(present)
    cat = lambda i: torch.cat([r[i] for r in per_rank])  # noqa: E731 - rank order
    scores = RewardScores(cat(1), cat(2), reward.names, reward.weights, cat(3))
    all_returns, all_values = cat(6), cat(7)
    out.update({"reward": float(scores.total.mean()), "reward_std": float(scores.total.std()),
                **scores.function_metrics(), **completion_length_metrics(cat(4), cat(5)),
                "val/explained_variance": P.explained_variance(all_values, all_returns, torch.ones_like(all_returns))})
    return out


def step_metrics_over_ranks(ctx, sums: dict, ratio_means: list[float]) -> dict:
    """One optimizer step's loss-side metrics: each process's values averaged, and val/ratio_var over every process's
    micro-batch ratios of this rollout batch so far (TRL: gather_for_metrics(ratio_stats).var())."""
    per_rank = gather_objects(ctx, [(sums, list(ratio_means))])
    out = {name: sum(r[0][name] for r in per_rank) / len(per_rank) for name in sums}
    ratios = torch.tensor([x for r in per_rank for x in r[1]], dtype=torch.float64)
    out["val/ratio_var"] = float(ratios.var()) if ratios.numel() > 1 else 0.0
    return out
