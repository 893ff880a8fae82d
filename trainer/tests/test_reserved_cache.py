"""generate()'s reserved KV cache (generation/reserved_cache.py): the same samples as transformers' growing cache,
written in place into one buffer per layer."""
import pytest
import torch
from transformers.cache_utils import DynamicLayer

from rlstudio.generation import rollout
from rlstudio.generation.keyed_sampling import row_keys
from rlstudio.generation.reserved_cache import ReservedLayer
from rlstudio.generation.rollout import SamplingParams, generate, tokenize_prompts


PROMPTS = ["Ann has 1 flowers and eats 1 . How many flowers does Ann have now ?", "Cara had 3 pears .", "x"]


@pytest.mark.parametrize("loop", ["keyed_decode", "generate()"])
@pytest.mark.parametrize("group", [4, 1], ids=["shared prompts", "distinct prompts"])
def test_generation_samples_what_the_growing_cache_samples_from_one_buffer_per_layer(scrambled_tiny, monkeypatch, group,
                                                                                     loop):
    model, tok = scrambled_tiny
    if loop == "generate()":  # the path of generation_kwargs extras: transformers' loop on the reserved cache
        monkeypatch.setattr(rollout, "can_decode_here", lambda *a: False)
    ids, mask = tokenize_prompts(tok, PROMPTS, None, "cpu")
    ids, mask = ids.repeat_interleave(group, 0), mask.repeat_interleave(group, 0)
    keys = row_keys(0, 0, torch.arange(ids.size(0)))
    params = SamplingParams(max_completion_length=24)
    buffers = []  # after each forward: each layer's key buffer, how many positions it holds, and its kind

    def record(module, args, kwargs, output):
        cache = output.cache
        buffers.append([(layer.keys.untyped_storage().data_ptr(), layer.get_seq_length(), type(layer))
                        for layer in cache.layers] if cache is not None else None)

    hook = model.register_forward_hook(record, with_kwargs=True)
    try:
        reserved = generate(model, tok, ids, mask, params, keys)
    finally:
        hook.remove()
    monkeypatch.setattr(rollout, "reserve", lambda cache, capacity: cache)
    monkeypatch.setattr(rollout, "empty_reserved_cache", lambda model, capacity: None)
    growing = generate(model, tok, ids, mask, params, keys)

    assert torch.equal(reserved.completion_ids, growing.completion_ids)
    assert torch.equal(reserved.completion_mask, growing.completion_mask)
    assert (mask == 0).any()  # left-padded prompts: the attention mask path is exercised
    decoding = buffers[-params.max_completion_length:]  # the prompt's forward (if shared) and the 24 of generate()
    assert len(buffers) == params.max_completion_length + (group > 1) and decoding[-1][0][1] == ids.size(1) + 23
    assert all(kind is ReservedLayer for step in decoding for _, _, kind in step)
    # every step reads and writes the same buffers: nothing was copied to grow the cache
    assert len({tuple(ptr for ptr, _, _ in step) for step in decoding}) == 1


def _updates(layer, steps, rows=3):
    torch.manual_seed(1)
    out = []
    for width in steps:
        k, v = torch.randn(rows, 2, width, 4), torch.randn(rows, 2, width, 4)
        out.append(tuple(t.clone() for t in layer.update(k, v)))
    return out


def test_reserved_layer_equals_a_dynamic_layer_past_its_capacity_and_after_a_batch_selection():
    reserved, dynamic = ReservedLayer(capacity=6), DynamicLayer()
    for a, b in zip(_updates(reserved, [5, 1, 1, 3]), _updates(dynamic, [5, 1, 1, 3])):  # 10 > 6: it grows
        assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    for layer in (reserved, dynamic):
        layer.batch_select_indices(torch.tensor([2, 0]))  # replaces the tensors: the next update reserves anew
    for a, b in zip(_updates(reserved, [1, 2], rows=2), _updates(dynamic, [1, 2], rows=2)):
        assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert reserved.get_seq_length() == dynamic.get_seq_length() == 13
