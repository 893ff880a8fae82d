"""Decoding several requests together with one KV cache: each row keeps its own sampling settings, its own seeded
generator (a seeded answer does not depend on which requests share its batch), its own stop, and can be cancelled
between tokens. New tokens go to each row's callback as they come, which is how answers stream."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import torch

from rlstudio.generation.positions import left_padded_positions


@dataclass
class DecodeRow:
    prompt_ids: list[int]
    max_tokens: int
    temperature: float = 0.0  # 0: greedy
    top_p: float = 1.0
    top_k: int = 0
    seed: int | None = None
    on_token: Callable[[int], None] | None = None
    is_cancelled: Callable[[], bool] = lambda: False
    token_ids: list[int] = field(default_factory=list)
    finish_reason: str | None = None
    first_token_seconds: float | None = None
    _generator: torch.Generator | None = None

    @property
    def done(self) -> bool:
        return self.finish_reason is not None


def filter_logits(logits: torch.Tensor, top_k: int, top_p: float) -> torch.Tensor:
    """One row's logits with everything outside top-k and the top-p nucleus set to -inf (the first token always stays)."""
    if top_k and top_k < logits.numel():
        kth = torch.topk(logits, top_k).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True)
        cumulative = torch.softmax(sorted_logits, dim=-1).cumsum(-1)
        drop = cumulative - torch.softmax(sorted_logits, dim=-1) >= top_p  # keep tokens until the mass reaches top_p
        logits = logits.clone()
        logits[order[drop]] = float("-inf")
    return logits


def _next_token(row: DecodeRow, logits: torch.Tensor) -> int:
    if row.temperature == 0:
        return int(torch.argmax(logits))
    if row._generator is None:
        row._generator = torch.Generator(device="cpu")
        if row.seed is None:
            row._generator.seed()
        else:
            row._generator.manual_seed(row.seed)
    probs = torch.softmax(filter_logits(logits.float().cpu() / row.temperature, row.top_k, row.top_p), dim=-1)
    return int(torch.multinomial(probs, 1, generator=row._generator))


def _cache_keyword(model) -> str:
    """transformers 5.x calls the KV cache `cache`; earlier versions `past_key_values` (both are supported)."""
    import inspect

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"


def _cache_of(out):
    cache = getattr(out, "cache", None)
    return cache if cache is not None else out.past_key_values


@torch.no_grad()
def decode(model, rows: list[DecodeRow], eos_ids: list[int], pad_id: int, device) -> None:
    """Run every row to its stop (EOS, max_tokens, or cancelled); results are left in the rows."""
    started = time.perf_counter()
    width = max(len(r.prompt_ids) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, width - len(r.prompt_ids):] = torch.tensor(r.prompt_ids, dtype=torch.long)
        mask[i, width - len(r.prompt_ids):] = 1
    ids, mask = ids.to(device), mask.to(device)
    positions = left_padded_positions(mask)
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True)
    stops = set(eos_ids)
    cache_keyword = _cache_keyword(model)
    for _ in range(max(r.max_tokens for r in rows)):
        logits = out.logits[:, -1, :]
        step_ids = []
        for i, r in enumerate(rows):
            if not r.done and r.is_cancelled():
                r.finish_reason = "cancelled"
            if r.done:
                step_ids.append(pad_id)
                continue
            token = _next_token(r, logits[i])
            step_ids.append(token)
            if r.first_token_seconds is None:
                r.first_token_seconds = time.perf_counter() - started
            if token in stops:
                r.finish_reason = "stop"
                continue
            r.token_ids.append(token)
            if r.on_token is not None:
                r.on_token(token)
            if len(r.token_ids) >= r.max_tokens:
                r.finish_reason = "length"
        if all(r.done for r in rows):
            break
        positions = positions[:, -1:] + 1
        mask = torch.cat([mask, torch.ones((len(rows), 1), dtype=mask.dtype, device=device)], dim=1)
        step = torch.tensor(step_ids, dtype=torch.long, device=device).unsqueeze(1)
        out = model(input_ids=step, attention_mask=mask, position_ids=positions, use_cache=True,
                    **{cache_keyword: _cache_of(out)})
    for r in rows:
        if not r.done:
            r.finish_reason = "length"


class TextStream:
    """Incremental detokenization: the text each new token adds, holding back an incomplete character."""

    def __init__(self, tokenizer):
        self._tokenizer = tokenizer
        self._ids: list[int] = []
        self._sent = ""

    def push(self, token: int) -> str:
        self._ids.append(token)
        text = self._tokenizer.decode(self._ids, skip_special_tokens=True)
        if text.endswith("\ufffd") or not text.startswith(self._sent):
            return ""
        delta, self._sent = text[len(self._sent):], text
        return delta
