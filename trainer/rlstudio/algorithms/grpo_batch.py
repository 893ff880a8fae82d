"""One GRPO generation batch: sample G completions per prompt, score them, compute advantages over the global
batch (all ranks), and keep what the optimisation passes need (old / reference log-probs, loss mask)."""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from rlstudio.data.datasets import render_prompt
from rlstudio.training.distributed import all_reduce_sum, gather_objects
from rlstudio.algorithms.grpo_loss import Advantages, compute_advantages, normalize_then_sum_advantages
from rlstudio.generation.keyed_sampling import row_keys
from rlstudio.rewards import score_completions
from rlstudio.rewards.base import RewardScores
from rlstudio.rewards.reward_logs import RewardLogs, mean_over_processes
from rlstudio.config.grpo_rules import generation_schedule
from rlstudio.config.sampling import sampling_params
from rlstudio.generation.rollout import Rollout, batch_completion_logps, generate, tokenize_prompts
from rlstudio.training.phase_clock import PhaseClock


@dataclass
class RLBatch:
    rollout: Rollout  # this rank's completions
    loss_mask: torch.Tensor  # [B, T] completion mask, minus truncated completions when masked
    advantages: torch.Tensor  # [B] this rank's slice of the global advantages
    num_items: float  # loss tokens in the global batch (dapo's normaliser)
    old_logps: torch.Tensor | None = None
    ref_logps: torch.Tensor | None = None
    metrics: dict = field(default_factory=dict)  # reward / length statistics of the global batch
    samples: list = field(default_factory=list)  # rows for the samples event (main rank's groups)
    # [B] bool: rows whose old_logps the first optimisation pass records (see grpo_micro_batch); None: all known
    old_pending: torch.Tensor | None = None
    timings: dict = field(default_factory=dict)  # seconds of this batch's phases: generation, rewards, old_logps, reference

    def tensors(self) -> dict:
        """State to checkpoint mid-way through num_iterations (plain tensors and numbers: weights_only-loadable)."""
        if self.old_pending is not None and bool(self.old_pending.any()):
            raise RuntimeError("a batch is checkpointed before its first optimisation pass recorded the old log-probs")
        r = self.rollout
        return {"prompt_ids": r.prompt_ids.cpu(), "prompt_mask": r.prompt_mask.cpu(), "completion_ids": r.completion_ids.cpu(),
                "completion_mask": r.completion_mask.cpu(), "truncated": r.truncated.cpu(), "loss_mask": self.loss_mask.cpu(),
                "advantages": self.advantages.cpu(), "num_items": self.num_items,
                "old_logps": None if self.old_logps is None else self.old_logps.cpu(),
                "ref_logps": None if self.ref_logps is None else self.ref_logps.cpu(), "metrics": self.metrics,
                "samples": self.samples}  # a step that reuses the batch after a resume logs the same samples

    @classmethod
    def from_tensors(cls, d: dict, device) -> "RLBatch":
        ro = Rollout(d["prompt_ids"].to(device), d["prompt_mask"].to(device), d["completion_ids"].to(device),
                     d["completion_mask"].to(device), d["truncated"].to(device))
        opt = lambda t: None if t is None else t.to(device)  # noqa: E731
        return cls(ro, d["loss_mask"].to(device), d["advantages"].to(device), float(d["num_items"]),
                   opt(d["old_logps"]), opt(d["ref_logps"]), dict(d["metrics"]), list(d.get("samples") or []))


@dataclass
class Generated:
    """This rank's scored completions of one generation, before advantages (what dynamic sampling selects from)."""
    local: list  # the PromptRecord of each completion
    prompts_text: list[str]
    rollout: Rollout
    ids_list: list[list[int]]
    texts: list[str]
    scores: RewardScores
    logs: RewardLogs


def make_batch(ctx, model, tokenizer, records, cfg: dict, reward_funcs, reference, trainer_state, log_groups: int | None,
               columns: list[str] | None = None) -> RLBatch:
    """records: the global list of prompts for this generation (same on every rank); this rank takes its slice of
    the G-times-repeated list, as TRL does, so groups and advantages are computed over the global batch."""
    clock = PhaseClock(ctx.device)
    generated = generate_and_score(ctx, model, tokenizer, records, cfg, reward_funcs, trainer_state, columns, clock=clock)
    return finish_batch(ctx, model, tokenizer, generated, cfg, reference, log_groups, clock=clock)


def local_rows(ctx, records: list, G: int) -> tuple[list, int]:
    """This rank's slice of the G-times-repeated global prompt list, and where it starts in the global batch."""
    expanded = [r for r in records for _ in range(G)]
    per_rank = len(expanded) // ctx.world_size
    lo = ctx.rank * per_rank
    return expanded[lo:lo + per_rank], lo


