"""The speed-ups keep the numbers: the fused log-prob / chunked entropy, logits only for completion positions, the
old log-probs recorded by the first optimisation pass instead of a separate forward, and the memory pre-flight."""
import pytest
import torch

from rlstudio.algorithms import grpo_loss
from rlstudio.algorithms.grpo_batch import RLBatch
from rlstudio.algorithms.grpo_loss import LossConfig, token_logps_and_entropy
from rlstudio.algorithms.grpo_micro_batch import micro_batch_loss
from rlstudio.generation import rollout
from rlstudio.generation.rollout import Rollout, completion_logps
from rlstudio.training.distributed import DistContext

ONE_PROCESS = DistContext(rank=0, world_size=1, local_rank=0, device=torch.device("cpu"), backend=None)


@pytest.fixture(scope="module")
def tiny():
    from transformers import AutoModelForCausalLM

    from rlstudio.models.policy import load_tokenizer
    from rlstudio.models.tiny import tiny_model_dir

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir())
    with torch.no_grad():  # varied weights: the untrained model's log-probs are nearly uniform
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    return model, load_tokenizer(str(tiny_model_dir()))


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


def test_logits_only_for_completion_positions_change_nothing(tiny, monkeypatch):
    model, _ = tiny
    ro = _rollout()
    assert rollout.accepts_logits_to_keep(model)
    kept, kept_entropy = completion_logps(model, ro, 0.7, with_entropy=True)
    monkeypatch.setattr(rollout, "accepts_logits_to_keep", lambda m: False)
    full, full_entropy = completion_logps(model, ro, 0.7, with_entropy=True)
    assert torch.allclose(kept, full, atol=1e-6) and torch.allclose(kept_entropy, full_entropy, atol=1e-5)


def test_first_pass_records_the_old_logps_a_separate_pass_would_give(tiny):
    model, _ = tiny
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


def test_memory_preflight_reports_a_peak_and_leaves_the_run_untouched(tiny):
    from rlstudio.training.memory_preflight import run_memory_preflight

    model, tok = tiny
    before = torch.random.get_rng_state()
    result = run_memory_preflight(model, tok, 9, 12, 3, 1.0, _config(), torch.device("cpu"))
    assert torch.equal(torch.random.get_rng_state(), before)
    assert all(p.grad is None for p in model.parameters())
    assert (result.rows, result.prompt_tokens, result.completion_tokens) == (3, 9, 12) and result.peak_mb > 0
    assert "3 x (9 prompt + 12 completion)" in result.message()


def test_memory_preflight_turns_an_out_of_memory_into_advice(tiny, monkeypatch):
    from rlstudio.training import memory_preflight
    from rlstudio.user_errors import UserError

    def oom(*a, **k):
        raise RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(memory_preflight, "completion_logps", oom)
    model, tok = tiny
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
