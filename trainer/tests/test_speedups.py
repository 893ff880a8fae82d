"""The speed-ups keep the numbers: the fused log-prob / chunked entropy, logits only for completion positions, the
old log-probs recorded by the first optimisation pass instead of a separate forward, and the memory pre-flight."""
import pytest
import torch

from rlstudio.algorithms import grpo_loss
from rlstudio.algorithms.grpo_batch import RLBatch
from rlstudio.algorithms.grpo_loss import LossConfig, token_logps_and_entropy
from rlstudio.algorithms.grpo_micro_batch import micro_batch_loss
from rlstudio.generation import rollout
from rlstudio.generation.rollout import Rollout, batch_completion_logps, completion_logps
from rlstudio.training.distributed import DistContext

ONE_PROCESS = DistContext(rank=0, world_size=1, local_rank=0, device=torch.device("cpu"), backend=None)


def _rollout(B=4, P=5, T=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    prompt_mask = torch.ones(B, P, dtype=torch.long)
    prompt_mask[0, :2] = 0  # left padding
    completion_mask = torch.ones(B, T, dtype=torch.long)
    completion_mask[1, 4:] = 0  # ended early
    return Rollout(torch.randint(3, 500, (B, P), generator=g), prompt_mask, torch.randint(3, 500, (B, T), generator=g),
                   completion_mask, torch.zeros(B, dtype=torch.bool))


def test_fused_logps_and_chunked_entropy_equal_log_softmax(monkeypatch):
    monkeypatch.setattr(grpo_loss, "ENTROPY_CHUNK_ROWS", 7)  # chunks that do not divide the positions
    x = torch.randn(3, 11, 50, requires_grad=True)
    index = torch.randint(0, 50, (3, 11))
    logps, entropy = token_logps_and_entropy(x, index, with_entropy=True)
    full = torch.log_softmax(x, dim=-1)
    expected = full.gather(-1, index.unsqueeze(-1)).squeeze(-1)
    assert torch.allclose(logps, expected, atol=1e-6)
    assert torch.allclose(entropy, -(full.exp() * full).sum(-1), atol=1e-5)
    assert entropy.grad_fn is None  # a statistic, never part of the loss's graph
    grad, = torch.autograd.grad(logps.sum(), x)
    expected_grad, = torch.autograd.grad(expected.sum(), x)
    assert torch.allclose(grad, expected_grad, atol=1e-6)


def test_logits_only_for_completion_positions_change_nothing(scrambled_tiny, monkeypatch):
    model, _ = scrambled_tiny
    ro = _rollout()
    assert rollout.accepts_logits_to_keep(model)
    kept, kept_entropy = completion_logps(model, ro, 0.7, with_entropy=True)
    monkeypatch.setattr(rollout, "accepts_logits_to_keep", lambda m: False)
    full, full_entropy = completion_logps(model, ro, 0.7, with_entropy=True)
    assert torch.allclose(kept, full, atol=1e-6) and torch.allclose(kept_entropy, full_entropy, atol=1e-5)


def _padded_rollout():
    """Rows whose common left padding and trailing completion columns no row uses (as in a micro-batch of short
    completions cut from a batch with longer ones)."""
    ro = _rollout(B=4, P=6, T=9, seed=3)
    ro.prompt_mask[:, :2] = 0
    ro.prompt_mask[0, :3] = 0
    ro.completion_mask[:, 6:] = 0
    ro.completion_mask[2, 3:] = 0
    return ro


def _untrimmed(model, ro, **kw):
    """completion_logps at the full width, as it ran before trimming."""
    original = Rollout.trimmed
    try:
        Rollout.trimmed = lambda self: self
        return completion_logps(model, ro, **kw)
    finally:
        Rollout.trimmed = original


def test_unused_columns_are_trimmed_without_changing_the_logps(scrambled_tiny):
    model, _ = scrambled_tiny
    ro = _padded_rollout()
    short = ro.trimmed()
    assert short.prompt_ids.size(1) == 4 and short.completion_ids.size(1) == 6  # 2 prompt and 3 completion columns go
    logps, entropy = completion_logps(model, ro, temperature=0.7, with_entropy=True)
    full, full_entropy = _untrimmed(model, ro, temperature=0.7, with_entropy=True)
    mask = ro.completion_mask.bool()
    assert logps.shape == full.shape and entropy.shape == full_entropy.shape
    assert torch.allclose(logps[mask], full[mask], atol=1e-5)
    assert torch.allclose(entropy[mask], full_entropy[mask], atol=1e-4)
    assert not logps[~mask].any() and not entropy[~mask].any()  # 0 outside the mask, whatever width a pass ran at
    # the gradient reaches the model through the kept columns as it did at full width
    grads = []
    for run in (lambda: completion_logps(model, ro), lambda: _untrimmed(model, ro)):
        model.zero_grad(set_to_none=True)
        (run()[0] * mask).sum().backward()
        grads.append([p.grad.clone() for p in model.parameters()])
    model.zero_grad(set_to_none=True)
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(*grads))


