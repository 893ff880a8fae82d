"""PPO as TRL's PPOTrainer computes it (trl.experimental.ppo, last shipped in TRL 1.12), as pure tensor functions.

Shapes: B completions, T completion tokens, right-padded. `completion_mask` is 1 on the completion's tokens up to and
including its EOS (rollout.Rollout's mask). TRL's two masks follow from it:
  token_mask  (TRL's ~padding_mask):    the completion's tokens; policy loss, KL and advantages live here.
  value_mask  (TRL's ~padding_mask_p1): those plus one more position. TRL puts the score one past the last token
              when there is room (on the last token when the completion fills all T), so the critic also learns a
              value there and GAE carries the score back to the last token through gamma * V(next).
Formulas and their order are TRL's (PPOTrainer.train, steps 3-6 and the mini-batch loop) so numbers carry over.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

INVALID_LOGPROB = 1.0  # TRL fills log-probs past the completion with this, so their KL and ratio terms vanish
KL_ESTIMATORS = ("k1", "k3")


def masked_mean(values: torch.Tensor, mask: torch.Tensor, axis: int | None = None) -> torch.Tensor:
    """TRL's masked_mean (no guard: an empty mask gives NaN, which the NaN guard of the step then reports)."""
    if axis is not None:
        return (values * mask).sum(axis=axis) / mask.sum(axis=axis)
    return (values * mask).sum() / mask.sum()


def masked_var(values: torch.Tensor, mask: torch.Tensor, unbiased: bool = True) -> torch.Tensor:
    """TRL's masked_var: variance over the masked entries, Bessel-corrected when unbiased."""
    centered = values - masked_mean(values, mask)
    variance = masked_mean(centered**2, mask)
    if unbiased:
        count = mask.sum()
        if count == 0:
            raise ValueError("masked_var: the mask selects nothing (a mini-batch of one empty completion?)")
        variance = variance * count / (count - 1)
    return variance


def masked_whiten(values: torch.Tensor, mask: torch.Tensor, shift_mean: bool = True) -> torch.Tensor:
    """TRL's masked_whiten: (x - mean) / sqrt(var + 1e-8) over the masked entries; shift_mean=False adds the mean
    back (used for rewards, whose sign carries meaning)."""
    mean, var = masked_mean(values, mask), masked_var(values, mask)
    whitened = (values - mean) * torch.rsqrt(var + 1e-8)
    return whitened if shift_mean else whitened + mean


@dataclass
class Masks:
    token: torch.Tensor  # [B, T] bool, TRL's ~padding_mask
    value: torch.Tensor  # [B, T] bool, TRL's ~padding_mask_p1
    sequence_lengths: torch.Tensor  # [B] index of each completion's last token (-1 when empty)


def response_masks(completion_mask: torch.Tensor) -> Masks:
    sequence_lengths = completion_mask.long().sum(1) - 1
    idx = torch.arange(completion_mask.size(1), device=completion_mask.device).unsqueeze(0)
    return Masks(idx <= sequence_lengths.unsqueeze(1), idx <= (sequence_lengths + 1).unsqueeze(1), sequence_lengths)


def per_token_kl(logprobs: torch.Tensor, ref_logprobs: torch.Tensor, estimator: str = "k1") -> torch.Tensor:
    """KL(policy || reference) per sampled token (joschu.net/blog/kl-approx.html): k1 = logp - ref_logp (unbiased,
    can be negative), k3 = (r - 1) - log r with r = ref_p / p (unbiased and never negative)."""
    if estimator not in KL_ESTIMATORS:
        raise ValueError(f"unknown kl_estimator {estimator!r} (expected one of {', '.join(KL_ESTIMATORS)})")
    logr = ref_logprobs - logprobs
    return -logr if estimator == "k1" else (logr.exp() - 1) - logr


def apply_missing_eos_penalty(scores: torch.Tensor, contains_eos: torch.Tensor, penalty: float | None) -> torch.Tensor:
    """TRL's missing_eos_penalty: subtracted from the score of every completion that never produced EOS."""
    if penalty is None:
        return scores
    return scores - penalty * (~contains_eos.bool()).to(scores.dtype)


@dataclass
class PenalisedRewards:
    rewards: torch.Tensor  # [B, T] -kl_coef * KL per token, plus the score at its position
    kl: torch.Tensor  # [B, T] per-token KL (0 past the completion)
    non_score_reward: torch.Tensor  # [B, T] -kl_coef * kl


def kl_penalised_rewards(scores: torch.Tensor, logprobs: torch.Tensor, ref_logprobs: torch.Tensor, masks: Masks,
                         kl_coef: float, kl_estimator: str = "k1", whiten_rewards: bool = False) -> PenalisedRewards:
    """TRL's steps 4-5. logprobs / ref_logprobs: [B, T] of the sampled tokens (any values past the completion)."""
    logprobs = logprobs.masked_fill(~masks.token, INVALID_LOGPROB)
    ref_logprobs = ref_logprobs.masked_fill(~masks.token, INVALID_LOGPROB)
    kl = per_token_kl(logprobs, ref_logprobs, kl_estimator)
    non_score_reward = -kl_coef * kl
    rewards = non_score_reward.clone()
    T = rewards.size(1)
    ends_p1 = masks.sequence_lengths + 1
    score_at = torch.where(ends_p1 < T, ends_p1, masks.sequence_lengths)
    rewards[torch.arange(rewards.size(0), device=rewards.device), score_at] += scores.to(rewards.dtype)
    if whiten_rewards:
        rewards = masked_whiten(rewards, masks.value, shift_mean=False).masked_fill(~masks.value, 0)
    return PenalisedRewards(rewards, kl, non_score_reward)


