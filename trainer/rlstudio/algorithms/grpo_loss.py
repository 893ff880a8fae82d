"""GRPO as TRL computes it, as pure tensor functions (no model, no optimizer).

Shapes: B completions, T completion tokens (right-padded). `mask` is 1.0 on tokens that count for the loss.
The formulas follow TRL's GRPOTrainer (_compute_loss / _generate_and_score_completions) so that numbers carry over.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

STD_EPS = 1e-4  # TRL adds this to the std before dividing
LOSS_TYPES = ("grpo", "bnpo", "dr_grpo", "dapo", "cispo", "sapo", "luspo", "vespo")
_PPO_CLIPPED = ("grpo", "bnpo", "dr_grpo", "dapo", "luspo")  # the loss types with TRL's two-sided ratio clip


def nanstd(x: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    """Bessel-corrected std ignoring NaN (TRL's nanstd): NaN where fewer than two values are left."""
    mean = torch.nanmean(x, dim=dim, keepdim=True)
    variance = torch.nanmean((x - mean) ** 2, dim=dim, keepdim=True)
    count = (~torch.isnan(x)).sum(dim=dim, keepdim=True)
    variance = variance * torch.where(count > 1, count / (count - 1), torch.full_like(variance, float("nan")))
    out = variance.sqrt()
    return out.squeeze(dim) if dim is not None else out.squeeze()


@dataclass
class Advantages:
    advantages: torch.Tensor  # [B]; 0 for an unscorable row (every reward function returned None)
    baseline: torch.Tensor  # [B] what each reward was compared with: its group's mean (rloo: its siblings' mean)
    std: torch.Tensor  # [B] the std the advantages were scaled by (group or batch) or, unscaled, the group's
    frac_zero_std: float  # fraction of rows whose std (as scaled) is zero, as TRL logs it
    reward_mean: float  # mean over scorable rows (TRL's `reward`)
    reward_std: float  # std over the batch's scorable rows (TRL's `reward_std`)


def compute_advantages(rewards: torch.Tensor, num_generations: int, scale_rewards: str = "group",
                       estimator: str = "grpo", normalize_advantages: bool = False,
                       reward_clip_range: tuple[float, float] | None = None) -> Advantages:
    """rewards: [B] in group order (B = prompts x G), NaN for an unscorable row: such a row is left out of its
    group's mean and std and gets advantage 0 (TRL >= 1.6).
    estimator grpo: (R - group mean), divided by a std per scale_rewards. rloo (TRL's RLOOTrainer): R minus the mean
    of the other scorable rewards of its group, rewards clipped to reward_clip_range first, the advantages then
    standardised over the batch when normalize_advantages (scale_rewards does not apply)."""
    if rewards.numel() % num_generations:
        raise ValueError(f"{rewards.numel()} rewards are not a whole number of groups of {num_generations}")
    if scale_rewards not in ("group", "batch", "none"):
        raise ValueError(f"unknown scale_rewards {scale_rewards!r}")
    if estimator == "rloo":
        return _rloo_advantages(rewards, num_generations, normalize_advantages, reward_clip_range)
    if estimator != "grpo":
        raise ValueError(f"unknown advantage_estimator {estimator!r}")
    grouped = rewards.view(-1, num_generations)
    mean = torch.nanmean(grouped, dim=1).repeat_interleave(num_generations)
    if scale_rewards == "batch":  # the batch std is also what frac_reward_zero_std tests
        std = nanstd(rewards).expand_as(rewards) if rewards.numel() > 1 else torch.zeros_like(rewards)
    else:  # "none" keeps the group std for the zero-std statistic only
        std = nanstd(grouped, dim=1).repeat_interleave(num_generations)
    advantages = rewards - mean
    if scale_rewards != "none":
        advantages = advantages / (std + STD_EPS)
    zero_std = torch.isclose(std, torch.zeros_like(std))
    return Advantages(torch.nan_to_num(advantages, nan=0.0), mean, std, float(zero_std.float().mean()),
                      float(torch.nanmean(rewards)), float(nanstd(rewards)))


def _rloo_advantages(rewards: torch.Tensor, G: int, normalize: bool, clip_range) -> Advantages:
    logged_mean, logged_std = float(torch.nanmean(rewards)), float(nanstd(rewards))  # before clipping, as TRL logs
    if clip_range:
        rewards = rewards.clamp(min=clip_range[0], max=clip_range[1])
    grouped = rewards.view(-1, G)
    scorable = (~torch.isnan(grouped)).sum(dim=1, keepdim=True)
    # leave-one-out over scorable siblings: a lone scorable row (0/0) and unscorable rows end NaN, then 0
    baselines = ((torch.nansum(grouped, dim=1, keepdim=True) - grouped) / (scorable - 1)).view(-1)
    advantages = rewards - baselines
    if normalize:
        advantages = (advantages - torch.nanmean(advantages)) / (nanstd(advantages) + STD_EPS)
    std = nanstd(grouped, dim=1).repeat_interleave(G)
    zero_std = torch.isclose(std, torch.zeros_like(std))
    return Advantages(torch.nan_to_num(advantages, nan=0.0), baselines, std, float(zero_std.float().mean()),
                      logged_mean, logged_std)


def normalize_then_sum_advantages(per_function: torch.Tensor, weights: torch.Tensor, num_generations: int) -> Advantages:
    """TRL's multi_objective_aggregation "normalize_then_sum" (GDPO): each reward function's column is standardised
    within its group (NaN-aware, std + 1e-4), the weighted sum of those is then standardised over the batch.
    per_function: [B, F], NaN where a function returned None; a row with every function None stays unscorable
    (advantage 0). scale_rewards does not apply. reward_mean / reward_std are those of the raw weighted sum."""
    B, F = per_function.shape
    if B % num_generations:
        raise ValueError(f"{B} rewards are not a whole number of groups of {num_generations}")
    unscorable = torch.isnan(per_function).all(dim=1)
    grouped = per_function.view(-1, num_generations, F)
    mean_k = torch.nanmean(grouped, dim=1, keepdim=True)
    std_k = nanstd(grouped, dim=1).unsqueeze(1) if num_generations > 1 else torch.zeros_like(mean_k)
    normalized = ((grouped - mean_k) / (std_k + STD_EPS)).view(-1, F)
    rewards = (normalized * weights.unsqueeze(0)).nansum(dim=1).masked_fill(unscorable, float("nan"))
    std = nanstd(rewards).expand_as(rewards) if rewards.numel() > 1 else torch.zeros_like(rewards)
    mean = torch.nanmean(rewards).expand_as(rewards)
    advantages = (rewards - mean) / (std + STD_EPS)
    raw = (per_function * weights.unsqueeze(0)).nansum(dim=1).masked_fill(unscorable, float("nan"))
    zero_std = torch.isclose(std, torch.zeros_like(std))
    return Advantages(torch.nan_to_num(advantages, nan=0.0), mean, std, float(zero_std.float().mean()),
                      float(torch.nanmean(raw)), float(nanstd(raw)))


def k3_kl(logps: torch.Tensor, ref_logps: torch.Tensor) -> torch.Tensor:
    """Per-token k3 estimator of KL(policy || ref): exp(ref - logp) - (ref - logp) - 1."""
    delta = ref_logps - logps
    return torch.exp(delta) - delta - 1


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (values * mask).sum() / mask.sum().clamp(min=1.0)


@dataclass
class LossConfig:
    """TRL GRPOConfig's loss settings, same names and defaults."""

    loss_type: str = "dapo"
    epsilon: float = 0.2
    epsilon_high: float | None = None
    beta: float = 0.0
    importance_sampling_level: str = "token"
    max_completion_length: int = 256
    gradient_accumulation_steps: int = 1
    num_processes: int = 1
    use_bias_correction_kl: bool = True  # k3 term times the importance ratio (TRL 1.16 default)
    delta: float | None = None  # two-sided GRPO: upper bound on the unclipped ratio
    sapo_temperature_pos: float = 1.0
    sapo_temperature_neg: float = 1.05
    vespo_k_pos: float = 2.0
    vespo_lambda_pos: float = 3.0
    vespo_k_neg: float = 3.0
    vespo_lambda_neg: float = 2.0
    off_policy_mask_threshold: float | None = None
    steps_per_generation: int | None = None  # None: gradient_accumulation_steps (TRL's default)


@dataclass
class LossOutput:
    loss: torch.Tensor  # scalar, already scaled for gradient accumulation as TRL does
    metrics: dict[str, tuple]  # name -> (sum, count) over this micro-batch's loss tokens (or sequences), detached
    extremes: dict[str, torch.Tensor] = None  # name -> per-sequence values, reduced with min or max over the batch
    entropy_stats: tuple | None = None  # (entropy sum, tokens) the entropy bonus acted on, for adaptive control


def off_policy_mask(advantages: torch.Tensor, logps: torch.Tensor, sampling_logps: torch.Tensor, mask: torch.Tensor,
                    threshold: float) -> torch.Tensor:
    """[B, 1] 1.0 = keep: a sequence is dropped only when its advantage is negative and its mean per-token
    log(pi_old / pi_theta) exceeds the threshold (DeepSeek-V3.2's off-policy sequence mask)."""
    kl = torch.nan_to_num(sampling_logps - logps.detach(), nan=0.0)
    seq_kl = (kl * mask).sum(dim=1, keepdim=True) / mask.sum(dim=1, keepdim=True).clamp(min=1.0)
    return ((advantages >= 0) | (seq_kl <= threshold)).to(mask.dtype)


def high_entropy_mask(entropies: torch.Tensor, mask: torch.Tensor, top_quantile: float,
                      all_entropies: torch.Tensor | None = None) -> torch.Tensor:
    """Tokens whose entropy is at or above the (1 - top_quantile) quantile of the loss tokens' entropies.
    all_entropies: the loss tokens' entropies over every process (default: this micro-batch's)."""
    pool = entropies[mask.bool()].float() if all_entropies is None else all_entropies
    if pool.numel() == 0:
        return torch.zeros_like(entropies, dtype=torch.bool)
    threshold = torch.quantile(pool, 1 - top_quantile)
    return ((entropies * mask) >= threshold) & mask.bool()


@torch.no_grad()
def vespo_weights(advantages: torch.Tensor, log_ratio: torch.Tensor, mask: torch.Tensor, cfg: LossConfig) -> torch.Tensor:
    """VESPO's gamma weight phi(w) = e^lambda w^k e^(-lambda w) of the sequence ratio w = exp(sum log-ratio), [B, 1]
    (k, lambda by the advantage's sign; computed in log space and clamped to [1e-8, e^20] as TRL does)."""
    lower = math.log(1e-8)
    seq = (torch.clamp(log_ratio, -20.0, 20.0) * mask).sum(dim=-1, keepdim=True)
    log_w = torch.clamp(seq, lower, 20.0)
    pos = advantages >= 0
    k = torch.where(pos, cfg.vespo_k_pos, cfg.vespo_k_neg)
    lam = torch.where(pos, cfg.vespo_lambda_pos, cfg.vespo_lambda_neg).clamp(min=1e-4)
    return torch.exp(lam + k * log_w - lam * torch.exp(log_w)).nan_to_num(nan=0.0, posinf=0.0, neginf=0.0)


def grpo_loss(
    logps: torch.Tensor,
    mask: torch.Tensor,
    advantages: torch.Tensor,
    cfg: LossConfig,
    old_logps: torch.Tensor | None = None,
    ref_logps: torch.Tensor | None = None,
    num_items_in_batch: float | None = None,
    entropy_mask: torch.Tensor | None = None,
    entropies: torch.Tensor | None = None,
    entropy_coef: float | None = None,
) -> LossOutput:
    """Per-token policy loss of cfg.loss_type (+ beta * k3 KL), aggregated per loss_type.

    old_logps: log-probs at generation time (None: on-policy, ratio 1 with gradients through logps).
    num_items_in_batch: loss tokens in the whole generation batch over all processes (dapo/cispo/vespo's normaliser).
    entropy_mask: [B, T] bool, the tokens kept by top_entropy_quantile (None: all).
    entropy_coef: TRL's entropy bonus, on (a float, maybe 0 under adaptive control) or off (None): the loss minus
    coef x the mean entropy of the loss tokens (those of entropy_mask), scaled for accumulation only.
    """
    mask = mask.to(logps.dtype)
    old = logps.detach() if old_logps is None else old_logps
    adv = advantages.unsqueeze(1)
    log_ratio = logps - old
    if cfg.importance_sampling_level == "token":
        log_weights = log_ratio
    elif cfg.importance_sampling_level == "sequence":
        log_weights = ((log_ratio * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).unsqueeze(-1)
    else:
        raise ValueError(f"unknown importance_sampling_level {cfg.importance_sampling_level!r}")
    keep = None if cfg.off_policy_mask_threshold is None else off_policy_mask(adv, logps, old, mask, cfg.off_policy_mask_threshold)

    eps_low = cfg.epsilon
    eps_high = cfg.epsilon if cfg.epsilon_high is None else cfg.epsilon_high
    coef_1 = torch.exp(log_weights)
    per_token_kl = None
    if cfg.beta != 0.0:
        if ref_logps is None:
            raise ValueError("beta > 0 needs reference log-probs")
        per_token_kl = k3_kl(logps, ref_logps)
        if cfg.use_bias_correction_kl:  # importance-weighted, so the KL gradient is unbiased off-policy
            per_token_kl = per_token_kl * coef_1

    phi = None
    if cfg.loss_type == "cispo":  # REINFORCE on log-probs weighted by the ratio clipped at epsilon_high (no gradient)
        per_token_loss = -torch.clamp(coef_1, max=eps_high).detach() * adv * logps
    elif cfg.loss_type in _PPO_CLIPPED:
        coef_2 = torch.clamp(coef_1, 1 - eps_low, 1 + eps_high)
        if cfg.delta is not None:  # two-sided clipping: the unclipped branch is capped too
            coef_1 = torch.clamp(coef_1, max=cfg.delta)
        per_token_loss = -torch.min(coef_1 * adv, coef_2 * adv)
    elif cfg.loss_type == "sapo":  # a soft, temperature-controlled gate instead of the hard clip
        temps = torch.where(adv > 0, cfg.sapo_temperature_pos, cfg.sapo_temperature_neg)
        per_token_loss = -torch.sigmoid(temps * (coef_1 - 1)) * 4 / temps * adv
    elif cfg.loss_type == "vespo":
        phi = vespo_weights(adv, log_ratio, mask, cfg)
        per_token_loss = -phi * adv * logps
    else:
        raise ValueError(f"unknown loss_type {cfg.loss_type!r}")
    if keep is not None:
        per_token_loss = per_token_loss * keep
    if entropy_mask is not None:
        per_token_loss = per_token_loss * entropy_mask
    if per_token_kl is not None:
        per_token_loss = per_token_loss + cfg.beta * per_token_kl

    accumulation = cfg.gradient_accumulation_steps
    masked_sum = (per_token_loss * mask).sum()
    if cfg.loss_type in ("grpo", "sapo"):
        loss = ((per_token_loss * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean() / accumulation
    elif cfg.loss_type == "bnpo":
        loss = masked_sum / mask.sum().clamp(min=1.0) / accumulation
    elif cfg.loss_type == "dr_grpo":
        loss = masked_sum / (per_token_loss.size(0) * cfg.max_completion_length) / accumulation
    elif cfg.loss_type == "luspo":  # sum over each sequence's tokens, mean over sequences
        loss = (per_token_loss * mask).sum(-1).mean() / accumulation
    else:  # dapo, cispo, vespo: tokens of the generation batch, rescaled to one accumulation window per process
        if num_items_in_batch is None:
            raise ValueError(f"{cfg.loss_type} needs num_items_in_batch")
        steps_per_generation = cfg.steps_per_generation or accumulation
        loss = masked_sum / (max(num_items_in_batch, 1.0) / cfg.num_processes * accumulation / steps_per_generation)

    entropy_stats = None
    policy_loss = loss.detach() * (1 if cfg.loss_type in ("dapo", "cispo", "vespo") else accumulation)
    if entropy_coef is not None:
        if entropies is None:
            raise ValueError("the entropy bonus needs the entropies")
        bonus_mask = mask if entropy_mask is None else mask * entropy_mask
        entropy_sum = (entropies * bonus_mask).sum()
        loss = loss - entropy_coef * (entropy_sum / bonus_mask.sum().clamp(min=1.0) / accumulation)
        entropy_stats = (entropy_sum.detach(), bonus_mask.sum().detach())

    with torch.no_grad():
        metrics, extremes = {}, {}
        sequence_level = coef_1.size(1) == 1  # one ratio per sequence: count sequences, as TRL does

        def masked(x: torch.Tensor) -> tuple:
            if x.size(1) == 1:
                return x.sum(), torch.tensor(float(x.size(0)))
            return (x * mask).sum(), mask.sum()

        if per_token_kl is not None:
            metrics["kl"] = masked(per_token_kl)
        if cfg.loss_type in _PPO_CLIPPED:
            is_low = ((coef_1 < 1 - eps_low) & (adv < 0)).float()
            is_high = ((coef_1 > 1 + eps_high) & (adv > 0)).float()
            metrics["clip_ratio/low_mean"] = masked(is_low)
            metrics["clip_ratio/high_mean"] = masked(is_high)
            metrics["clip_ratio/region_mean"] = masked(torch.maximum(is_low, is_high))
            per_seq = (lambda x: x.squeeze(1)) if sequence_level else (lambda x: (x * mask).sum(-1) / mask.sum(-1))
            extremes["clip_ratio/low_min"] = per_seq(is_low)
            extremes["clip_ratio/high_max"] = per_seq(is_high)
        elif cfg.loss_type == "cispo":
            metrics["cispo_clip_ratio"] = masked(((coef_1 > eps_high) & (adv > 0)).float())
        elif cfg.loss_type == "vespo":
            metrics["vespo/phi_seq_mean"] = masked(phi)
        if entropy_coef is not None:  # TRL logs the loss before the bonus (per process, averaged over processes)
            metrics["policy_loss"] = (policy_loss, torch.tensor(1.0))
    return LossOutput(loss, metrics, extremes, entropy_stats)


ENTROPY_CHUNK_ROWS = 1024  # positions per chunk: a [1024, V] float32 temporary instead of three [B, T, V] ones


def entropy_from_logits(logits: torch.Tensor) -> torch.Tensor:
    """Per-position entropy of the softmax over the last dimension, with its gradient (an entropy bonus in the loss);
    token_logps_and_entropy's chunked entropy is the cheaper one for a statistic."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    return -(logp.exp() * logp).sum(-1)


def token_logps_and_entropy(logits: torch.Tensor, index: torch.Tensor, with_entropy: bool = False):
    """Log-probs of `index` under softmax(logits) (with gradient) and, optionally, the per-position entropy (without):
    one logsumexp serves both, and the entropy, H = logsumexp(x) - sum softmax(x) * x, is computed a chunk of
    positions at a time so no full-size probability tensor is ever materialised."""
    logits = logits.float()
    lse = torch.logsumexp(logits, dim=-1)
    logps = torch.gather(logits, -1, index.unsqueeze(-1)).squeeze(-1) - lse
    if not with_entropy:
        return logps, None
    with torch.no_grad():
        flat_x, flat_lse = logits.detach().reshape(-1, logits.size(-1)), lse.detach().reshape(-1)
        entropy = torch.empty_like(flat_lse)
        for lo in range(0, flat_x.size(0), ENTROPY_CHUNK_ROWS):
            x, m = flat_x[lo:lo + ENTROPY_CHUNK_ROWS], flat_lse[lo:lo + ENTROPY_CHUNK_ROWS, None]
            entropy[lo:lo + ENTROPY_CHUNK_ROWS] = m.squeeze(1) - ((x - m).exp_() * x).sum(-1)
    return logps, entropy.view(lse.shape)


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
