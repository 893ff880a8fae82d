"""Parity with TRL 1.16 itself: its GRPOTrainer's real code paths (trl_harness) and RL Studio's on the same tensors,
over a grid of settings; advantages, loss, gradients w.r.t. the log-probs and every shared metric agree to 1e-6.

Deliberate differences, each named here and in the README ("Where RL Studio differs from TRL"):
- NO_GENERATION_BATCH_SHUFFLE: TRL shuffles the generation batch before cutting micro-batches; RL Studio keeps the
  group order so a resumed run is bitwise the run it continues. With bnpo/grpo/dr_grpo/sapo/luspo and accumulation > 1
  the micro-batches (hence the loss of each) then differ; the grid feeds both sides the same micro-batches.
"""
from __future__ import annotations

import itertools
import math

import pytest
import torch

trl = pytest.importorskip("trl")  # a test dependency (trainer[dev]); rlstudio never imports it

from rlstudio.algorithms.grpo_loss import LOSS_TYPES, completion_mask_from_ids  # noqa: E402
from rlstudio.algorithms.grpo_micro_batch import micro_batch_loss  # noqa: E402
from rlstudio.rewards.base import RewardScores  # noqa: E402
from rlstudio.algorithms.grpo_batch import RLBatch, completion_length_metrics, reward_advantages  # noqa: E402
from rlstudio.generation.rollout import Rollout  # noqa: E402
from rlstudio.training.step_metrics import StepMetrics  # noqa: E402
from rlstudio.training.distributed import DistContext, all_reduce_sum  # noqa: E402
from rlstudio.algorithms.entropy_control import EntropyControl  # noqa: E402
from rlstudio.algorithms.grpo_loss import LossConfig  # noqa: E402

from trl_harness import EOS, PAD, logged, stand_in_forward, stand_in_generation, trl_trainer  # noqa: E402

NO_GENERATION_BATCH_SHUFFLE = "RL Studio keeps group order in micro-batches (bitwise resume); TRL shuffles"
TOL = 1e-6
ONE_PROCESS = DistContext(rank=0, world_size=1, local_rank=0, device=torch.device("cpu"), backend=None)


def _close(a, b) -> float:
    """Largest absolute difference; NaN on both sides counts as equal, NaN on one side as a mismatch."""
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    both_nan = torch.isnan(a) & torch.isnan(b)
    if (torch.isnan(a) ^ torch.isnan(b)).any():
        return math.inf
    return float((a - b).abs().masked_fill(both_nan, 0.0).max()) if a.numel() else 0.0


# ---- generation batch: rewards (None rows), advantages, masks, reward and length metrics ----------------------------

def _generation_case(seed: int, G: int, with_none: bool):
    g = torch.Generator().manual_seed(seed)
    B, T = 4 * G, 6
    completions = []
    for i in range(B):
        cut = i % 3 == 0  # every third completion runs out of its T tokens without an EOS
        n = T if cut else int(torch.randint(1, T + 1, (1,), generator=g))
        body = torch.randint(2, 9, (n,), generator=g).tolist()
        completions.append(body if cut else body[:-1] + [EOS])
    a = torch.randint(0, 4, (B,), generator=g).float().tolist()
    b = torch.rand(B, generator=g).tolist()
    if with_none:  # row 1: every function None (unscorable); row 2: only b applies; a whole group unscorable
        a[1] = b[1] = None
        a[2] = None
        for i in range(B - G, B):
            a[i] = b[i] = None
    return completions, a, b


WEIGHTS = (1.0, 0.5)  # reward_weights of reward_a, reward_b


def _rlstudio_generation(completions, a, b, G, scale_rewards, mask_truncated, **estimator):
    T = max(len(c) for c in completions)
    ids = torch.tensor([c + [PAD] * (T - len(c)) for c in completions])
    mask, truncated = completion_mask_from_ids(ids, EOS)
    loss_mask = mask.float() * ((~truncated).float().unsqueeze(1) if mask_truncated else 1.0)
    per_function = torch.tensor([[math.nan if v is None else v for v in col] for col in (a, b)]).T
    weights = torch.tensor(WEIGHTS)
    scores = RewardScores(per_function, (per_function * weights).nansum(dim=1), ["reward_a", "reward_b"], weights,
                          torch.isnan(per_function).all(dim=1))
    adv, metrics = reward_advantages(scores, G, scale_rewards, **estimator)
    metrics.update(completion_length_metrics(mask.sum(1), truncated))
    return adv.advantages, loss_mask, metrics


