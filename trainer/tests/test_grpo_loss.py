"""GRPO formulas against reference values (TRL's definitions), to 1e-6."""
import math

import pytest
import torch

from rlstudio.algorithms.grpo_loss import LossConfig, compute_advantages, completion_mask_from_ids, grpo_loss, k3_kl


def reference_case():
    rewards = torch.tensor([1.0, 0.0, 0.0, 1.0])
    lengths = [3, 2, 4, 1]
    mask = torch.tensor([[1.0 if t < n else 0.0 for t in range(4)] for n in lengths])
    logps = torch.full((4, 4), -0.7, requires_grad=True)
    return rewards, mask, logps


@pytest.mark.parametrize("loss_type,expected", [("grpo", 0.0), ("bnpo", 0.1731751), ("dapo", 0.1731751), ("dr_grpo", 0.1082344)])
def test_reference_losses(loss_type, expected):
    rewards, mask, logps = reference_case()
    adv = compute_advantages(rewards, 4, "group").advantages
    cfg = LossConfig(loss_type=loss_type, max_completion_length=4)
    out = grpo_loss(logps, mask, adv, cfg, num_items_in_batch=float(mask.sum()))
    assert abs(out.loss.item() - expected) < 1e-6


def test_k3_reference():
    assert abs(k3_kl(torch.tensor(-1.0), torch.tensor(-1.2)).item() - 0.0187308) < 1e-6


def test_advantages_group_batch_none():
    r = torch.tensor([1.0, 0.0, 0.0, 1.0, 2.0, 2.0, 2.0, 2.0])
    a = compute_advantages(r, 4, "group")
    s = math.sqrt(1 / 3)
    assert torch.allclose(a.advantages[:4], torch.tensor([0.5, -0.5, -0.5, 0.5]) / (s + 1e-4), atol=1e-6)
    assert torch.all(a.advantages[4:] == 0)
    assert a.frac_zero_std == 0.5
    b = compute_advantages(r, 4, "batch")
    assert torch.allclose(b.advantages[:4], torch.tensor([0.5, -0.5, -0.5, 0.5]) / (r.std().item() + 1e-4), atol=1e-6)
    n = compute_advantages(r, 4, "none")
    assert torch.allclose(n.advantages, torch.tensor([0.5, -0.5, -0.5, 0.5, 0, 0, 0, 0]))


def test_on_policy_gradient_is_minus_advantage_per_token():
    # d loss / d logp at ratio 1 is -A * weight, weight 1/num_items for dapo
    rewards, mask, logps = reference_case()
    adv = compute_advantages(rewards, 4, "group").advantages
    out = grpo_loss(logps, mask, adv, LossConfig(loss_type="dapo", max_completion_length=4), num_items_in_batch=10.0)
    out.loss.backward()
    expected = -(adv.unsqueeze(1) * mask) / 10.0
    assert torch.allclose(logps.grad, expected, atol=1e-7)


def test_clip_higher_off_policy_token_level():
    # two tokens, ratios 1.5 (A>0) and 0.5 (A<0): eps_low 0.2, eps_high 0.28 -> clipped to 1.28 and 0.8
    logps = torch.log(torch.tensor([[1.5], [0.5]]))
    old = torch.zeros(2, 1)
    mask = torch.ones(2, 1)
    adv = torch.tensor([1.0, -1.0])
    cfg = LossConfig(loss_type="bnpo", epsilon=0.2, epsilon_high=0.28)
    out = grpo_loss(logps, mask, adv, cfg, old_logps=old)
    # per-token loss: -min(1.5*1, 1.28*1) = -1.28 ; -min(0.5*-1, 0.8*-1) = 0.8  -> mean -0.24
    assert abs(out.loss.item() - (-0.24)) < 1e-6
    ratio = {k: float(s / c) for k, (s, c) in out.metrics.items()}
    assert abs(ratio["clip_ratio/high_mean"] - 0.5) < 1e-6
    assert abs(ratio["clip_ratio/low_mean"] - 0.5) < 1e-6
    assert abs(ratio["clip_ratio/region_mean"] - 1.0) < 1e-6
    # per sequence: row 0 is high-clipped on its one token, row 1 low-clipped
    assert out.extremes["clip_ratio/low_min"].tolist() == [0.0, 1.0]
    assert out.extremes["clip_ratio/high_max"].tolist() == [1.0, 0.0]


def test_sequence_level_importance_sampling():
    # one sequence of 2 valid tokens with log-ratios 0.2 and -0.1 (third padded): seq ratio exp(0.05)
    logps = torch.tensor([[0.2, -0.1, 5.0]])
    old = torch.zeros(1, 3)
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    out = grpo_loss(logps, mask, torch.tensor([2.0]), LossConfig(loss_type="grpo", importance_sampling_level="sequence"), old_logps=old)
    assert abs(out.loss.item() - (-2.0 * math.exp(0.05))) < 1e-6
    # token level on the same numbers: ratios exp(0.2) clipped to 1.2 for A>0, exp(-0.1)
    tok = grpo_loss(logps, mask, torch.tensor([2.0]), LossConfig(loss_type="grpo"), old_logps=old)
    assert abs(tok.loss.item() - (-(2 * 1.2 + 2 * math.exp(-0.1)) / 2)) < 1e-6


def test_num_iterations_old_logps_and_beta():
    # second pass over a batch: logp moved from old -1.0 to -0.9 (ratio e^0.1 < 1.2, unclipped), ref -1.2, beta 0.1
    logps = torch.tensor([[-0.9, -0.9]])
    old = torch.full((1, 2), -1.0)
    ref = torch.full((1, 2), -1.2)
    mask = torch.tensor([[1.0, 0.0]])
    kl = math.exp(-0.3) + 0.3 - 1
    for bias_corrected, kl_weight in ((False, 1.0), (True, math.exp(0.1))):  # TRL 1.16: k3 x importance ratio
        cfg = LossConfig(loss_type="dapo", beta=0.1, use_bias_correction_kl=bias_corrected)
        out = grpo_loss(logps, mask, torch.tensor([0.5]), cfg, old_logps=old, ref_logps=ref, num_items_in_batch=4.0)
        expected = (-0.5 * math.exp(0.1) + 0.1 * kl * kl_weight) / 4.0
        assert abs(out.loss.item() - expected) < 1e-6
        kl_sum, kl_count = out.metrics["kl"]
        assert abs(float(kl_sum / kl_count) - kl * kl_weight) < 1e-6


def test_gradient_accumulation_scaling_and_dapo_processes():
    rewards, mask, logps = reference_case()
    adv = compute_advantages(rewards, 4, "group").advantages
    one = grpo_loss(logps, mask, adv, LossConfig(loss_type="bnpo")).loss.item()
    two = grpo_loss(logps, mask, adv, LossConfig(loss_type="bnpo", gradient_accumulation_steps=2)).loss.item()
    assert abs(two - one / 2) < 1e-7
    # dapo divides by the per-process share of the global token count (DDP then averages over processes)
    d = grpo_loss(logps, mask, adv, LossConfig(loss_type="dapo", num_processes=2), num_items_in_batch=20.0).loss.item()
    assert abs(d - 0.1731751) < 1e-6


def test_completion_mask_includes_first_eos_and_flags_truncation():
    ids = torch.tensor([[5, 6, 1, 7], [5, 6, 7, 8], [1, 1, 1, 1]])
    mask, truncated = completion_mask_from_ids(ids, 1)
    assert mask.tolist() == [[1, 1, 1, 0], [1, 1, 1, 1], [1, 0, 0, 0]]
    assert truncated.tolist() == [False, True, False]
