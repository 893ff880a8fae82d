"""keyed_decode: the decode loop of a keyed-sampling generate(), token for token, and only where generate() would add
nothing to it."""
import copy

import torch

from rlstudio.generation import rollout
from rlstudio.generation.keyed_decode import can_decode_here, keyed_decode
from rlstudio.generation.keyed_sampling import keyed_sampling_processors, row_keys
from rlstudio.generation.reserved_cache import empty_reserved_cache, reserve
from rlstudio.generation.rollout import SamplingParams, generate, tokenize_prompts
from rlstudio.generation.shared_prompt import prompt_cache

PROMPTS = ["Ann has 1 flowers and eats 1 . How many flowers does Ann have now ?", "Cara had 3 pears .", "x"]
WARPERS = {"temperature": 0.8, "top_k": 40, "top_p": 0.95}


def _batch(tok, group):
    ids, mask = tokenize_prompts(tok, PROMPTS, None, "cpu")
    return ids.repeat_interleave(group, 0), mask.repeat_interleave(group, 0)


def _cache(model, ids, mask, capacity, shared):
    return reserve(prompt_cache(model, ids, mask), capacity) if shared else empty_reserved_cache(model, capacity)


def test_keyed_decode_is_generate_token_for_token_with_rows_ending_at_different_steps(scrambled_tiny):
    model, tok = scrambled_tiny
    model.eval()
    T = 40
    for shared in (True, False):
        ids, mask = _batch(tok, 4)
        keys = row_keys(0, 3, torch.arange(ids.size(0)))
        processors = keyed_sampling_processors(keys, ids.size(1), WARPERS)
        # an end-of-sequence token the scrambled model draws often, so rows end at different steps before T
        free = keyed_decode(model, ids, mask, _cache(model, ids, mask, ids.size(1) + T, shared), T, processors, [-1],
                            tok.pad_token_id)
        eos, later = [], free[:, 2:]
        while len(eos) < 8 and not torch.isin(later, torch.tensor(eos, dtype=torch.long)).any(1).all():
            uncovered = later[~torch.isin(later, torch.tensor(eos, dtype=torch.long)).any(1)]
            eos.append(int(torch.mode(uncovered.flatten()).values))  # end-of-sequence ids every row draws after 2
        ours = keyed_decode(model, ids, mask, _cache(model, ids, mask, ids.size(1) + T, shared), T,
                            keyed_sampling_processors(keys, ids.size(1), WARPERS), eos, tok.pad_token_id)
        theirs = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=T, do_sample=False, use_cache=True,
                                pad_token_id=tok.pad_token_id, eos_token_id=eos,
                                logits_processor=keyed_sampling_processors(keys, ids.size(1), WARPERS),
                                cache=_cache(model, ids, mask, ids.size(1) + T, shared))[:, ids.size(1):]
        assert torch.equal(ours, theirs), shared
        ends = [int(torch.isin(row, torch.tensor(eos)).nonzero()[0]) for row in ours]
        assert len(set(ends)) > 3 and ours.size(1) == max(ends) + 1 < T  # stopped once every row had ended
        assert all((row[end + 1:] == tok.pad_token_id).all() for row, end in zip(ours, ends))


def test_rollouts_take_the_loop_only_where_generate_would_add_nothing(scrambled_tiny, monkeypatch):
    model, tok = scrambled_tiny
    ids, mask = _batch(tok, 4)
    cache = _cache(model, ids, mask, ids.size(1) + 8, True)
    assert can_decode_here(model, cache, {}, 1.0)
    assert not can_decode_here(model, cache, {"no_repeat_ngram_size": 2}, 1.0)
    assert not can_decode_here(model, cache, {}, 1.1)
    assert not can_decode_here(model, prompt_cache(model, ids, mask), {}, 1.0)  # transformers' growing cache
    assert not can_decode_here(model, None, {}, 1.0)
    sharded = copy.copy(model)  # named as fully_shard names it: FSDP processes must run the same forwards
    sharded.__class__ = type("FSDP" + type(model).__name__, (type(model),), {})
    assert not can_decode_here(sharded, cache, {}, 1.0)

    # a checkpoint's own generation config that adds a processor (here: suppressed tokens) is honoured: generate()
    params = SamplingParams(max_completion_length=12)
    keys = row_keys(0, 0, torch.arange(ids.size(0)))
    used = []
    monkeypatch.setattr(rollout, "keyed_decode", lambda *a: used.append(1) or keyed_decode(*a))
    plain = generate(model, tok, ids, mask, params, keys)
    assert used, "the plain keyed rollout runs keyed_decode"
    common = int(torch.mode(plain.completion_ids[plain.completion_mask.bool()]).values)
    monkeypatch.setattr(model, "generation_config", copy.deepcopy(model.generation_config))
    model.generation_config.suppress_tokens = [common]
    assert not can_decode_here(model, cache, {}, 1.0)
    used.clear()
    suppressed = generate(model, tok, ids, mask, params, keys)
    assert not used and not (suppressed.completion_ids == common).any()
