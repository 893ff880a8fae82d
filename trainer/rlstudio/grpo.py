"""GRPO as TRL computes it, as pure tensor functions (no model, no optimizer).

Shapes: B completions, T completion tokens (right-padded). `mask` is 1.0 on tokens that count for the loss.
The formulas follow TRL's GRPOTrainer (_compute_loss / _generate_and_score_completions) so that numbers carry over.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

STD_EPS = 1e-4  # TRL adds this to the std before dividing


@dataclass
class Advantages:
    advantages: torch.Tensor  # [B]
    group_mean: torch.Tensor  # [B] mean reward of each completion's group
    group_std: torch.Tensor  # [B]
    frac_zero_std: float  # fraction of groups whose rewards are all equal


def compute_advantages(rewards: torch.Tensor, num_generations: int, scale_rewards: str = "group") -> Advantages:
    """rewards: [B] in group order (B = prompts x G). (R - group mean), divided by a std per scale_rewards."""
    if rewards.numel() % num_generations:
        raise ValueError(f"{rewards.numel()} rewards are not a whole number of groups of {num_generations}")
    grouped = rewards.view(-1, num_generations)
    mean = grouped.mean(dim=1).repeat_interleave(num_generations)
    std = grouped.std(dim=1).repeat_interleave(num_generations)  # unbiased, as torch/TRL
    advantages = rewards - mean
    if scale_rewards == "group":
        advantages = advantages / (std + STD_EPS)
    elif scale_rewards == "batch":
        advantages = advantages / (rewards.std() + STD_EPS)
    elif scale_rewards != "none":
        raise ValueError(f"unknown scale_rewards {scale_rewards!r}")
    zero_std = torch.isclose(std, torch.zeros_like(std))
    return Advantages(advantages, mean, std, float(zero_std.float().mean()))


def k3_kl(logps: torch.Tensor, ref_logps: torch.Tensor) -> torch.Tensor:
    """Per-token k3 estimator of KL(policy || ref): exp(ref - logp) - (ref - logp) - 1."""
    delta = ref_logps - logps
    return torch.exp(delta) - delta - 1


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (values * mask).sum() / mask.sum().clamp(min=1.0)


@dataclass
class LossConfig:
    loss_type: str = "dapo"
    epsilon: float = 0.2
    epsilon_high: float | None = None
    beta: float = 0.0
    importance_sampling_level: str = "token"
    max_completion_length: int = 256
    gradient_accumulation_steps: int = 1
    num_processes: int = 1


@dataclass
class LossOutput:
    loss: torch.Tensor  # scalar, already scaled for gradient accumulation as TRL does
    metrics: dict[str, torch.Tensor]  # detached per-micro-batch statistics


def grpo_loss(
    logps: torch.Tensor,
    mask: torch.Tensor,
    advantages: torch.Tensor,
    cfg: LossConfig,
    old_logps: torch.Tensor | None = None,
    ref_logps: torch.Tensor | None = None,
    num_items_in_batch: float | None = None,
) -> LossOutput:
    """Clipped surrogate (+ beta * k3 KL) aggregated per loss_type.

    old_logps: log-probs at generation time (None: on-policy, ratio 1 with gradients through logps).
    num_items_in_batch: loss tokens in the whole accumulated batch over all processes (dapo's normaliser).
    """
    mask = mask.to(logps.dtype)
    old = logps.detach() if old_logps is None else old_logps
    log_ratio = logps - old
    if cfg.importance_sampling_level == "token":
        log_weights = log_ratio
    elif cfg.importance_sampling_level == "sequence":
        log_weights = ((log_ratio * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).unsqueeze(-1)
    else:
        raise ValueError(f"unknown importance_sampling_level {cfg.importance_sampling_level!r}")

    eps_low = cfg.epsilon
    eps_high = cfg.epsilon if cfg.epsilon_high is None else cfg.epsilon_high
    coef_1 = torch.exp(log_weights)
    coef_2 = torch.clamp(coef_1, 1 - eps_low, 1 + eps_high)
    adv = advantages.unsqueeze(1)
    per_token_loss = -torch.min(coef_1 * adv, coef_2 * adv)

    per_token_kl = None
    if cfg.beta != 0.0:
        if ref_logps is None:
            raise ValueError("beta > 0 needs reference log-probs")
        per_token_kl = k3_kl(logps, ref_logps)
        per_token_loss = per_token_loss + cfg.beta * per_token_kl

    masked_sum = (per_token_loss * mask).sum()
    if cfg.loss_type == "grpo":
        loss = ((per_token_loss * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean()
        loss = loss / cfg.gradient_accumulation_steps
    elif cfg.loss_type == "bnpo":
        loss = masked_sum / mask.sum().clamp(min=1.0) / cfg.gradient_accumulation_steps
    elif cfg.loss_type == "dr_grpo":
        loss = masked_sum / (per_token_loss.size(0) * cfg.max_completion_length) / cfg.gradient_accumulation_steps
    elif cfg.loss_type == "dapo":
        if num_items_in_batch is None:
            raise ValueError("dapo needs num_items_in_batch")
        loss = masked_sum / max(num_items_in_batch / cfg.num_processes, 1.0)
    else:
        raise ValueError(f"unknown loss_type {cfg.loss_type!r}")

    with torch.no_grad():
        # TRL counts a token as clipped only where clipping changed the objective (sign of the advantage).
        is_low = (coef_1 < 1 - eps_low) & (adv < 0)
        is_high = (coef_1 > 1 + eps_high) & (adv > 0)
        if cfg.importance_sampling_level == "sequence":
            is_low, is_high = is_low.expand_as(mask), is_high.expand_as(mask)
        metrics = {
            "clip_ratio/low_mean": masked_mean(is_low.float(), mask),
            "clip_ratio/high_mean": masked_mean(is_high.float(), mask),
            "clip_ratio/region_mean": masked_mean((is_low | is_high).float(), mask),
        }
        if per_token_kl is not None:
            metrics["kl"] = masked_mean(per_token_kl, mask)
    return LossOutput(loss, metrics)


def entropy_from_logits(logits: torch.Tensor) -> torch.Tensor:
    """Per-position entropy of the softmax over the last dimension."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    return -(logp.exp() * logp).sum(-1)


def selective_log_softmax(logits: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """log_softmax(logits)[..., index] without materialising more than one row's worth at a time in float32."""
    logits = logits.float()
    return torch.gather(logits, -1, index.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1)


def completion_mask_from_ids(ids: torch.Tensor, eos_token_id: int | list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Mask up to and including the first EOS; truncated = no EOS within the generated tokens.

    ids: [B, T] generated tokens (padding after EOS is whatever the generator wrote).
    """
    eos_ids = [eos_token_id] if isinstance(eos_token_id, int) else list(eos_token_id)
    is_eos = torch.zeros_like(ids, dtype=torch.bool)
    for e in eos_ids:
        is_eos |= ids == e
    T = ids.size(1)
    has_eos = is_eos.any(dim=1)
    first = torch.where(has_eos, is_eos.int().argmax(dim=1), torch.full_like(has_eos, T, dtype=torch.long))
    positions = torch.arange(T, device=ids.device).unsqueeze(0)
    mask = (positions <= first.unsqueeze(1)).long()
    return mask, ~has_eos
