"""Rollouts: sample G completions per prompt and compute per-token log-probs in a separate forward pass."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from rlstudio.algorithms.grpo_loss import completion_mask_from_ids, entropy_from_logits, token_logps_and_entropy
from rlstudio.generation.generation_kwargs import split_generation_kwargs
from rlstudio.generation.keyed_decode import can_decode_here, keyed_decode
from rlstudio.generation.positions import left_padded_positions
from rlstudio.generation.reserved_cache import empty_reserved_cache, reserve
from rlstudio.generation.shared_prompt import can_share_prompts, prompt_cache, prompt_groups, shared_prompt_logits


@dataclass
class SamplingParams:
    max_completion_length: int
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int | None = None
    repetition_penalty: float = 1.0
    do_sample: bool = True
    min_p: float | None = None
    generation_kwargs: dict | None = None  # TRL's: more GenerationConfig settings, overriding the ones above


@dataclass
class Rollout:
    prompt_ids: torch.Tensor  # [B, P] left-padded
    prompt_mask: torch.Tensor  # [B, P]
    completion_ids: torch.Tensor  # [B, T] right-padded with pad id after the first EOS
    completion_mask: torch.Tensor  # [B, T] up to and including the first EOS
    truncated: torch.Tensor  # [B] bool: no EOS within max_completion_length

    @property
    def lengths(self) -> torch.Tensor:
        return self.completion_mask.sum(1)

    def select(self, idx: slice | torch.Tensor) -> "Rollout":
        return Rollout(self.prompt_ids[idx], self.prompt_mask[idx], self.completion_ids[idx], self.completion_mask[idx], self.truncated[idx])

    def sequences(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Prompt + completion as one forward's input: ids, attention mask and positions."""
        attention = torch.cat([self.prompt_mask, self.completion_mask], dim=1)
        return torch.cat([self.prompt_ids, self.completion_ids], dim=1), attention, left_padded_positions(attention)

    def trimmed(self) -> "Rollout":
        """The same rows without the columns none of them uses: the prompt padding every row has on its left and the
        completion columns past the longest completion. A batch is as wide as its longest row, so a micro-batch of
        short rows would otherwise pay for the padding of another micro-batch's long ones. Causal attention and masked
        padding keep the kept columns' log-probs what they are at full width (up to float rounding)."""
        used_prompt = self.prompt_mask.any(0).nonzero()
        start = int(used_prompt[0]) if used_prompt.numel() else self.prompt_mask.size(1) - 1
        width = max(int(self.completion_mask.sum(1).max()) if self.completion_mask.numel() else 0, 1)
        if start == 0 and width == self.completion_ids.size(1):
            return self
        return Rollout(self.prompt_ids[:, start:], self.prompt_mask[:, start:], self.completion_ids[:, :width],
                       self.completion_mask[:, :width], self.truncated)


