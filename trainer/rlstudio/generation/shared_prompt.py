"""Each distinct prompt through the model once: for the completion logits, and for generation's prefill.

GRPO scores G completions of every prompt, so a batch holds each prompt G times. Under causal attention a prompt's
keys and values do not depend on what follows it: the model runs each distinct prompt once (with gradient), its KV
cache is expanded to every row that shares it, and only the completion tokens go through the model on top of it. The
logits are those of one pass over prompt + completion (up to float rounding); the gradient reaches the prompt's
positions through the expanded cache. With a 20-token prompt, 16 completions per prompt and short answers, most of a
full pass is the prompt: this is where the training and reference passes spend their time."""
from __future__ import annotations

import torch

from rlstudio.generation.positions import left_padded_positions

# Below this many rows per distinct prompt the saving does not pay for the second forward call.
MIN_ROWS_PER_PROMPT = 2


def can_share_prompts(model) -> bool:
    """Plain causal LMs (and PEFT around one) with transformers' dynamic KV cache. Not under DDP or FSDP: their
    gradient hooks expect one forward per backward. Not with gradient checkpointing: it turns the cache off."""
    if isinstance(model, torch.nn.parallel.DistributedDataParallel) or is_sharded(model):
        return False
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    checkpointing = getattr(type(inner), "is_activation_checkpointing", None)  # transformers 5's name
    if checkpointing is None:
        checkpointing = getattr(type(inner), "is_gradient_checkpointing", None)
    return not (isinstance(checkpointing, property) and checkpointing.fget(inner))


def is_sharded(model) -> bool:
    """FSDP (fully_shard renames the class FSDP<Name>; FullyShardedDataParallel wraps it): its processes gather each
    layer's parameters together, so every one must run the same forward calls."""
    name = type(model).__name__
    return "FSDP" in name or "FullyShardedDataParallel" in name


def prompt_groups(prompt_ids: torch.Tensor, prompt_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(distinct rows of [ids | mask], row -> its distinct prompt): rows with the same tokens and padding share one."""
    return torch.unique(torch.cat([prompt_ids, prompt_mask], 1), dim=0, return_inverse=True)


def _distinct_prompts_cache(model, prompt_ids, prompt_mask, width: int):
    """One forward over each distinct row of prompt_ids[:, :width] (the rows compared over the whole prompt), with
    the KV cache kept: (output, row -> distinct prompt), or None when the rows do not share prompts enough or the
    cache is not the plain dynamic one the callers expand (a sliding window or a model's own cache type)."""
    from transformers.cache_utils import DynamicLayer

    B, P = prompt_ids.shape
    distinct, row_prompt = prompt_groups(prompt_ids, prompt_mask)
    if distinct.size(0) * MIN_ROWS_PER_PROMPT > B:
        return None
    ids, mask = distinct[:, :width], distinct[:, P:P + width]
    out = model(input_ids=ids, attention_mask=mask, position_ids=left_padded_positions(mask), use_cache=True,
                logits_to_keep=1)
    layers = getattr(getattr(out, "cache", None), "layers", None)
    if not layers or any(type(layer) is not DynamicLayer for layer in layers):
        return None
    return out, row_prompt


def shared_prompt_logits(model, prompt_ids, prompt_mask, completion_ids, completion_mask) -> torch.Tensor | None:
    """[B, T, V] logits predicting each completion token (as logits[:, P-1:P+T-1] of one full pass), or None where
    _distinct_prompts_cache has none."""
    P, T = prompt_ids.size(1), completion_ids.size(1)
    found = _distinct_prompts_cache(model, prompt_ids, prompt_mask, P)
    if found is None:
        return None
    out, row_prompt = found
    first = out.logits[:, -1:, :].index_select(0, row_prompt)  # the last prompt position predicts token 0
    if T == 1:
        return first
    cache = out.cache
    cache.batch_select_indices(row_prompt)  # indexing, not in place: the gradient flows back to each prompt
    attention = torch.cat([prompt_mask, completion_mask], 1)[:, :P + T - 1]
    positions = left_padded_positions(attention)[:, P:]
    rest = model(input_ids=completion_ids[:, :-1], attention_mask=attention, position_ids=positions,
                 cache=cache, use_cache=True).logits
    return torch.cat([first, rest], 1)


@torch.no_grad()
def prompt_cache(model, prompt_ids, prompt_mask):
    """For generate(): the KV cache of every row's prompt but its last token, each distinct prompt computed once and
    expanded to its rows; generate() then only prefills the last token (as when one continues from a saved prompt
    cache). None where the prompts are one token wide or _distinct_prompts_cache has none."""
    if prompt_ids.size(1) < 2 or not can_share_prompts(model):
        return None
    found = _distinct_prompts_cache(model, prompt_ids, prompt_mask, prompt_ids.size(1) - 1)
    if found is None:
        return None
    out, row_prompt = found
    out.cache.batch_select_indices(row_prompt)
    return out.cache