def generate_and_score(ctx, model, tokenizer, records, cfg: dict, reward_funcs, trainer_state, columns=None,
                       key_offset: int = 0, clock: PhaseClock | None = None) -> Generated:
    """key_offset: added to the rows' global indices in their sampling keys (another draw of the same step).
    clock: charged with the generation and the scoring (the generation and rewards phases)."""
    g, data_cfg = cfg["grpo"], cfg["data"]
    local, lo = local_rows(ctx, records, g["num_generations"])
    prompts_text = [render_prompt(r, tokenizer, data_cfg, g["chat_template_kwargs"]) for r in local]
    p_ids, p_mask = tokenize_prompts(tokenizer, prompts_text, data_cfg.get("max_prompt_length"), ctx.device)
    params = sampling_params(cfg)
    # each completion's randomness is keyed by (seed, step, index in the global batch): 1 or N processes sample alike
    rows = torch.arange(lo, lo + len(local)) + key_offset
    ro = generate(model, tokenizer, p_ids, p_mask, params, sample_keys=row_keys(cfg["training"]["seed"],
                                                                                trainer_state.global_step, rows))
    if clock is not None:
        clock.lap("generation", add=True)

    ids_list = [row[m.bool()].tolist() for row, m in zip(ro.completion_ids.cpu(), ro.completion_mask.cpu())]
    texts = [tokenizer.decode(ids, skip_special_tokens=True) for ids in ids_list]
    logs = RewardLogs(len(local))  # TRL 1.16's log_extra / log_metric from the reward functions
    scores = score_completions(reward_funcs, local, [r.prompt for r in local], texts, ids_list, trainer_state, columns,
                               log_extra=logs.log_extra, log_metric=logs.log_metric)
    if clock is not None:
        clock.lap("rewards", add=True)
    return Generated(local, prompts_text, ro, ids_list, texts, scores, logs)


def finish_batch(ctx, model, tokenizer, generated: Generated, cfg: dict, reference, log_groups: int | None,
                 clock: PhaseClock | None = None) -> RLBatch:
    """Advantages over the global batch, the loss mask, metrics, old / reference log-probs and the logged samples."""
    g = cfg["grpo"]
    G = g["num_generations"]
    local, prompts_text, ro, ids_list = generated.local, generated.prompts_text, generated.rollout, generated.ids_list
    texts, scores, logs = generated.texts, generated.scores, generated.logs
    per_rank, lo = len(local), ctx.rank * len(local)
    p_mask = ro.prompt_mask

    # Global rewards (rank order = the expanded prompt order), then this rank's slice of the advantages.
    gathered = gather_objects(ctx, [(scores.total, scores.per_function)])
    total = torch.cat([t for t, _ in gathered])
    per_function = torch.cat([pf for _, pf in gathered])
    adv, reward_metrics = reward_advantages(RewardScores(per_function, total, scores.names, scores.weights,
                                                         torch.isnan(per_function).all(dim=1)), G, g["scale_rewards"],
                                        g["advantage_estimator"], g["normalize_advantages"], g["reward_clip_range"],
                                        g["multi_objective_aggregation"])
    advantages = adv.advantages[lo:lo + per_rank].to(ctx.device)

    loss_mask = ro.completion_mask.float()
    if g["mask_truncated_completions"]:
        loss_mask = loss_mask * (~ro.truncated).float().unsqueeze(1)
    lengths = ro.completion_mask.sum(1).float()
    stats = torch.tensor([loss_mask.sum().item(), float(p_mask.sum()), float(lengths.sum())], dtype=torch.float64)
    stats = all_reduce_sum(ctx, stats)
    gathered_lengths = gather_objects(ctx, [(lengths.cpu(), ro.truncated.cpu())])
    all_lengths = torch.cat([n for n, _ in gathered_lengths])
    all_truncated = torch.cat([tr for _, tr in gathered_lengths])
    num_items = float(stats[0])

    metrics = {**reward_metrics, **completion_length_metrics(all_lengths, all_truncated),
               **mean_over_processes(gather_objects(ctx, [logs.metric_sums()])), "batch_tokens": float(stats[1] + stats[2])}

    clock = clock or PhaseClock(ctx.device)
    clock.lap("rewards", add=True)  # scoring, advantages and the batch statistics
    old_logps = ref_logps = old_pending = None
    temperature = cfg["sampling"]["temperature"]
    if folds_old_logps(cfg, ctx.world_size):
        # No separate pass: until the first optimizer step on this batch the policy is the one that sampled it, and
        # that step covers every row, so its forward gives the old log-probs; the micro-batches record them there.
        old_logps = torch.zeros_like(loss_mask)
        old_pending = torch.ones(loss_mask.size(0), dtype=torch.bool, device=loss_mask.device)
    elif off_policy_steps(cfg, ctx.world_size):
        old_logps = batch_completion_logps(model, ro, temperature, cfg["training"]["per_device_train_batch_size"])
    clock.lap("old_logps")
    if reference is not None:
        with reference.active() as ref_model:
            ref_logps = batch_completion_logps(ref_model, ro, temperature, cfg["training"]["per_device_train_batch_size"])
    clock.lap("reference")

    samples = []
    if ctx.is_main and log_groups != 0:
        n_groups = len(local) // G if log_groups is None else min(log_groups, len(local) // G)
        for i in range(n_groups * G):
            ids = ids_list[i]
            samples.append({
                "group": i // G, "index": i % G, "prompt": prompts_text[i], "completion": texts[i],
                "source": local[i].source,
                "rewards": {n: (None if v != v else float(v)) for n, v in zip(scores.names, scores.per_function[i].tolist())},
                "reward": float(scores.total[i]), "advantage": float(advantages[i]), "length": len(ids),
                "truncated": bool(ro.truncated[i]), "completion_ids": ids,
                "tokens": [tokenizer.decode([t]) for t in ids],
                "loss_mask": [int(v) for v in loss_mask[i, :len(ids)].tolist()],
                **({"extra": logs.row_extras(i)} if logs.extra else {}),
            })
    clock.lap("rewards", add=True)  # the samples' token-by-token decode is reward-side bookkeeping
    return RLBatch(ro, loss_mask, advantages, num_items, old_logps, ref_logps, metrics, samples, old_pending, clock.laps)


