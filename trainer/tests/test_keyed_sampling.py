"""Keyed inverse-CDF sampling: the hash is the published lowbias32, draws follow softmax, and a completion's tokens
depend on its key only, not on which rows share its batch (what makes 2 torchrun processes equal 1)."""
import random

import torch

from rlstudio.generation.keyed_sampling import KeyedSampler, keyed_draw, keyed_sampling_processors, mix32, row_keys
from rlstudio.models.policy import load_tokenizer
from rlstudio.generation.rollout import tokenize_prompts
from rlstudio.models.tiny import tiny_model_dir


def lowbias32(x: int) -> int:
    x ^= x >> 16
    x = (x * 0x7FEB352D) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x846CA68B) & 0xFFFFFFFF
    return x ^ (x >> 16)


def test_mix32_is_lowbias32_exactly():
    rng = random.Random(0)
    values = [0, 1, 0xFFFFFFFF, 0x80000000] + [rng.getrandbits(32) for _ in range(1000)]
    got = mix32(torch.tensor(values, dtype=torch.int64)).tolist()
    assert got == [lowbias32(v) for v in values]


def test_the_sampler_draws_each_position_from_lowbias32_of_key_and_position():
    """The uniforms the sampler hashes a block of positions at a time are the published per-position ones:
    (lowbias32(key ^ lowbias32(position + 0x9E3779B9)) + 0.5) / 2^32, across block boundaries."""
    keys = row_keys(3, 7, torch.arange(5))
    torch.manual_seed(0)
    prompt_width, sampler = 4, KeyedSampler(keys, 4)
    for position in list(range(0, 70)) + [200, 3]:
        scores = torch.randn(5, 50) * 3
        token = sampler(torch.zeros(5, prompt_width + position, dtype=torch.long), scores).argmax(-1)
        u = [(lowbias32(k ^ lowbias32(position + 0x9E3779B9)) + 0.5) / 2**32 for k in keys.tolist()]
        cdf = torch.softmax(scores.double(), -1).cumsum(-1)
        want = [int(torch.searchsorted(cdf[r], torch.tensor([u[r]], dtype=torch.float64) * cdf[r, -1], right=True))
                for r in range(5)]
        assert token.tolist() == want, position


def test_keyed_draws_follow_the_softmax():
    logits = torch.tensor([0.0, 1.0, 2.0, float("-inf"), 0.5])
    keys = row_keys(7, 3, torch.arange(40000))
    draws = keyed_draw(logits.expand(len(keys), 5), keys, 0)
    freq = torch.bincount(draws, minlength=5).double() / len(draws)
    expected = torch.softmax(logits.double(), 0)
    assert freq[3] == 0  # a filtered token is never drawn
    assert (freq - expected).abs().max() < 0.01, (freq, expected)
    # other positions and generations draw afresh
    assert not torch.equal(draws, keyed_draw(logits.expand(len(keys), 5), keys, 1))
    assert not torch.equal(keys, row_keys(7, 4, torch.arange(40000)))
    # a row's draw does not depend on the other rows of its batch
    assert torch.equal(keyed_draw(logits.expand(7, 5), keys[3:10], 2), keyed_draw(logits.expand(40000, 5), keys, 2)[3:10])


def _generate(model, tok, prompts, rows, **warpers):
    ids, mask = tokenize_prompts(tok, prompts, None, torch.device("cpu"))
    procs = keyed_sampling_processors(row_keys(0, 5, torch.tensor(rows)), ids.shape[1], warpers)
    out = model.generate(input_ids=ids, attention_mask=mask, do_sample=False, max_new_tokens=8, logits_processor=procs,
                         pad_token_id=tok.pad_token_id)
    return [row[ids.shape[1]:].tolist() for row in out]


def test_a_completion_depends_on_its_key_not_on_its_batch():
    from transformers import AutoModelForCausalLM

    folder = str(tiny_model_dir())
    model, tok = AutoModelForCausalLM.from_pretrained(folder), load_tokenizer(folder)
    prompts = ["1 + 2 =", "Ann has 3 pens and gets 1 more . How many pens does Ann have now ?"] * 4
    whole = _generate(model, tok, prompts, list(range(8)), temperature=1.3, top_p=0.95, top_k=50, min_p=0.01)
    # two halves, each padded to its own width, in reverse order of processing
    second = _generate(model, tok, prompts[4:][::-1], [7, 6, 5, 4], temperature=1.3, top_p=0.95, top_k=50, min_p=0.01)[::-1]
    first = _generate(model, tok, prompts[:4], [0, 1, 2, 3], temperature=1.3, top_p=0.95, top_k=50, min_p=0.01)
    trim = lambda rows: [r[:r.index(tok.eos_token_id) + 1] if tok.eos_token_id in r else r for r in rows]  # noqa: E731
    assert trim(whole) == trim(first + second)
    assert len({tuple(r) for r in trim(whole)}) > 2  # sampled, not one greedy answer per prompt


def test_keyed_warpers_are_transformers_sampling_warpers():
    """Keyed sampling applies the sampling settings itself (generate runs greedy): the same warpers, in the same
    order and with the same conditions, as transformers' own sampling builds from a GenerationConfig."""
    from transformers import AutoModelForCausalLM, GenerationConfig

    model = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir()))
    ids = torch.randint(0, 50, (3, 4))
    scores = torch.randn(3, 64) * 3
    for warpers in ({"temperature": 0.7, "top_k": 20, "top_p": 0.9, "min_p": 0.05},
                    {"temperature": 1.0, "top_k": 0, "top_p": 1.0, "min_p": 0.2, "typical_p": 0.8},
                    {"temperature": 1.5, "epsilon_cutoff": 0.01, "eta_cutoff": 0.02, "top_h": 0.5}):
        ours = keyed_sampling_processors(row_keys(0, 1, torch.arange(3)), 4, warpers)[:-1]  # less the noise
        theirs = model._get_logits_processor(GenerationConfig(do_sample=True, **warpers), input_ids_seq_length=4,
                                             encoder_input_ids=ids, prefix_allowed_tokens_fn=None, logits_processor=[])
        assert [type(p) for p in ours] == [type(p) for p in theirs], warpers
        a, b = scores.clone(), scores.clone()
        for p in ours:
            a = p(ids, a)
        for p in theirs:
            b = p(ids, b)
        assert torch.equal(a, b), warpers