ESTIMATORS = [{}, {"aggregation": "normalize_then_sum"}] + [{"estimator": "rloo", "normalize_advantages": n, "reward_clip_range": c}  # TRL's RLOOTrainer
                      for n in (False, True) for c in (None, (0.5, 2.5))]


@pytest.mark.parametrize("G", [2, 4])
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: "-".join(map(str, e.values())) or "grpo")
def test_generation_batch_matches_trl(G, estimator):
    worst, cases = 0.0, 0
    rloo = estimator.get("estimator") == "rloo"
    scales = ("group", "batch", "none") if not rloo else ("group",)  # rloo: scale_rewards does not apply
    for scale_rewards, with_none, mask_truncated in itertools.product(scales, (False, True), (False, True)):
        completions, a, b = _generation_case(7 + G, G, with_none)

        def reward_a(prompts, completions, **kw):
            return list(a)

        def reward_b(prompts, completions, **kw):
            return list(b)

        tr = trl_trainer(num_generations=G, scale_rewards=scale_rewards, mask_truncated_completions=mask_truncated,
                         reward_funcs=[reward_a, reward_b], per_device_train_batch_size=len(completions),
                         reward_weights=list(WEIGHTS),
                         multi_objective_aggregation=estimator.get("aggregation", "sum_then_normalize"),
                         rloo=rloo, normalize_advantages=estimator.get("normalize_advantages", False),
                         reward_clip_range=estimator.get("reward_clip_range"))
        stand_in_generation(tr, [[5, 6]] * len(completions), completions)
        stand_in_forward(tr, torch.zeros(len(completions), 6), torch.zeros(len(completions), 6))
        out = tr._generate_and_score_completions([{"prompt": f"p{i // G}"} for i in range(len(completions))])
        advantages, loss_mask, metrics = _rlstudio_generation(completions, a, b, G, scale_rewards, mask_truncated,
                                                              **estimator)
        theirs = logged(tr)
        diffs = {"advantages": _close(out["advantages"], advantages),
                 "loss_mask": _close(out["completion_mask"][:, :loss_mask.size(1)], loss_mask),
                 "num_items": _close(out.get("num_items_in_batch", loss_mask.sum()), loss_mask.sum())}  # not rloo's
        for k in metrics:
            diffs[k] = _close(theirs[k], metrics[k])
        missing = set(theirs) - set(metrics) - {"num_tokens"}  # num_tokens: the trainer's running count
        assert not missing, f"TRL logs {sorted(missing)}, RL Studio does not"
        bad = {k: v for k, v in diffs.items() if v > TOL}
        assert not bad, f"scale_rewards={scale_rewards} none_rows={with_none} mask_truncated={mask_truncated}: {bad}"
        worst, cases = max(worst, *diffs.values()), cases + 1
    print(f"generation grid: {cases} cases, max difference {worst:.2e}")


# ---- loss: every loss type x the settings that change it ------------------------------------------------------------

B, T = 4, 5
LOSS_GRID = list(itertools.product(
    LOSS_TYPES, ("token", "sequence"),
    ("beta0", "beta_kl", "beta_kl_unbiased"),  # beta 0; beta > 0 with bias-corrected KL (TRL 1.16); without
    (None, 0.28), (None, 1.5),  # epsilon_high, delta
    (1, 2), (1, 2),  # num_iterations, gradient accumulation
    (False, True),  # mask_truncated_completions (row 3 is truncated)
    ("plain", "entropy_and_off_policy_masks"),  # top_entropy_quantile 0.5 + off_policy_mask_threshold 0.01
))


def _loss_tensors(seed: int, num_iterations: int):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([5, 3, 1, 4])
    mask = (torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)).float()
    logps = -torch.rand(B, T, generator=g) * 2 - 0.05
    old = logps + 0.3 * torch.randn(B, T, generator=g) if num_iterations > 1 else None
    ref = logps + 0.2 * torch.randn(B, T, generator=g)
    entropies = torch.rand(B, T, generator=g) * 3
    advantages = torch.tensor([1.2, -0.7, 0.0, -1.1])
    return mask, logps, old, ref, entropies, advantages


