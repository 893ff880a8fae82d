"""TRL 1.16's further loss types and stability settings against their own formulas, worked by hand, and a short real
run of each on the tiny model that stays finite."""
import json
import math

import pytest
import torch

from helpers import learning_setup, step_metrics, events
from rlstudio.config.run_config import load_config
from rlstudio.algorithms.grpo_loss import LossConfig, grpo_loss, high_entropy_mask, off_policy_mask
from rlstudio.training.step_metrics import LogWindow, StepMetrics
from rlstudio.training.loop import run


def one_token(ratio: float, advantage: float, cfg: LossConfig):
    """A single loss token whose importance ratio is `ratio` (old log-prob 0)."""
    logps = torch.tensor([[math.log(ratio)]], requires_grad=True)
    out = grpo_loss(logps, torch.ones(1, 1), torch.tensor([advantage]), cfg, old_logps=torch.zeros(1, 1),
                    num_items_in_batch=1.0)
    out.loss.backward()
    return out, logps.grad.item()


def test_cispo_weights_log_prob_by_the_ratio_clipped_at_epsilon_high_without_its_gradient():
    out, grad = one_token(1.5, 1.0, LossConfig(loss_type="cispo", epsilon_high=1.2))
    assert abs(out.loss.item() - (-1.2 * math.log(1.5))) < 1e-6
    assert abs(grad - (-1.2)) < 1e-6  # d(-w A logp)/dlogp with w detached
    s, c = out.metrics["cispo_clip_ratio"]
    assert float(s / c) == 1.0


def test_sapo_soft_gate():
    out, _ = one_token(1.5, 1.0, LossConfig(loss_type="sapo", sapo_temperature_pos=2.0))
    assert abs(out.loss.item() - (-(1 / (1 + math.exp(-2.0 * 0.5))) * 4 / 2.0)) < 1e-6
    neg, _ = one_token(1.5, -1.0, LossConfig(loss_type="sapo", sapo_temperature_neg=1.05))
    assert abs(neg.loss.item() - (1 / (1 + math.exp(-1.05 * 0.5))) * 4 / 1.05) < 1e-6


def test_luspo_sums_each_sequence_then_averages_sequences():
    logps = torch.zeros(2, 3)
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    out = grpo_loss(logps, mask, torch.tensor([2.0, 1.0]), LossConfig(loss_type="luspo", gradient_accumulation_steps=2))
    assert abs(out.loss.item() - ((-4.0 + -1.0) / 2) / 2) < 1e-6


def test_vespo_gamma_weight_of_the_sequence_ratio():
    logps = torch.tensor([[0.1, 0.2, 9.0]], requires_grad=True)
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    cfg = LossConfig(loss_type="vespo")
    out = grpo_loss(logps, mask, torch.tensor([1.0]), cfg, old_logps=torch.zeros(1, 3), num_items_in_batch=2.0)
    w = math.exp(0.3)  # sum (not mean) of the log-ratios
    phi = math.exp(3.0 + 2.0 * 0.3 - 3.0 * w)  # k_pos 2, lambda_pos 3
    assert abs(out.loss.item() - (-phi * 0.3 / 2.0)) < 1e-6
    neg = grpo_loss(logps, mask, torch.tensor([-1.0]), cfg, old_logps=torch.zeros(1, 3), num_items_in_batch=2.0)
    assert abs(neg.loss.item() - (math.exp(2.0 + 3.0 * 0.3 - 2.0 * w) * 0.3 / 2.0)) < 1e-6  # k_neg 3, lambda_neg 2


def test_delta_caps_the_unclipped_ratio_of_a_negative_advantage():
    plain, _ = one_token(3.0, -1.0, LossConfig(loss_type="bnpo"))
    capped, grad = one_token(3.0, -1.0, LossConfig(loss_type="bnpo", delta=2.0))
    assert abs(plain.loss.item() - 3.0) < 1e-6
    assert abs(capped.loss.item() - 2.0) < 1e-6 and grad == 0.0  # clamped: no gradient past delta


def test_off_policy_mask_drops_only_negative_advantage_sequences_that_drifted():
    logps = torch.full((3, 2), -1.0)
    old = torch.tensor([[-0.5, -0.5], [-0.5, -0.5], [-0.95, -0.95]])  # mean log(old/new): 0.5, 0.5, 0.05
    keep = off_policy_mask(torch.tensor([[-1.0], [1.0], [-1.0]]), logps, old, torch.ones(3, 2), 0.1)
    assert keep.squeeze(1).tolist() == [0.0, 1.0, 1.0]


