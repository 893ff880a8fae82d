"""The loss of one micro-batch of an RLBatch: forward, TRL's top-entropy token mask, grpo_loss, and the entropy
statistic, so the training loop only accumulates and steps."""
from __future__ import annotations

import torch

from rlstudio.training.distributed import gather_objects
from rlstudio.algorithms.grpo_loss import LossConfig, LossOutput, grpo_loss, high_entropy_mask
from rlstudio.generation.rollout import completion_logps


def loss_config(config: dict, world_size: int, steps_per_generation: int | None = None) -> LossConfig:
    """LossConfig from the config's grpo, sampling and training blocks (the same names as TRL's GRPOConfig)."""
    g, t = config["grpo"], config["training"]
    names = ("loss_type", "epsilon", "epsilon_high", "beta", "importance_sampling_level", "use_bias_correction_kl", "delta", "sapo_temperature_pos", "sapo_temperature_neg", "vespo_k_pos",
             "vespo_lambda_pos", "vespo_k_neg", "vespo_lambda_neg", "off_policy_mask_threshold")
    return LossConfig(**{n: g[n] for n in names}, max_completion_length=config["sampling"]["max_completion_length"],
                      gradient_accumulation_steps=t["gradient_accumulation_steps"], num_processes=world_size,
                      steps_per_generation=steps_per_generation)


def micro_batch_loss(ctx, model, batch, sl: slice, temperature: float, cfg: LossConfig,
                     top_entropy_quantile: float = 1.0, entropy_coef: float | None = None) -> LossOutput:
    """entropy_coef: this step's entropy bonus coefficient (EntropyControl.step_coef; None: no bonus)."""
    ro = batch.rollout.select(sl)
    mask = batch.loss_mask[sl]
    logps, entropy = completion_logps(model, ro, temperature, with_entropy=True,
                                      entropy_requires_grad=entropy_coef is not None)
    entropy_mask = None
    if top_entropy_quantile < 1.0:  # the quantile is over every process's loss tokens of this micro-batch
        local = entropy.detach()[mask.bool()].float().cpu()
        pool = torch.cat(gather_objects(ctx, [local])).to(entropy.device)
        entropy_mask = high_entropy_mask(entropy.detach(), mask, top_entropy_quantile, all_entropies=pool)
    old_logps = None if batch.old_logps is None else batch.old_logps[sl]
    if batch.old_pending is not None and bool(batch.old_pending[sl].any()):
        # the first pass over a new batch: the policy still is the one that sampled it, so these are the old
        # log-probs (ratio 1, as TRL's on-policy case); the later num_iterations passes read them back
        batch.old_logps[sl] = logps.detach()
        batch.old_pending[sl] = False
        old_logps = None
    out = grpo_loss(logps, mask, batch.advantages[sl], cfg,
                    old_logps=old_logps,
                    ref_logps=None if batch.ref_logps is None else batch.ref_logps[sl],
                    num_items_in_batch=batch.num_items, entropy_mask=entropy_mask, entropies=entropy,
                    entropy_coef=entropy_coef)
    out.metrics["entropy"] = ((entropy.detach() * mask).sum(), mask.sum())
    return out