def _rlstudio_step(case, mask, logps0, old, ref, entropies, advantages, monkeypatch, ctx=ONE_PROCESS, num_items=None,
                   entropy_control=None):
    """num_items: loss tokens over every process (default: this mask's). entropy_control: the entropy bonus's."""
    loss_type, level, beta_mode, eps_high, delta, num_iterations, accumulation, mask_trunc, extras = case
    B = mask.size(0)
    cfg = LossConfig(loss_type=loss_type, epsilon_high=eps_high, delta=delta, importance_sampling_level=level,
                     beta=0.0 if beta_mode == "beta0" else 0.04, use_bias_correction_kl=beta_mode == "beta_kl",
                     max_completion_length=T, gradient_accumulation_steps=accumulation, num_processes=ctx.world_size,
                     off_policy_mask_threshold=0.01 if extras != "plain" else None)
    logps = logps0.clone().requires_grad_(True)
    ro = Rollout(torch.full((B, 2), 5), torch.ones(B, 2, dtype=torch.long), torch.full((B, T), 7), mask.long(),
                 torch.zeros(B, dtype=torch.bool))
    batch = RLBatch(ro, mask, advantages, float(mask.sum() if num_items is None else num_items), old,
                    ref if beta_mode != "beta0" else None)
    rows = {}

    def forward(model, rollout, temperature, with_entropy=False, entropy_requires_grad=False):  # the stood-in forward
        return logps[rows["sl"]], entropies[rows["sl"]]

    monkeypatch.setattr("rlstudio.algorithms.grpo_micro_batch.completion_logps", forward)
    metrics, loss, micro = StepMetrics(), 0.0, B // accumulation
    coef = entropy_control.step_coef() if entropy_control else None
    window = torch.zeros(2, dtype=torch.float64)
    for m in range(accumulation):
        rows["sl"] = slice(m * micro, (m + 1) * micro)
        out = micro_batch_loss(ctx, None, batch, rows["sl"], 1.0, cfg, 0.5 if extras != "plain" else 1.0, coef)
        out.loss.backward()
        loss += float(out.loss.detach())
        metrics.add(out.metrics, out.extremes)
        if out.entropy_stats is not None:
            window += torch.tensor([float(v) for v in out.entropy_stats], dtype=torch.float64)
    reduced = metrics.reduce(ctx)
    if entropy_control:
        reduced.update(entropy_control.end_step(*all_reduce_sum(ctx, window).tolist()))
    return loss, logps.grad, reduced


def _trl_step(case, mask, logps0, old, ref, entropies, advantages, accelerator=None, num_items=None, tr=None):
    """tr: a trainer from an earlier step (its entropy controller carries over); its metrics start afresh."""
    loss_type, level, beta_mode, eps_high, delta, num_iterations, accumulation, mask_trunc, extras = case
    B = mask.size(0)
    tr = tr or trl_trainer(accelerator=accelerator, loss_type=loss_type, importance_sampling_level=level, beta=0.0 if beta_mode == "beta0" else 0.04,
                     use_bias_correction_kl=beta_mode == "beta_kl", epsilon_high=eps_high, delta=delta,
                     num_iterations=num_iterations, gradient_accumulation_steps=accumulation, max_completion_length=T,
                     top_entropy_quantile=0.5 if extras != "plain" else 1.0,
                     off_policy_mask_threshold=0.01 if extras != "plain" else None)
    logps = logps0.clone().requires_grad_(True)
    loss, micro = 0.0, B // accumulation
    tr._metrics["train"].clear()
    for m in range(accumulation):
        sl = slice(m * micro, (m + 1) * micro)
        tr.accelerator.sync_gradients = m == accumulation - 1  # the optimizer-step boundary
        stand_in_forward(tr, logps, entropies, sl)
        inputs = {"prompt_ids": torch.full((micro, 2), 5), "prompt_mask": torch.ones(micro, 2, dtype=torch.long),
                  "completion_ids": torch.full((micro, T), 7), "completion_mask": mask[sl].long(),
                  "advantages": advantages[sl],
                  "num_items_in_batch": mask.sum() if num_items is None else torch.tensor(float(num_items))}
        if old is not None:
            inputs["old_per_token_logps"] = old[sl]
        if beta_mode != "beta0":
            inputs["ref_per_token_logps"] = ref[sl]
        out = tr._compute_loss(None, inputs)
        out.backward()
        loss += float(out.detach())
    return loss, logps.grad, logged(tr)