def gae(rewards: torch.Tensor, values: torch.Tensor, gamma: float, lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation over the T positions (V after the last position is 0).
    values: [B, T] with 0 outside the value mask, as TRL masks them. Returns (advantages, returns = A + V)."""
    last = torch.zeros_like(rewards[:, 0])
    reversed_advantages = []
    T = rewards.size(1)
    for t in reversed(range(T)):
        next_values = values[:, t + 1] if t < T - 1 else 0.0
        delta = rewards[:, t] + gamma * next_values - values[:, t]
        last = delta + gamma * lam * last
        reversed_advantages.append(last)
    advantages = torch.stack(reversed_advantages[::-1], dim=1)
    return advantages, advantages + values


def whiten_advantages(advantages: torch.Tensor, masks: Masks) -> torch.Tensor:
    """TRL: advantages standardised over the batch's completion tokens, 0 elsewhere."""
    return masked_whiten(advantages, masks.token).masked_fill(~masks.token, 0)


@dataclass
class PolicyLoss:
    loss: torch.Tensor  # scalar, differentiable
    clipfrac: torch.Tensor  # fraction of completion tokens where the clipped term won
    approxkl: torch.Tensor  # 0.5 * mean((new - old)^2) over all B x T positions (TRL's metric; 0 past the end)
    ratio_mean: torch.Tensor  # mean ratio over all B x T positions (TRL's val/ratio; 1 past the end)


def policy_loss(new_logprobs: torch.Tensor, old_logprobs: torch.Tensor, advantages: torch.Tensor, token_mask: torch.Tensor,
                cliprange: float) -> PolicyLoss:
    """PPO's clipped surrogate, averaged over the completion tokens of the micro-batch."""
    new_logprobs = new_logprobs.masked_fill(~token_mask, INVALID_LOGPROB)
    old_logprobs = old_logprobs.masked_fill(~token_mask, INVALID_LOGPROB)
    log_ratio = new_logprobs - old_logprobs
    ratio = torch.exp(log_ratio)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - cliprange, 1.0 + cliprange)
    loss = masked_mean(torch.max(unclipped, clipped), token_mask)
    with torch.no_grad():
        clipfrac = masked_mean((clipped > unclipped).float(), token_mask)
        approxkl = 0.5 * (log_ratio.detach() ** 2).mean()
        ratio_mean = ratio.detach().mean()
    return PolicyLoss(loss, clipfrac, approxkl, ratio_mean)


def value_loss(vpred: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor, value_mask: torch.Tensor,
               cliprange_value: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Clipped value loss: 0.5 * mean(max((V - R)^2, (clip(V, V_old +- c) - R)^2)) over the value positions.
    Returns (loss, clip fraction)."""
    vpred = vpred.masked_fill(~value_mask, 0)
    clipped = torch.clamp(vpred, old_values - cliprange_value, old_values + cliprange_value)
    losses, losses_clipped = torch.square(vpred - returns), torch.square(clipped - returns)
    loss = 0.5 * masked_mean(torch.max(losses, losses_clipped), value_mask)
    with torch.no_grad():
        clipfrac = masked_mean((losses_clipped > losses).float(), value_mask)
    return loss, clipfrac


def explained_variance(values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor) -> float:
    """1 - Var[returns - values] / Var[returns] over the masked positions: 1 a perfect critic, 0 no better than a
    constant, below 0 worse than one. NaN when the returns do not vary."""
    var_returns = masked_var(returns, mask, unbiased=False)
    if float(var_returns) == 0.0:
        return float("nan")
    return float(1.0 - masked_var(returns - values, mask, unbiased=False) / var_returns)


def sequence_metrics(kl: torch.Tensor, non_score_reward: torch.Tensor, logprobs: torch.Tensor, scores: torch.Tensor,
                     token_mask: torch.Tensor) -> dict[str, float]:
    """TRL's objective/* metrics of one rollout batch: sums over each completion, means over completions."""
    mean_non_score = non_score_reward.sum(1).mean()
    return {
        "objective/kl": float(kl.sum(1).mean()),
        "objective/entropy": float((-logprobs * token_mask.float()).sum(1).mean()),
        "objective/non_score_reward": float(mean_non_score),
        "objective/rlhf_reward": float(mean_non_score + scores.mean()),
        "objective/scores": float(scores.mean()),
    }


class AdaptiveKLController:
    """Ziegler et al. (2019), as TRL's PPO v1 had it: kl_coef grows when the measured KL is above target and shrinks
    below it, by at most 20% of (n_steps / horizon) per update."""

    def __init__(self, init_kl_coef: float, target: float, horizon: float):
        self.value, self.target, self.horizon = float(init_kl_coef), float(target), float(horizon)

    def update(self, current_kl: float, n_steps: int) -> float:
        proportional_error = min(max(current_kl / self.target - 1, -0.2), 0.2)
        self.value *= 1 + proportional_error * n_steps / self.horizon
        return self.value

    def state_dict(self) -> dict:
        return {"value": self.value}

    def load_state_dict(self, state: dict) -> None:
        self.value = float(state["value"])