def test_batched_no_grad_pass_equals_one_pass_over_the_batch(scrambled_tiny):
    model, _ = scrambled_tiny
    ro = _padded_rollout()
    whole, _ = _untrimmed(model, ro)
    batched = batch_completion_logps(model, ro, 1.0, rows_per_pass=3)  # shortest rows first: rows regrouped
    mask = ro.completion_mask.bool()
    assert torch.allclose(batched[mask], whole[mask], atol=1e-5) and not batched[~mask].any()
    assert batched.grad_fn is None


def test_batched_pass_keeps_the_rows_of_a_prompt_together(scrambled_tiny):
    model, _ = scrambled_tiny
    ro = _grouped_rollout()  # 3 prompts x 4 rows; rows 2 and 7 (prompts 0 and 1) end early
    ro.completion_mask[8:, 3:] = 0  # prompt 2's longest completion is the shortest: its pass comes first
    calls = []
    hook = model.register_forward_pre_hook(lambda m, a, kw: calls.append(tuple(kw["input_ids"].shape)), with_kwargs=True)
    try:
        batched = batch_completion_logps(model, ro, 1.0, rows_per_pass=4)
    finally:
        hook.remove()
    # one prompt per pass, run once (without its left padding), its 4 completions on its cache; each pass as wide as
    # its longest completion
    assert calls[0::2] == [(1, 6), (1, 3), (1, 4)] and calls[1::2] == [(4, 2), (4, 4), (4, 4)]
    whole, _ = _untrimmed(model, ro)
    mask = ro.completion_mask.bool()
    assert torch.allclose(batched[mask], whole[mask], atol=1e-5)


def test_first_pass_records_the_old_logps_a_separate_pass_would_give(scrambled_tiny):
    model, _ = scrambled_tiny
    ro = _rollout(B=4)
    mask = ro.completion_mask.float()
    advantages = torch.tensor([1.0, -0.5, 0.3, -0.8])
    cfg = LossConfig(loss_type="dapo", beta=0.0, gradient_accumulation_steps=2, max_completion_length=7)
    with torch.no_grad():
        separate, _ = completion_logps(model, ro)  # what the removed old-logp pass computed

    def step(batch):
        model.zero_grad(set_to_none=True)
        losses = []
        for sl in (slice(0, 2), slice(2, 4)):
            out = micro_batch_loss(ONE_PROCESS, model, batch, sl, 1.0, cfg)
            out.loss.backward()
            losses.append(float(out.loss.detach()))
        return losses, [p.grad.clone() for p in model.parameters()]

    folded = RLBatch(ro, mask, advantages, float(mask.sum()), torch.zeros_like(mask), None,
                     old_pending=torch.ones(4, dtype=torch.bool))
    given = RLBatch(ro, mask, advantages, float(mask.sum()), separate.clone(), None)
    folded_losses, folded_grads = step(folded)
    given_losses, given_grads = step(given)
    assert not folded.old_pending.any()
    assert torch.allclose(folded.old_logps * mask, separate * mask, atol=1e-5)
    assert folded_losses == pytest.approx(given_losses, abs=1e-6)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(folded_grads, given_grads))
    # the later iterations read the recorded values back instead of recording again
    recorded = folded.old_logps.clone()
    step(folded)
    assert torch.equal(folded.old_logps, recorded)
    model.zero_grad(set_to_none=True)