def test_loss_grid_matches_trl(monkeypatch):
    worst, checked = 0.0, 0
    failures = []
    for i, case in enumerate(LOSS_GRID):
        mask_trunc = case[7]
        mask, logps, old, ref, entropies, advantages = _loss_tensors(i, case[5])
        if mask_trunc:  # what both trainers' generation step does to a truncated completion's mask
            mask = mask * torch.tensor([1.0, 1.0, 1.0, 0.0]).unsqueeze(1)
        args = (mask, logps, old, ref, entropies, advantages)
        ours_loss, ours_grad, ours = _rlstudio_step(case, *args, monkeypatch)
        trl_loss, trl_grad, theirs = _trl_step(case, *args)
        diffs = {"loss": _close(ours_loss, trl_loss), "grad": _close(ours_grad, trl_grad)}
        for k in theirs:
            diffs[k] = _close(ours[k], theirs[k]) if k in ours else math.inf
        bad = {k: v for k, v in diffs.items() if not v <= TOL}
        if bad:
            failures.append((case, bad))
        worst, checked = max(worst, *diffs.values()), checked + 1
    assert not failures, f"{len(failures)} of {checked} cases differ, e.g. {failures[:3]}"
    print(f"loss grid: {checked} cases, max difference {worst:.2e}")


ENTROPY_SETTINGS = {  # TRL's entropy bonus: static, and adaptive with a target above the entropies (so it engages)
    "static": dict(entropy_coef=0.05, use_adaptive_entropy=False),
    "adaptive": dict(entropy_coef=0.05, use_adaptive_entropy=True, entropy_coef_delta=0.02, entropy_target=2.0),
    "adaptive_falls": dict(entropy_coef=0.05, use_adaptive_entropy=True, entropy_coef_delta=0.02, entropy_target=0.5),
}


@pytest.mark.parametrize("mode", ENTROPY_SETTINGS)
def test_entropy_bonus_matches_trl(monkeypatch, mode):
    """entropy_coef / use_adaptive_entropy over three optimizer steps: each step's loss, gradients and metrics
    (policy_loss, entropy_coef) agree, so the coefficient each step applies and its update agree too."""
    settings = {"entropy_coef_min": 0.0, "entropy_coef_max": 1.0, "entropy_coef_delta": 0.005, "entropy_target": 0.2,
                **ENTROPY_SETTINGS[mode]}
    worst, checked, coefs = 0.0, 0, set()
    for loss_type, accumulation, extras in itertools.product(LOSS_TYPES, (1, 2), ("plain", "entropy_and_off_policy_masks")):
        case = (loss_type, "token", "beta_kl", None, None, 2, accumulation, False, extras)
        control, tr = EntropyControl(settings), None
        for step in range(3):
            mask, logps, old, ref, entropies, advantages = _loss_tensors(step, 2)
            entropies.requires_grad_(True)  # the bonus's gradient flows through the entropies
            args = (mask, logps, old, ref, entropies, advantages)
            ours_loss, ours_grad, ours = _rlstudio_step(case, *args, monkeypatch, entropy_control=control)
            if tr is None:
                tr = trl_trainer(loss_type=loss_type, beta=0.04, num_iterations=2, gradient_accumulation_steps=accumulation,
                                 max_completion_length=T, top_entropy_quantile=0.5 if extras != "plain" else 1.0,
                                 off_policy_mask_threshold=0.01 if extras != "plain" else None, **settings)
                tr.entropy_coef, tr.use_adaptive_entropy = settings["entropy_coef"], settings["use_adaptive_entropy"]
                tr._entropy_bonus_enabled, tr._last_world_entropy, tr._entropy_window_stats = True, math.inf, None
            ours_entropy_grad = entropies.grad.clone()
            entropies.grad = None
            trl_loss, trl_grad, theirs = _trl_step(case, *args, tr=tr)
            diffs = {"loss": _close(ours_loss, trl_loss), "grad": _close(ours_grad, trl_grad),
                     "entropy_grad": _close(ours_entropy_grad, entropies.grad)}
            entropies.grad = None
            for k in theirs:
                diffs[k] = _close(ours[k], theirs[k]) if k in ours else math.inf
            assert {"policy_loss", "entropy_coef"} <= set(theirs)
            bad = {k: v for k, v in diffs.items() if not v <= TOL}
            assert not bad, (case, step, bad)
            coefs.add(round(theirs["entropy_coef"], 6))
            worst, checked = max(worst, *diffs.values()), checked + 1
    assert len(coefs) > (1 if mode != "static" else 0)  # adaptive: the coefficient moved
    print(f"entropy bonus ({mode}): {checked} steps, max difference {worst:.2e}")