def test_high_entropy_mask_keeps_the_top_quantile_of_loss_tokens():
    entropies = torch.tensor([[0.1, 0.5, 0.9, 0.3], [2.0, 2.0, 2.0, 2.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    assert high_entropy_mask(entropies, mask, 0.5).tolist() == [[False, True, True, False], [False] * 4]


def test_step_metrics_unweighted_mean_over_micro_batches_and_an_empty_one_counts_zero():
    m = StepMetrics()
    m.add({"entropy": (torch.tensor(6.0), torch.tensor(3.0))}, {"clip_ratio/low_min": torch.tensor([0.5, float("nan")])})
    m.add({"entropy": (torch.tensor(0.0), torch.tensor(0.0))}, {"clip_ratio/low_min": torch.tensor([0.25])})
    from rlstudio.training.distributed import DistContext

    out = m.reduce(DistContext(0, 1, 0, torch.device("cpu"), None))
    assert out["entropy"] == 1.0  # (6/3 + 0) / 2, not 6/3 token-weighted
    assert out["clip_ratio/low_min"] == 0.375


def test_log_window_averages_every_metric_but_the_current_state():
    w = LogWindow()
    w.add({"reward": 1.0, "kl": float("nan"), "learning_rate": 1e-3, "loss": 2.0})
    w.add({"reward": 0.0, "kl": float("nan"), "learning_rate": 5e-4, "loss": 4.0})
    assert w.flush() == {"reward": 0.5, "kl": None, "learning_rate": 5e-4, "loss": 3.0}
    assert w.flush() == {}
    # a rollout's metrics are on the step that built it only: a window averages each metric over the steps it is on
    w.add({"reward": 0.25, "loss": 2.0})
    w.add({"loss": 4.0})
    w.add({"reward": 0.75, "loss": 6.0})
    assert w.flush() == {"reward": 0.5, "loss": 4.0}


def test_rloo_leave_one_out_baseline_over_scorable_siblings():
    from rlstudio.algorithms.grpo_loss import compute_advantages

    a = compute_advantages(torch.tensor([1.0, 0.0, 0.0, 1.0]), 4, estimator="rloo").advantages
    assert torch.allclose(a, torch.tensor([2 / 3, -2 / 3, -2 / 3, 2 / 3]))
    none_row = compute_advantages(torch.tensor([1.0, float("nan"), 0.0, 1.0]), 4, estimator="rloo").advantages
    assert torch.allclose(none_row, torch.tensor([0.5, 0.0, -1.0, 0.5]))
    clipped = compute_advantages(torch.tensor([3.0, 0.0]), 2, estimator="rloo", reward_clip_range=(0.0, 1.0))
    assert clipped.advantages.tolist() == [1.0, -1.0] and clipped.reward_mean == 1.5  # logged before clipping


SETTINGS = {
    "cispo": {"loss_type": "cispo", "epsilon_high": 5.0},
    "sapo": {"loss_type": "sapo"},
    "luspo": {"loss_type": "luspo", "importance_sampling_level": "sequence"},
    "vespo": {"loss_type": "vespo", "num_iterations": 2},
    "rloo": {"advantage_estimator": "rloo", "normalize_advantages": True, "reward_clip_range": [-1.3, 0.0]},
    "stability": {"delta": 1.5, "epsilon_high": 0.28, "top_entropy_quantile": 0.5, "off_policy_mask_threshold": 0.01,
                  "num_iterations": 2, "beta": 0.04},
}


@pytest.mark.parametrize("name", SETTINGS)
def test_short_run_stays_finite(tmp_path, name):
    config_path = learning_setup(tmp_path)
    cfg = json.loads(config_path.read_text())
    cfg["grpo"].update(SETTINGS[name])
    cfg["training"].update(max_steps=4, per_device_train_batch_size=8, gradient_accumulation_steps=2)
    cfg["checkpointing"].update(save_steps=None)
    config_path.write_text(json.dumps(cfg))
    assert run(load_config(config_path), tmp_path / "run") == 0
    by_step = step_metrics(events(tmp_path / "run"))
    assert sorted(by_step) == [1, 2, 3, 4]
    for step, metrics in by_step.items():
        assert math.isfinite(metrics["loss"]) and math.isfinite(metrics["grad_norm"]), (step, metrics)
        assert metrics["grad_norm"] > 0, (step, metrics)  # the loss reached the weights
