"""Sampling whose randomness belongs to each completion, not to the process that happens to draw it.

Under torchrun every process generates its slice of the global batch. With torch's RNG the tokens a completion gets
depend on how many rows the same process sampled before it, so 2 processes would sample a different global batch than
1 process with the same seed, and a resumed run would depend on the restored RNG stream. Here completion r at position
t draws one uniform u, a hash of (seed, generation, r, t), and takes the token where the cumulative distribution of
softmax(logits / T) (after top-k / top-p) first exceeds u: inverse-CDF sampling, an exact draw from that distribution
that depends only on the completion's key. One hash per row and step, not one per vocabulary entry (a per-token
Gumbel hash cost more than the model's forward at a 32k vocabulary); the distribution is summed in float64.

The hash is lowbias32 (Chris Wellons, hash-prospector) on int64 tensors, with the 32x32-bit products split so nothing
overflows: bit-exact on CPU and CUDA.
"""
from __future__ import annotations

import torch
from transformers import LogitsProcessor

_MASK = 0xFFFFFFFF


def _mul32(x: torch.Tensor, c: int) -> torch.Tensor:
    """(x * c) mod 2^32 for 0 <= x < 2^32 without int64 overflow: split c into 16-bit halves."""
    lo, hi = c & 0xFFFF, c >> 16
    return ((x * lo) + (((x * hi) & 0xFFFF) << 16)) & _MASK


def mix32(x: torch.Tensor) -> torch.Tensor:
    """A bijection on 32-bit values with full avalanche (lowbias32)."""
    x = x & _MASK
    x = x ^ (x >> 16)
    x = _mul32(x, 0x7FEB352D)
    x = x ^ (x >> 15)
    x = _mul32(x, 0x846CA68B)
    return x ^ (x >> 16)


def row_keys(seed: int, generation: int, rows: torch.Tensor) -> torch.Tensor:
    """One 32-bit key per completion: rows are the completions' indices in the global batch."""
    base = mix32(torch.tensor(seed & _MASK, dtype=torch.int64))
    base = mix32(base ^ (generation & _MASK))
    return mix32(base ^ rows.to(torch.int64))


def keyed_uniforms(keys: torch.Tensor, first: int, count: int) -> torch.Tensor:
    """[B, count] float64 uniforms strictly inside (0, 1) for positions first .. first + count - 1, each a pure
    function of (key, position). One call for a block of positions: the hash is a dozen small tensor ops, which cost
    more than the draw itself when paid at every decode step."""
    positions = torch.arange(first, first + count, dtype=torch.int64, device=keys.device) + 0x9E3779B9
    bits = mix32(keys.to(torch.int64).unsqueeze(1) ^ mix32(positions).unsqueeze(0))
    return (bits.to(torch.float64) + 0.5) / 4294967296.0


def keyed_uniform(keys: torch.Tensor, position: int) -> torch.Tensor:
    """[B] float64 uniforms strictly inside (0, 1), a pure function of (key, position)."""
    return keyed_uniforms(keys, position, 1).squeeze(1)


def keyed_draw(scores: torch.Tensor, keys: torch.Tensor, position: int, uniforms: torch.Tensor | None = None
               ) -> torch.Tensor:
    """[B] token ids drawn from softmax(scores) per row by inverse CDF with the row's keyed uniform (uniforms: the
    [B] keyed_uniform(keys, position), when the caller has it); a token whose score is -inf (filtered by top-k /
    top-p) has zero mass and is never drawn."""
    cdf = torch.softmax(scores.to(torch.float64), dim=-1).cumsum_(dim=-1)
    if uniforms is None:
        uniforms = keyed_uniform(keys.to(scores.device), position)
    u = uniforms.unsqueeze(1) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(1).clamp_(max=scores.size(-1) - 1)


class KeyedSampler(LogitsProcessor):
    """A transformers LogitsProcessor, last in the list of a greedy generate(): leaves only each row's keyed draw
    finite, so the greedy argmax is a sample. prompt_width: the (padded) prompt length, to count generated positions
    from 0 whatever padding this process's batch needed."""

    BLOCK = 64  # positions whose uniforms are hashed in one call

    def __init__(self, keys: torch.Tensor, prompt_width: int):
        self.keys = keys
        self.prompt_width = prompt_width
        self._first, self._uniforms = 0, None

    def draw(self, scores: torch.Tensor, position: int) -> torch.Tensor:
        """[B] the keyed draws of generated position `position` (counted from 0) from scores."""
        if self._uniforms is None or not self._first <= position < self._first + self.BLOCK:
            self._first = position
            self._uniforms = keyed_uniforms(self.keys.to(scores.device), position, self.BLOCK)
        return keyed_draw(scores, self.keys, position, self._uniforms[:, position - self._first])

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        tokens = self.draw(scores, input_ids.shape[1] - self.prompt_width)
        out = torch.full_like(scores, float("-inf"))
        return out.scatter_(1, tokens.unsqueeze(1), 0.0)


def keyed_sampling_processors(keys: torch.Tensor, prompt_width: int, warpers: dict) -> list:
    """transformers' sampling warpers (temperature, top-h, top-k, top-p, min-p, typical, epsilon, eta: the settings
    in `warpers`, by generate()'s names), in the order and with the conditions its sampling applies them, then the
    keyed draw."""
    import transformers as tf

    w = warpers
    present = lambda k: w.get(k) is not None  # noqa: E731
    processors = []
    if present("temperature") and w["temperature"] != 1.0:
        processors.append(tf.TemperatureLogitsWarper(w["temperature"]))
    if present("top_h"):
        processors.append(tf.TopHLogitsWarper(top_h=w["top_h"]))
    if present("top_k") and w["top_k"] != 0:
        processors.append(tf.TopKLogitsWarper(w["top_k"]))
    if present("top_p") and w["top_p"] < 1.0:
        processors.append(tf.TopPLogitsWarper(w["top_p"]))
    if present("min_p"):
        processors.append(tf.MinPLogitsWarper(w["min_p"]))
    if present("typical_p") and w["typical_p"] < 1.0:
        processors.append(tf.TypicalLogitsWarper(mass=w["typical_p"]))
    if present("epsilon_cutoff") and 0.0 < w["epsilon_cutoff"] < 1.0:
        processors.append(tf.EpsilonLogitsWarper(epsilon=w["epsilon_cutoff"]))
    if present("eta_cutoff") and 0.0 < w["eta_cutoff"] < 1.0:
        processors.append(tf.EtaLogitsWarper(epsilon=w["eta_cutoff"], device=keys.device))
    processors.append(KeyedSampler(keys, prompt_width))
    return processors
