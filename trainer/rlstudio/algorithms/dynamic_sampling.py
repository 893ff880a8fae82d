"""DAPO's dynamic sampling (an RL Studio setting: TRL 1.16 has none). A group whose rewards are all equal has zero
advantage, so it adds nothing to the gradient but dilutes the batch (the "loss is 0, is it broken?" of an easy task).
Such groups are left out and more prompts drawn, one generation round of the usual size at a time, until the step
has its number of informative groups or grpo.dynamic_sampling_max_rounds rounds ran; a step still short is filled
with left-out groups. The rounds' completions are gathered on every process (as token lists) so the chosen groups
can be dealt out to the processes as make_batch deals out prompts."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from rlstudio.algorithms.grpo_batch import Generated, RLBatch, finish_batch, generate_and_score
from rlstudio.training.phase_clock import PhaseClock
from rlstudio.algorithms.grpo_loss import nanstd
from rlstudio.generation.rollout import Rollout
from rlstudio.rewards.base import RewardScores
from rlstudio.rewards.reward_logs import RewardLogs
from rlstudio.training.distributed import gather_objects


@dataclass
class _Row:
    """One completion, independent of the process that generated it."""
    record: object
    prompt_text: str
    prompt_ids: list[int]
    completion_ids: list[int]
    truncated: bool
    text: str
    rewards: torch.Tensor  # [F], NaN where a function returned None
    extra: dict


def informative(rewards: torch.Tensor, weights: torch.Tensor, aggregation: str) -> bool:
    """rewards: [G, F] of one group. True when the group's advantages can be non-zero: its total reward varies
    (per function for normalize_then_sum, which standardises each one); fewer than two scorable rows never do."""
    if aggregation == "normalize_then_sum":
        stds = nanstd(rewards, dim=0)
    else:
        total = (rewards * weights).nansum(dim=1).masked_fill(torch.isnan(rewards).all(dim=1), float("nan"))
        stds = nanstd(total).reshape(1)
    return bool(((~torch.isnan(stds)) & ~torch.isclose(stds, torch.zeros_like(stds))).any())


def dynamic_batch(ctx, model, tokenizer, draw, n_prompts: int, cfg: dict, reward_funcs, reference, trainer_state,
                  log_groups: int | None, columns=None) -> RLBatch:
    """draw(n): the next n prompts (the same on every process). Returns the step's batch of n_prompts groups."""
    g = cfg["grpo"]
    G = g["num_generations"]
    kept, spare, metric_lists = [], [], {}
    rounds = 0
    scores = None
    clock = PhaseClock(ctx.device)
    while len(kept) < n_prompts and rounds < g["dynamic_sampling_max_rounds"]:
        generated = generate_and_score(ctx, model, tokenizer, draw(n_prompts), cfg, reward_funcs, trainer_state,
                                       columns, key_offset=rounds * n_prompts * G, clock=clock)
        rounds += 1
        scores = generated.scores
        for name, values in generated.logs.metrics.items():
            metric_lists.setdefault(name, []).extend(values)
        rows = gather_objects(ctx, _rows(generated))
        for k in range(0, len(rows), G):
            group = rows[k:k + G]
            rewards = torch.stack([r.rewards for r in group])
            (kept if informative(rewards, scores.weights, g["multi_objective_aggregation"]) else spare).append(group)
    chosen = kept[:n_prompts]
    filled = n_prompts - len(chosen)
    chosen += spare[:filled]
    batch = finish_batch(ctx, model, tokenizer, _local_generated(ctx, chosen, scores, metric_lists, tokenizer),
                         cfg, reference, log_groups, clock=clock)
    batch.metrics.update({"dynamic_sampling/prompts_drawn": float(rounds * n_prompts),
                          "dynamic_sampling/rounds": float(rounds),
                          "dynamic_sampling/filled_with_zero_std": float(filled)})
    return batch


def _rows(gen: Generated) -> list[_Row]:
    ro = gen.rollout
    out = []
    for i in range(len(gen.local)):
        prompt_ids = ro.prompt_ids[i][ro.prompt_mask[i].bool()].cpu().tolist()
        out.append(_Row(gen.local[i], gen.prompts_text[i], prompt_ids, gen.ids_list[i], bool(ro.truncated[i]),
                        gen.texts[i], gen.scores.per_function[i].cpu(), gen.logs.row_extras(i) if gen.logs.extra else {}))
    return out


def _local_generated(ctx, groups: list[list[_Row]], scores: RewardScores, metric_lists: dict, tokenizer) -> Generated:
    """This process's slice of the chosen groups, as generate_and_score would have returned it."""
    rows = [r for group in groups for r in group]
    per_rank = len(rows) // ctx.world_size
    local = rows[ctx.rank * per_rank:(ctx.rank + 1) * per_rank]
    pad = tokenizer.pad_token_id
    p_width = max(len(r.prompt_ids) for r in local)
    c_width = max(len(r.completion_ids) for r in local)
    prompt_ids = torch.tensor([[pad] * (p_width - len(r.prompt_ids)) + r.prompt_ids for r in local], dtype=torch.long)
    prompt_mask = torch.tensor([[0] * (p_width - len(r.prompt_ids)) + [1] * len(r.prompt_ids) for r in local],
                               dtype=torch.long)
    completion_ids = torch.tensor([r.completion_ids + [pad] * (c_width - len(r.completion_ids)) for r in local],
                                  dtype=torch.long)
    completion_mask = (torch.arange(c_width).unsqueeze(0) < torch.tensor([len(r.completion_ids) for r in local]
                                                                         ).unsqueeze(1)).long()
    truncated = torch.tensor([r.truncated for r in local])
    ro = Rollout(*(t.to(ctx.device) for t in (prompt_ids, prompt_mask, completion_ids, completion_mask, truncated)))
    per_function = torch.stack([r.rewards for r in local])
    all_none = torch.isnan(per_function).all(dim=1)
    total = (per_function * scores.weights).nansum(dim=1)
    logs = RewardLogs(len(local))
    logs.metrics.update(metric_lists)
    for column in dict.fromkeys(c for r in local for c in r.extra):  # None where a round did not log the column
        logs.extra[column] = [r.extra.get(column) for r in local]
    return Generated([r.record for r in local], [r.prompt_text for r in local], ro,
                     [r.completion_ids for r in local], [r.text for r in local],
                     RewardScores(per_function, total, scores.names, scores.weights, all_none), logs)