def test_a_batch_cannot_be_checkpointed_before_its_old_logps_exist():
    ro = _rollout(B=2)
    batch = RLBatch(ro, ro.completion_mask.float(), torch.zeros(2), 1.0, torch.zeros(2, 7), None,
                    old_pending=torch.ones(2, dtype=torch.bool))
    with pytest.raises(RuntimeError, match="first optimisation pass"):
        batch.tensors()


def _config(**model):
    return {"training": {"per_device_train_batch_size": 64, "gradient_accumulation_steps": 2},
            "model": {"gradient_checkpointing": False, "lora": {"enabled": False}, **model}}


def test_memory_preflight_reports_a_peak_and_leaves_the_run_untouched(scrambled_tiny):
    from rlstudio.training.memory_preflight import run_memory_preflight

    model, tok = scrambled_tiny
    before = torch.random.get_rng_state()
    calls = []
    hook = model.register_forward_pre_hook(lambda m, a, kw: calls.append(tuple(kw["input_ids"].shape)), with_kwargs=True)
    try:
        result = run_memory_preflight(model, tok, 9, 12, 3, 1.0, _config(), torch.device("cpu"))
    finally:
        hook.remove()
    assert calls == [(3, 21)]  # every row's prompt through the model: no sharing, the upper bound of a micro-batch
    assert torch.equal(torch.random.get_rng_state(), before)
    assert all(p.grad is None for p in model.parameters())
    assert (result.rows, result.prompt_tokens, result.completion_tokens) == (3, 9, 12) and result.peak_mb > 0
    assert "3 x (9 prompt + 12 completion)" in result.message()


def test_memory_preflight_turns_an_out_of_memory_into_advice(scrambled_tiny, monkeypatch):
    from rlstudio.training import memory_preflight
    from rlstudio.user_errors import UserError

    def oom(*a, **k):
        raise RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(memory_preflight, "completion_logps", oom)
    model, tok = scrambled_tiny
    with pytest.raises(UserError) as e:
        memory_preflight.run_memory_preflight(model, tok, 9, 12, 64, 1.0, _config(), torch.device("cpu"))
    text = str(e.value)
    assert "before step 1" in text and "per_device_train_batch_size (now 64)" in text
    assert "gradient_checkpointing" in text and "LoRA" in text
    with pytest.raises(UserError) as e:  # what is already on is not suggested again
        memory_preflight.run_memory_preflight(model, tok, 9, 12, 64, 1.0, _config(gradient_checkpointing=True),
                                              torch.device("cpu"))
    assert "gradient_checkpointing: true" not in str(e.value)

    def other(*a, **k):
        raise ValueError("a bug, not memory")

    monkeypatch.setattr(memory_preflight, "completion_logps", other)
    with pytest.raises(ValueError):  # anything else is not dressed up as the user's problem
        memory_preflight.run_memory_preflight(model, tok, 9, 12, 64, 1.0, _config(), torch.device("cpu"))


def _grouped_rollout(G=4, n=3, P=6, T=5):
    """n prompts (two with left padding) each repeated G times, as a GRPO batch holds them."""
    ro = _rollout(B=n, P=P, T=T, seed=5)
    ro.prompt_mask[1, :3] = 0
    ro.prompt_ids, ro.prompt_mask = ro.prompt_ids.repeat_interleave(G, 0), ro.prompt_mask.repeat_interleave(G, 0)
    g = torch.Generator().manual_seed(6)
    completion_mask = torch.ones(n * G, T, dtype=torch.long)
    completion_mask[2, 2:] = 0
    completion_mask[7, 1:] = 0
    return Rollout(ro.prompt_ids, ro.prompt_mask, torch.randint(3, 500, (n * G, T), generator=g), completion_mask,
                   torch.zeros(n * G, dtype=torch.bool))