def folds_old_logps(cfg: dict, world_size: int) -> bool:
    """Whether the first optimizer step on a batch trains on all of it (steps_per_generation = accumulation) while
    later steps reuse it (num_iterations > 1): then that step's own forward records the old log-probs."""
    t, g = cfg["training"], cfg["grpo"]
    spg, _ = generation_schedule(t, g, world_size)
    return spg == t["gradient_accumulation_steps"] and off_policy_steps(cfg, world_size)


def off_policy_steps(cfg: dict, world_size: int) -> bool:
    """Whether some step trains on this batch after the policy moved (num_iterations > 1, or one generation serving
    several steps): then the generation-time log-probs are kept, as TRL decides it."""
    t, g = cfg["training"], cfg["grpo"]
    spg, _ = generation_schedule(t, g, world_size)
    return t["gradient_accumulation_steps"] % (spg * g["num_iterations"]) != 0


def completion_length_metrics(lengths: torch.Tensor, truncated: torch.Tensor) -> dict[str, float]:
    """TRL's completions/* metrics over the global batch; the terminated lengths are 0 when every completion was cut."""
    lengths = lengths.float()
    terminated = lengths[~truncated]
    if terminated.numel() == 0:
        terminated = torch.zeros(1)
    return {
        "completions/mean_length": float(lengths.mean()), "completions/min_length": float(lengths.min()),
        "completions/max_length": float(lengths.max()), "completions/clipped_ratio": float(truncated.float().mean()),
        "completions/mean_terminated_length": float(terminated.mean()),
        "completions/min_terminated_length": float(terminated.min()),
        "completions/max_terminated_length": float(terminated.max()),
    }


def reward_advantages(scores: RewardScores, num_generations: int, scale_rewards: str, estimator: str = "grpo",
                      normalize_advantages: bool = False, reward_clip_range=None,
                      aggregation: str = "sum_then_normalize") -> tuple[Advantages, dict]:
    """Advantages and reward metrics of the global batch. A row no reward function applies to is unscorable: NaN
    keeps it out of its group's baseline and of reward / reward_std, and its advantage is 0 (TRL >= 1.6).
    aggregation: TRL's multi_objective_aggregation (normalize_then_sum: per function, then over the batch)."""
    if aggregation == "normalize_then_sum":
        adv = normalize_then_sum_advantages(scores.per_function, scores.weights, num_generations)
    elif aggregation != "sum_then_normalize":
        raise ValueError(f"unknown multi_objective_aggregation {aggregation!r}")
    else:
        adv = compute_advantages(scores.total.masked_fill(scores.all_none, float("nan")), num_generations, scale_rewards,
                                 estimator, normalize_advantages, reward_clip_range)
    metrics = {"reward": adv.reward_mean, "reward_std": adv.reward_std, "frac_reward_zero_std": adv.frac_zero_std,
               **scores.function_metrics()}
    return adv, metrics