def tokenize_prompts(tokenizer, prompts: list[str], max_prompt_length: int | None, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Left-padded prompt ids; prompts longer than max_prompt_length keep their last tokens (as TRL does)."""
    encoded = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    if max_prompt_length:
        encoded = [ids[-max_prompt_length:] for ids in encoded]
    width = max(len(ids) for ids in encoded)
    pad = tokenizer.pad_token_id
    ids = torch.full((len(encoded), width), pad, dtype=torch.long)
    mask = torch.zeros((len(encoded), width), dtype=torch.long)
    for i, row in enumerate(encoded):
        if row:
            ids[i, width - len(row):] = torch.tensor(row, dtype=torch.long)
            mask[i, width - len(row):] = 1
    return ids.to(device), mask.to(device)


def eos_ids(tokenizer, model) -> list[int]:
    ids = {tokenizer.eos_token_id}
    gen_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if isinstance(gen_eos, int):
        ids.add(gen_eos)
    elif isinstance(gen_eos, (list, tuple)):
        ids.update(gen_eos)
    return sorted(i for i in ids if i is not None)


@torch.no_grad()
def generate(model, tokenizer, prompt_ids, prompt_mask, params: SamplingParams, sample_keys: torch.Tensor | None = None) -> Rollout:
    """prompt_ids already repeated G times. Uses HF generate (KV cache) with the sampling settings.
    sample_keys (one per row, see keyed_sampling.row_keys): draw each row's tokens from its own keyed noise instead
    of torch's RNG, so a completion does not depend on which other rows this process generates (torchrun)."""
    eos = eos_ids(tokenizer, model)
    warpers, repetition_penalty, extra = split_generation_kwargs(
        {"temperature": params.temperature, "top_p": params.top_p, "top_k": params.top_k or 0, "min_p": params.min_p},
        params.repetition_penalty, params.generation_kwargs)
    kwargs = dict(
        **extra,
        max_new_tokens=params.max_completion_length,
        do_sample=params.do_sample,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=eos,
        use_cache=True,
    )
    if params.do_sample and sample_keys is not None:
        from rlstudio.generation.keyed_sampling import keyed_sampling_processors

        # Gumbel-max over the warped logits: a greedy decode of logits + keyed noise is a sample
        kwargs.update({k: None for k in warpers}, do_sample=False, logits_processor=keyed_sampling_processors(
            sample_keys, prompt_ids.size(1), warpers))
    elif params.do_sample:
        kwargs.update(warpers)
    if repetition_penalty != 1.0:
        kwargs["repetition_penalty"] = repetition_penalty
    was_training = model.training
    model.eval()
    try:
        cache = None
        # a cache of the user's choice (generation_kwargs) stays theirs
        if "cache_implementation" not in kwargs and accepts_logits_to_keep(model):
            capacity = prompt_ids.size(1) + params.max_completion_length
            cache = reserve(prompt_cache(model, prompt_ids, prompt_mask), capacity)
            if cache is None:
                cache = empty_reserved_cache(model, capacity)
            if cache is not None:
                kwargs["cache"] = cache
        if params.do_sample and sample_keys is not None and can_decode_here(model, cache, extra, repetition_penalty):
            completion_ids = keyed_decode(model, prompt_ids, prompt_mask, cache, params.max_completion_length,
                                          kwargs["logits_processor"], eos, tokenizer.pad_token_id)
        else:
            completion_ids = model.generate(input_ids=prompt_ids, attention_mask=prompt_mask, **kwargs)[
                :, prompt_ids.size(1):]
    finally:
        model.train(was_training)
    if completion_ids.size(1) == 0:
        completion_ids = torch.full((prompt_ids.size(0), 1), tokenizer.pad_token_id, dtype=torch.long, device=prompt_ids.device)
    mask, truncated = completion_mask_from_ids(completion_ids, eos)
    completion_ids = completion_ids.masked_fill(mask == 0, tokenizer.pad_token_id)
    return Rollout(prompt_ids, prompt_mask, completion_ids, mask, truncated)


def completion_logps(model, rollout: Rollout, temperature: float = 1.0, with_entropy: bool = False,
                     entropy_requires_grad: bool = False, share_prompts: bool = True):
    """Per-token log-probs (and entropies) of the completion tokens under `model`, at the sampling temperature
    (TRL divides the logits by the temperature so the ratio compares like with like). Only the positions that
    predict a completion token go through the LM head (logits_to_keep), where the model supports it, only the
    columns some row uses go through the model (Rollout.trimmed), and each distinct prompt goes through it once
    (shared_prompt). Outside the completion mask both are 0, whatever width a pass ran at, so passes over different
    row sets (the reference over a whole batch, the policy over one micro-batch) agree there. The entropies carry
    gradients only for the entropy bonus."""
    full_width = rollout.completion_ids.size(1)
    ro = rollout.trimmed()
    T = ro.completion_ids.size(1)
    logits = None
    if accepts_logits_to_keep(model):
        if share_prompts and can_share_prompts(model):
            logits = shared_prompt_logits(model, ro.prompt_ids, ro.prompt_mask, ro.completion_ids, ro.completion_mask)
        keep = {"logits_to_keep": T + 1}
    else:
        keep = {}
    if logits is None:  # one pass over prompt + completion
        input_ids, attention, position_ids = ro.sequences()
        logits = model(input_ids=input_ids, attention_mask=attention, position_ids=position_ids, use_cache=False,
                       **keep).logits[:, -T - 1:-1, :]
    if temperature != 1.0:
        logits = logits / temperature
    if with_entropy and entropy_requires_grad:  # the entropy bonus trains on the entropy: the differentiable one
        logps, _ = token_logps_and_entropy(logits, ro.completion_ids)
        entropy = entropy_from_logits(logits)
    else:
        logps, entropy = token_logps_and_entropy(logits, ro.completion_ids, with_entropy)
    return to_full_width(logps, ro.completion_mask, full_width), to_full_width(entropy, ro.completion_mask, full_width)


def to_full_width(values: torch.Tensor | None, mask: torch.Tensor, width: int) -> torch.Tensor | None:
    """[B, t] per-token values -> [B, width]: 0 outside the mask and in the columns trimmed away."""
    if values is None:
        return None
    values = values.masked_fill(mask == 0, 0.0)
    return torch.nn.functional.pad(values, (0, width - values.size(1))) if values.size(1) < width else values


def batch_completion_logps(model, rollout: Rollout, temperature: float, rows_per_pass: int) -> torch.Tensor:
    """completion_logps without gradient over a whole batch, rows_per_pass rows at a time (as TRL's batch_size for
    these passes). The rows go prompt by prompt, prompts with the shortest longest completion first: each pass is
    only as wide as its own rows, and the rows of one prompt stay together to share its pass (shared_prompt)."""
    _, prompt = prompt_groups(rollout.prompt_ids, rollout.prompt_mask)
    lengths = rollout.completion_mask.sum(1)
    longest = torch.zeros(int(prompt.max()) + 1, dtype=lengths.dtype, device=lengths.device)
    longest = longest.scatter_reduce(0, prompt, lengths, reduce="amax")
    order = torch.argsort(longest[prompt] * (int(prompt.max()) + 1) + prompt, stable=True)
    out = torch.zeros(rollout.completion_ids.shape, dtype=torch.float32, device=rollout.completion_ids.device)
    with torch.no_grad():
        for lo in range(0, order.numel(), max(rows_per_pass, 1)):
            rows = order[lo:lo + rows_per_pass]
            out[rows] = completion_logps(model, rollout.select(rows), temperature)[0].float()
    return out


def accepts_logits_to_keep(model) -> bool:
    """Whether the causal LM under any DDP / PEFT wrapping takes `logits_to_keep` (transformers' models do)."""
    import inspect

    inner = getattr(model, "module", model)  # DistributedDataParallel
    if hasattr(inner, "get_base_model"):  # PEFT
        inner = inner.get_base_model()
    try:
        return "logits_to_keep" in inspect.signature(inner.forward).parameters
    except (TypeError, ValueError):
        return False
