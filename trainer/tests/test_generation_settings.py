"""TRL 1.16's generation and model settings on the tiny model: min_p, generation_kwargs (overriding the settings,
passed on to generate, refused where RL Studio owns the key), chat_template_kwargs, disable_dropout and
cast_lm_head_to_fp32."""
import copy

import pytest
import torch

from rlstudio.data.datasets import PromptRecord, render_prompt
from rlstudio.generation.keyed_sampling import row_keys
from rlstudio.generation.rollout import SamplingParams, generate, tokenize_prompts
from rlstudio.models.model_settings import apply_model_settings
from rlstudio.models.policy import load_tokenizer
from rlstudio.models.tiny import tiny_model_dir

PROMPTS = ["1 + 2 =", "Ann has 3 pens and gets 1 more . How many pens does Ann have now ?"] * 4


@pytest.fixture(scope="module")
def tiny():
    from transformers import AutoModelForCausalLM

    folder = str(tiny_model_dir())
    return AutoModelForCausalLM.from_pretrained(folder), load_tokenizer(folder)


def _sample(model, tok, **params):
    ids, mask = tokenize_prompts(tok, PROMPTS, None, torch.device("cpu"))
    ro = generate(model, tok, ids, mask, SamplingParams(12, **params), sample_keys=row_keys(0, 1, torch.arange(8)))
    return ro.completion_ids.tolist()


def test_min_p_and_generation_kwargs_reach_the_sampler(tiny):
    model, tok = tiny
    greedy = _sample(model, tok, do_sample=False)
    sampled = _sample(model, tok, temperature=1.5)
    assert sampled != greedy
    # min_p 1 keeps only the likeliest token: keyed sampling then decodes greedily
    assert _sample(model, tok, temperature=1.5, min_p=1.0) == greedy
    # a generation_kwargs key that is also a setting overrides it (as in TRL)
    assert _sample(model, tok, temperature=1.5, generation_kwargs={"min_p": 1.0}) == greedy
    assert _sample(model, tok, temperature=1.5, min_p=1.0, generation_kwargs={"min_p": None}) == sampled
    # other keys go to generate(): a suppressed token is never sampled
    common = max(range(3, tok.vocab_size), key=lambda t: sum(row.count(t) for row in sampled))
    assert any(common in row for row in sampled)
    suppressed = _sample(model, tok, temperature=1.5, generation_kwargs={"suppress_tokens": [common]})
    assert not any(common in row for row in suppressed)


def test_generation_kwargs_rl_studio_owns_are_refused(tiny):
    model, tok = tiny
    for kwargs in ({"num_beams": 4}, {"max_new_tokens": 3}, {"eos_token_id": 5}):
        with pytest.raises(ValueError, match=f"{next(iter(kwargs))} is not accepted"):
            _sample(model, tok, generation_kwargs=kwargs)
    _sample(model, tok, generation_kwargs={"num_beams": 1})  # harmless


def test_chat_template_kwargs_reach_the_template(tiny):
    _, tok = tiny
    tok = copy.deepcopy(tok)
    tok.chat_template = "{% if enable_thinking %}<think>{% endif %}{{ messages[-1]['content'] }}"
    record = PromptRecord(prompt="2 + 2 =", reference=None)
    assert render_prompt(record, tok, {"chat_template": "always"}) == "2 + 2 ="
    assert render_prompt(record, tok, {"chat_template": "always"}, {"enable_thinking": True}) == "<think>2 + 2 ="


def test_disable_dropout_and_fp32_head(tiny):
    model, tok = tiny
    model = copy.deepcopy(model).to(torch.bfloat16)
    model.train()
    ids, mask = tokenize_prompts(tok, PROMPTS[:2], None, torch.device("cpu"))
    apply_model_settings(model, {"disable_dropout": True, "cast_lm_head_to_fp32": True})
    assert all(m.p == 0 for m in model.modules() if isinstance(m, torch.nn.Dropout))
    logits = model(input_ids=ids, attention_mask=mask).logits
    assert logits.dtype == torch.float32  # the head computes in float32
    assert model.get_input_embeddings()(ids).dtype == torch.bfloat16  # tied: embeddings still give the model's dtype
    # a deep copy (the reference) computes with its own head, not the policy's
    ref = copy.deepcopy(model)
    with torch.no_grad():
        model.get_output_embeddings().weight.add_(1.0)
    assert not torch.equal(ref(input_ids=ids, attention_mask=mask).logits, model(input_ids=ids, attention_mask=mask).logits)
    assert torch.equal(ref(input_ids=ids, attention_mask=mask).logits, logits.detach())


def test_sync_ref_model_mixes_as_trl(tiny):
    """sync_ref_model's update against TRL's own SyncRefModelCallback._sync_target_model."""
    from trl.trainer.callbacks import SyncRefModelCallback

    from rlstudio.models.reference import mix_into_reference

    model, _ = tiny
    policy, ours, theirs = copy.deepcopy(model), copy.deepcopy(model), copy.deepcopy(model)
    with torch.no_grad():
        for p in policy.parameters():
            p.add_(torch.randn_like(p))
    mix_into_reference(policy, ours, 0.6)
    SyncRefModelCallback._sync_target_model(policy, theirs, 0.6)
    a, b, base = dict(ours.named_parameters()), dict(theirs.named_parameters()), dict(model.named_parameters())
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert all(not torch.equal(a[k], base[k]) for k in a)


def test_num_generations_eval(tiny, tmp_path):
    """Evaluation samples num_generations_eval completions per prompt and averages its metrics over all of them."""
    from rlstudio.config.sampling import eval_num_generations
    from rlstudio.rewards import load_reward_functions
    from rlstudio.training.evaluation import evaluate

    model, tok = tiny
    (tmp_path / "r.py").write_text("def length(completions, **kw):\n    return [float(len(c)) for c in completions]\n")
    funcs = load_reward_functions([{"function": str(tmp_path / "r.py") + ":length"}], tmp_path)
    records = [PromptRecord(prompt=p, reference=None) for p in PROMPTS[:2]]
    params = SamplingParams(8, temperature=1.5)
    one, one_samples = evaluate(model, tok, records, {}, funcs, params, torch.device("cpu"), num_samples=10)
    three, samples = evaluate(model, tok, records, {}, funcs, params, torch.device("cpu"), num_samples=10,
                              num_generations=3)
    assert len(one_samples) == 2 and len(samples) == 6 and three["eval_num_samples"] == one["eval_num_samples"] == 2
    assert [(s["group"], s["index"]) for s in samples] == [(g, i) for g in range(2) for i in range(3)]
    assert len({s["completion"] for s in samples}) > 2  # sampled, not one completion repeated
    assert three["eval_reward"] == pytest.approx(sum(s["reward"] for s in samples) / 6)
    assert 0.0 <= three["eval_frac_reward_zero_std"] <= 1.0 and "eval_frac_reward_zero_std" not in one
    # unset: num_generations when evaluation samples (TRL's default), 1 when it is greedy
    config = {"grpo": {"num_generations": 8, "num_generations_eval": None}, "eval": {"do_sample": True}}
    assert eval_num_generations(config) == 8
    assert eval_num_generations({**config, "eval": {"do_sample": False}}) == 1
    assert eval_num_generations({**config, "grpo": {"num_generations": 8, "num_generations_eval": 2}}) == 2