@pytest.mark.parametrize("accumulation", [1, 2])
def test_steps_per_generation_matches_trl(monkeypatch, accumulation):
    """One generation batch serving two optimizer steps (steps_per_generation = 2 x accumulation): each step's
    micro-batches are the next slices of the batch, and dapo/cispo/vespo's normaliser is rescaled to one step."""
    worst = 0.0
    for loss_type in LOSS_TYPES:
        spg = 2 * accumulation
        mask, logps0, old, ref, entropies, advantages = _loss_tensors(3, 2)
        micro = B // spg
        cfg = LossConfig(loss_type=loss_type, max_completion_length=T, gradient_accumulation_steps=accumulation,
                         steps_per_generation=spg)
        ro = Rollout(torch.full((B, 2), 5), torch.ones(B, 2, dtype=torch.long), torch.full((B, T), 7), mask.long(),
                     torch.zeros(B, dtype=torch.bool))
        batch = RLBatch(ro, mask, advantages, float(mask.sum()), old, None)
        tr = trl_trainer(loss_type=loss_type, num_iterations=1, gradient_accumulation_steps=accumulation,
                         steps_per_generation=spg, max_completion_length=T)
        for step in range(2):
            ours_logps, their_logps = logps0.clone().requires_grad_(True), logps0.clone().requires_grad_(True)
            rows = {}
            monkeypatch.setattr("rlstudio.algorithms.grpo_micro_batch.completion_logps",
                                lambda *a, **k: (ours_logps[rows["sl"]], entropies[rows["sl"]]))
            ours = theirs = 0.0
            for m in range(accumulation):
                u = step * accumulation + m  # TRL's micro-step counter; it takes slice u % steps_per_generation
                rows["sl"] = sl = slice((u % spg) * micro, (u % spg + 1) * micro)
                out = micro_batch_loss(ONE_PROCESS, None, batch, sl, 1.0, cfg)
                out.loss.backward()
                ours += float(out.loss.detach())
                stand_in_forward(tr, their_logps, entropies, sl)
                inputs = {"prompt_ids": torch.full((micro, 2), 5), "prompt_mask": torch.ones(micro, 2, dtype=torch.long),
                          "completion_ids": torch.full((micro, T), 7), "completion_mask": mask[sl].long(),
                          "advantages": advantages[sl], "num_items_in_batch": mask.sum(), "old_per_token_logps": old[sl]}
                loss = tr._compute_loss(None, inputs)
                loss.backward()
                theirs += float(loss.detach())
            diffs = (_close(ours, theirs), _close(ours_logps.grad, their_logps.grad))
            assert max(diffs) <= TOL, (loss_type, step, diffs)
            worst = max(worst, *diffs)
    print(f"steps_per_generation: max difference {worst:.2e}")


@pytest.mark.parametrize("loss_type,same", [("bnpo", False), ("dapo", True)])
def test_deliberate_difference_no_generation_batch_shuffle(monkeypatch, loss_type, same):
    """NO_GENERATION_BATCH_SHUFFLE: TRL's micro-batches come from a shuffled generation batch. Fed TRL's order, a
    per-micro-batch normaliser (bnpo) gives another loss; dapo's whole-batch normaliser gives the same one."""
    case = (loss_type, "token", "beta0", None, None, 1, 2, False, "plain")
    mask, logps, old, ref, entropies, advantages = _loss_tensors(0, 1)
    ours, ours_grad, _ = _rlstudio_step(case, mask, logps, old, ref, entropies, advantages, monkeypatch)
    shuffled = torch.tensor([0, 2, 1, 3])  # one of TRL's permutations: other rows share each micro-batch
    theirs, their_grad, _ = _trl_step(case, mask[shuffled], logps[shuffled], old, ref[shuffled], entropies[shuffled],
                                      advantages[shuffled])
    assert (abs(ours - theirs) < TOL) == same, NO_GENERATION_BATCH_SHUFFLE
    assert (_close(ours_grad[shuffled], their_grad) < TOL) == same


def test_two_gloo_processes_match_trl(tmp_path):
    """dapo's normaliser (the whole batch's tokens over processes), the top-entropy quantile over every process's
    tokens, and metrics reduced over processes, with torchrun's two CPU processes on each side."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path / "ranks.json"
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_PORT")}
    worker = Path(__file__).with_name("trl_parity_worker.py")
    proc = subprocess.run([str(Path(sys.executable).with_name("torchrun")), "--standalone", "--nproc_per_node", "2",
                           str(worker), str(out)], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    reports = json.loads(out.read_text())
    assert [r["rank"] for r in reports] == [0, 1]
    for r in reports:
        assert r["cases"] == 256 and {"loss", "grad", "entropy", "clip_ratio/low_min"} <= set(r["worst"])
        bad = {k: v for k, v in r["worst"].items() if not v <= TOL}
        assert not bad, (r["rank"], bad)