def _logps_and_grads(model, ro, share: bool, monkeypatch):
    monkeypatch.setattr(rollout, "can_share_prompts", (lambda m: True) if share else (lambda m: False))
    model.zero_grad(set_to_none=True)
    logps, entropy = completion_logps(model, ro, 0.7, with_entropy=True)
    (logps * ro.completion_mask).sum().backward()
    grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad(set_to_none=True)
    return logps.detach(), entropy, grads


def test_each_distinct_prompt_runs_once_with_the_same_logps_and_gradients(scrambled_tiny, monkeypatch):
    from rlstudio.generation import shared_prompt

    model, _ = scrambled_tiny
    ro = _grouped_rollout()
    assert shared_prompt.can_share_prompts(model)
    calls = []
    hook = model.register_forward_pre_hook(lambda m, a, kw: calls.append(tuple(kw["input_ids"].shape)), with_kwargs=True)
    try:
        shared = _logps_and_grads(model, ro, True, monkeypatch)
        assert calls == [(3, 6), (12, 4)]  # the 3 prompts once, then the completions on their expanded cache
        calls.clear()
        full = _logps_and_grads(model, ro, False, monkeypatch)
        assert calls == [(12, 11)]
    finally:
        hook.remove()
    mask = ro.completion_mask.bool()
    assert torch.allclose(shared[0][mask], full[0][mask], atol=1e-5)
    assert torch.allclose(shared[1][mask], full[1][mask], atol=1e-4)
    assert all(torch.allclose(a, b, rtol=1e-4, atol=1e-4) for a, b in zip(shared[2], full[2]))


def test_prompts_are_not_shared_where_it_cannot_pay_or_cannot_work(scrambled_tiny):
    from rlstudio.generation import shared_prompt

    model, _ = scrambled_tiny
    ro = _rollout(B=4)  # four different prompts: one pass over prompt + completion
    assert shared_prompt.shared_prompt_logits(model, ro.prompt_ids, ro.prompt_mask, ro.completion_ids,
                                              ro.completion_mask) is None
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    try:
        assert not shared_prompt.can_share_prompts(model)  # checkpointing turns the KV cache off in training
    finally:
        model.gradient_checkpointing_disable()
    assert shared_prompt.can_share_prompts(model)
    ddp = torch.nn.parallel.DistributedDataParallel.__new__(torch.nn.parallel.DistributedDataParallel)
    assert not shared_prompt.can_share_prompts(ddp)  # DDP's hooks expect one forward per backward


def test_generation_prefills_each_distinct_prompt_once_and_samples_the_same(scrambled_tiny, monkeypatch):
    from rlstudio.generation.keyed_sampling import row_keys
    from rlstudio.generation.rollout import SamplingParams, generate, tokenize_prompts

    model, tok = scrambled_tiny
    prompts = ["Ann has 1 flowers and eats 1 . How many flowers does Ann have now ?", "Cara had 3 pears .", "x"]
    ids, mask = tokenize_prompts(tok, prompts, None, "cpu")  # "x": one token, only left padding before it
    ids, mask = ids.repeat_interleave(4, 0), mask.repeat_interleave(4, 0)
    keys = row_keys(0, 0, torch.arange(ids.size(0)))
    calls = []
    hook = model.register_forward_pre_hook(lambda m, a, kw: calls.append(tuple(kw["input_ids"].shape)), with_kwargs=True)
    try:
        shared = generate(model, tok, ids, mask, SamplingParams(max_completion_length=6), keys)
        prefill = calls[:2]
        calls.clear()
        monkeypatch.setattr(rollout, "prompt_cache", lambda *a: None)
        alone = generate(model, tok, ids, mask, SamplingParams(max_completion_length=6), keys)
    finally:
        hook.remove()
    P = ids.size(1)
    assert prefill == [(3, P - 1), (12, 1)]  # 3 prompts but their last token once, then every row's last token
    assert calls[0] == (12, P)
    assert torch.equal(shared.completion_ids, alone.completion_ids) and shared.completion_mask.any(1).all()
