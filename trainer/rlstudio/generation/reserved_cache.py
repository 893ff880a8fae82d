"""generate()'s KV cache with room for the whole completion reserved up front.

transformers' dynamic cache grows by torch.cat: every decode step copies each layer's whole cache to append one
token, so generating T tokens moves O(T^2) bytes; on CPU that copy is about as costly as the attention that reads
the cache (on the tiny model, 64 rows x 128 new tokens, one thread: generate() took 0.80 s CPU with the growing cache,
0.68 s with this one). Here each layer's keys and values live in a buffer sized for prompt + max_new_tokens; a step
writes its token in place and the attention reads a view of the filled part. The values are the same, so the logits
and the sampled tokens are too."""
from __future__ import annotations

import torch
from transformers.cache_utils import DynamicCache, DynamicLayer


class ReservedLayer(DynamicLayer):
    """A DynamicLayer whose keys and values are views into a buffer of `capacity` positions. Anything that replaces
    the layer's tensors (batch selection, crop, reset, offload) makes the next update reserve a new buffer from them,
    so the inherited methods stay correct."""

    def __init__(self, capacity: int, **kwargs):
        super().__init__(**kwargs)
        self.capacity = capacity
        self._buffers: tuple[torch.Tensor, torch.Tensor] | None = None
        self._views: tuple[torch.Tensor, torch.Tensor] | None = None

    @classmethod
    def taking_over(cls, layer: DynamicLayer, capacity: int) -> "ReservedLayer":
        """A reserved layer holding `layer`'s keys and values (copied into its buffer at the next update)."""
        reserved = cls(capacity)
        if layer.is_initialized:
            reserved.lazy_initialization(layer.keys, layer.values)
            reserved.keys, reserved.values = layer.keys, layer.values
        return reserved

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs
               ) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        filled, new = self.get_seq_length(), key_states.shape[-2]
        if self._views is None or self.keys is not self._views[0] or filled + new > self._buffers[0].shape[-2]:
            self._buffers = (self._reserve(key_states, filled, new, self.keys),
                             self._reserve(value_states, filled, new, self.values))
        keys, values = self._buffers
        keys[..., filled:filled + new, :].copy_(key_states)
        values[..., filled:filled + new, :].copy_(value_states)
        self.keys, self.values = keys[..., :filled + new, :], values[..., :filled + new, :]
        self._views = (self.keys, self.values)
        return self.keys, self.values

    def _reserve(self, states: torch.Tensor, filled: int, new: int, old: torch.Tensor) -> torch.Tensor:
        shape = list(states.shape)
        shape[-2] = max(self.capacity, 2 * (filled + new))  # past the capacity: double, as a list grows
        buffer = states.new_empty(shape)
        if filled:
            buffer[..., :filled, :].copy_(old)
        return buffer


def reserve(cache: DynamicCache | None, capacity: int) -> DynamicCache | None:
    """cache with its plain dynamic layers made ReservedLayers of `capacity` positions; a cache with any other layer
    kind (sliding window, linear attention, a model's own) is returned as it is."""
    if cache is None or not all(type(layer) is DynamicLayer for layer in cache.layers):
        return cache
    cache.layers = [ReservedLayer.taking_over(layer, capacity) for layer in cache.layers]
    return cache


def empty_reserved_cache(model, capacity: int) -> DynamicCache | None:
    """The cache generate() would make for `model` (a DynamicCache from its decoder config), reserved; None for
    models generate() gives no dynamic cache (encoder-decoders, state-space models) or whose layers are not all
    plain dynamic ones."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    supports = getattr(type(inner), "_supports_default_dynamic_cache", None)
    if supports is None or not supports() or getattr(inner.config, "is_encoder_decoder", False):
        return None
    try:
        cache = DynamicCache(config=inner.config.get_text_config(decoder=True))
    except (KeyError, ValueError, AttributeError):  # a layer type transformers' dynamic cache does not map
        return None
    if not cache.layers:
        return None
    reserved = reserve(cache, capacity)
    return reserved if isinstance(reserved.layers[0], ReservedLayer) else None
