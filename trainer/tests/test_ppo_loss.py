"""PPO's formulas (rlstudio.algorithms.ppo_loss) on fixed tensors: against a plain element-by-element reference, and
against TRL's own PPO code (trl.experimental.ppo of TRL 1.12.0, the last release that ships it), executed in a
separate interpreter by trl_ppo_worker.py."""
from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from helpers import REPO
from rlstudio.algorithms import ppo_loss as P

PAD, EOS, B, T, V, CTX = 0, 1, 6, 7, 13, 3
TRL_PPO_REFERENCE = REPO / ".venv" / "trl-ppo-reference"
# Where the first EOS lands in each row: -1 none (truncated), 0 an EOS-only completion, T - 1 no room for the score
# one past the end.
EOS_AT = [2, -1, 0, T - 1, 4, 3]


def _case(seed: int = 0, kl_estimator: str = "k1", whiten_rewards: bool = False, missing_eos_penalty=1.0):
    g = torch.Generator().manual_seed(seed)
    responses = torch.randint(2, V, (B, T), generator=g)
    for row, at in enumerate(EOS_AT):
        if at >= 0:
            responses[row, at] = EOS  # tokens after it stay: truncate_response must pad them
    return {
        "x": torch.randn(B, T, generator=g), "mask": (torch.rand(B, T, generator=g) > 0.3).float(),
        "responses": responses,
        "logprobs": -torch.rand(B, T, generator=g) * 3, "ref_logprobs": -torch.rand(B, T, generator=g) * 3,
        "scores": torch.randn(B, generator=g), "values": torch.randn(B, T, generator=g),
        "logits": torch.randn(B, CTX + T, V, generator=g), "vpred_temp": torch.randn(B, CTX + T, 1, generator=g),
        "context_length": CTX,
        "args": {"kl_coef": 0.05, "kl_estimator": kl_estimator, "whiten_rewards": whiten_rewards, "gamma": 0.97,
                 "lam": 0.9, "cliprange": 0.2, "cliprange_value": 0.2, "vf_coef": 0.1, "temperature": 1.0,
                 "missing_eos_penalty": missing_eos_penalty, "stop_token_id": EOS, "pad_token_id": PAD,
                 "eos_token_id": EOS},
    }


def _completion_mask(responses: torch.Tensor) -> torch.Tensor:
    """rollout.Rollout's mask: tokens up to and including the first EOS."""
    is_eos = responses == EOS
    before_or_at_eos = (is_eos.long().cumsum(1) - is_eos.long()) == 0
    return before_or_at_eos.long()


def _ours(case: dict) -> dict:
    a = case["args"]
    mask = _completion_mask(case["responses"])
    masks = P.response_masks(mask)
    contains_eos = (case["responses"] == EOS).any(1)
    scores = P.apply_missing_eos_penalty(case["scores"], contains_eos, a["missing_eos_penalty"])
    pen = P.kl_penalised_rewards(scores, case["logprobs"], case["ref_logprobs"], masks, a["kl_coef"], a["kl_estimator"],
                                 a["whiten_rewards"])
    values = case["values"].masked_fill(~masks.value, 0)
    advantages, returns = P.gae(pen.rewards, values, a["gamma"], a["lam"])
    advantages = P.whiten_advantages(advantages, masks)
    logits = case["logits"][:, CTX - 1:-1] / a["temperature"]
    new_logprobs = torch.log_softmax(logits, -1).gather(-1, case["responses"].unsqueeze(-1)).squeeze(-1)
    pol = P.policy_loss(new_logprobs, case["logprobs"], advantages, masks.token, a["cliprange"])
    vpred = case["vpred_temp"][:, CTX - 1:-1, 0]
    vf_loss, vf_clipfrac = P.value_loss(vpred, values, returns, masks.value, a["cliprange_value"])
    return dict(masks=masks, scores=scores, pen=pen, values=values, advantages=advantages, returns=returns, pol=pol,
                vf_loss=vf_loss, vf_clipfrac=vf_clipfrac,
                metrics=P.sequence_metrics(pen.kl, pen.non_score_reward,
                                           case["logprobs"].masked_fill(~masks.token, P.INVALID_LOGPROB), scores,
                                           masks.token))


def _run_trl(cases: list[dict], tmp_path: Path) -> list[dict]:
    if not (TRL_PPO_REFERENCE / "trl" / "experimental" / "ppo").is_dir():
        pytest.fail(f"TRL's PPO reference is not installed at {TRL_PPO_REFERENCE}: run `bash scripts/bootstrap.sh python`")
    torch.save(cases, tmp_path / "in.pt")
    env = {**os.environ, "PYTHONPATH": str(TRL_PPO_REFERENCE), "TRL_EXPERIMENTAL_SILENCE": "1"}
    proc = subprocess.run([sys.executable, str(Path(__file__).with_name("trl_ppo_worker.py")), str(tmp_path / "in.pt"),
                           str(tmp_path / "out.pt")], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    outs = torch.load(tmp_path / "out.pt", weights_only=True)
    assert [o["trl_version"] for o in outs] == ["1.12.0"] * len(cases)  # TRL's own code ran, not the project's 1.16
    return outs


TRL_CASES = [("k1", False, 1.0), ("k3", True, None), ("k3", False, 2.5)]


@pytest.fixture(scope="module")
def trl_results(tmp_path_factory):
    """One worker process for every case (starting an interpreter with TRL costs ~15 s here)."""
    return _run_trl([_case(1, *c) for c in TRL_CASES], tmp_path_factory.mktemp("trl_ppo"))


def _close(ours, theirs, atol=1e-5):
    ours, theirs = torch.as_tensor(ours, dtype=torch.float64), torch.as_tensor(theirs, dtype=torch.float64)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    assert torch.allclose(ours, theirs, atol=atol, rtol=1e-5), (ours, theirs)


@pytest.mark.parametrize("which", range(len(TRL_CASES)), ids=["-".join(map(str, c)) for c in TRL_CASES])
def test_matches_trl_ppo_code(trl_results, which):
    case = _case(1, *TRL_CASES[which])
    trl, ours = trl_results[which], _ours(case)
    x, m = case["x"], case["mask"]
    _close(P.masked_mean(x, m), trl["masked_mean"])
    _close(P.masked_mean(x, m, axis=1), trl["masked_mean_axis1"])
    _close(P.masked_var(x, m), trl["masked_var"])
    _close(P.masked_var(x, m, unbiased=False), trl["masked_var_biased"])
    _close(P.masked_whiten(x, m), trl["masked_whiten"])
    _close(P.masked_whiten(x, m, shift_mean=False), trl["masked_whiten_keep_mean"])

    masks = ours["masks"]
    assert torch.equal(masks.sequence_lengths, trl["sequence_lengths"])
    assert torch.equal(masks.token, ~trl["padding_mask"]) and torch.equal(masks.value, ~trl["padding_mask_p1"])
    _close(ours["scores"], trl["scores"])
    _close(ours["pen"].kl, trl["kl"])
    _close(ours["pen"].non_score_reward, trl["non_score_reward"])
    _close(ours["pen"].rewards, trl["rewards"])
    _close(ours["values"], trl["values"])
    _close(ours["advantages"], trl["advantages"])
    _close(ours["returns"], trl["returns"])

    pol = ours["pol"]
    _close(pol.loss, trl["pg_loss"])
    _close(pol.clipfrac, trl["pg_clipfrac"])
    _close(pol.approxkl, trl["approxkl"])
    _close(pol.ratio_mean, trl["ratio"].mean())
    _close(ours["vf_loss"], trl["vf_loss"])
    _close(ours["vf_clipfrac"], trl["vf_clipfrac"])
    assert 0 < float(pol.clipfrac) < 1 and 0 < float(ours["vf_clipfrac"]) < 1  # both branches of each clip taken

    metrics = ours["metrics"]
    _close(metrics["objective/kl"], trl["mean_kl"])
    _close(metrics["objective/entropy"], trl["mean_entropy"])
    _close(metrics["objective/non_score_reward"], trl["mean_non_score_reward"])
    _close(metrics["objective/rlhf_reward"], trl["rlhf_reward"])
    _close(metrics["objective/scores"], trl["scores"].mean())


# ----- a plain element-by-element reference (float64 Python loops), independent of TRL's tensor code -----

def _plain(case: dict) -> dict:
    a = case["args"]
    resp = case["responses"].tolist()
    lp, ref = case["logprobs"].double().tolist(), case["ref_logprobs"].double().tolist()
    vals = case["values"].double().tolist()
    rewards, adv, ret, lengths = [], [], [], []
    for i in range(B):
        n = next((t + 1 for t in range(T) if resp[i][t] == EOS), T)  # tokens incl. EOS
        lengths.append(n)
        score = case["scores"][i].item() - (a["missing_eos_penalty"] or 0.0) * (n == T and EOS not in resp[i])
        r = []
        for t in range(T):
            if t < n:
                d = ref[i][t] - lp[i][t]
                kl = -d if a["kl_estimator"] == "k1" else math.exp(d) - 1 - d
                r.append(-a["kl_coef"] * kl)
            else:
                r.append(0.0)
        r[n if n < T else T - 1] += score  # one past the last token, or the last when there is no room
        v = [vals[i][t] if t <= n else 0.0 for t in range(T)]  # the value mask reaches one past the end
        row_adv, last = [0.0] * T, 0.0
        for t in reversed(range(T)):
            nxt = v[t + 1] if t + 1 < T else 0.0
            last = r[t] + a["gamma"] * nxt - v[t] + a["gamma"] * a["lam"] * last
            row_adv[t] = last
        rewards.append(r)
        adv.append(row_adv)
        ret.append([row_adv[t] + v[t] for t in range(T)])
    flat = [adv[i][t] for i in range(B) for t in range(lengths[i])]
    mean = sum(flat) / len(flat)
    var = sum((x - mean) ** 2 for x in flat) / (len(flat) - 1)
    whitened = [[(adv[i][t] - mean) / math.sqrt(var + 1e-8) if t < lengths[i] else 0.0 for t in range(T)] for i in range(B)]
    return {"rewards": rewards, "advantages": whitened, "returns": ret, "lengths": lengths}


@pytest.mark.parametrize("kl_estimator", ["k1", "k3"])
def test_matches_a_plain_reference(kl_estimator):
    case = _case(2, kl_estimator)
    ours, plain = _ours(case), _plain(case)
    assert (ours["masks"].sequence_lengths + 1).tolist() == plain["lengths"]
    _close(ours["pen"].rewards, plain["rewards"])
    _close(ours["returns"], plain["returns"])
    _close(ours["advantages"], plain["advantages"])


def test_policy_and_value_losses_by_hand():
    """One token each side of each clip, worked out on paper."""
    mask = torch.tensor([[True, True, True, False]])
    old = torch.zeros(1, 4)
    new = torch.log(torch.tensor([[1.5, 0.5, 1.1, 9.0]]))  # ratios 1.5 (clipped up), 0.5 (clipped down), 1.1 (inside)
    adv = torch.tensor([[1.0, -1.0, 2.0, 5.0]])
    pol = P.policy_loss(new, old, adv, mask, cliprange=0.2)
    # per token max(-A r, -A clip(r)): -1.2 (clip wins), 0.8 (clip wins), -2.2 (unclipped)
    assert math.isclose(float(pol.loss), (-1.2 + 0.8 - 2.2) / 3, rel_tol=1e-6)
    assert math.isclose(float(pol.clipfrac), 2 / 3, rel_tol=1e-6)
    vmask = torch.tensor([[True, True, False]])
    v_loss, v_clip = P.value_loss(torch.tensor([[1.0, 0.1, 7.0]]), torch.zeros(1, 3), torch.tensor([[1.0, 0.0, 3.0]]),
                                  vmask, cliprange_value=0.2)
    # token 0: unclipped 0, clipped (0.2 - 1)^2 = 0.64 -> 0.64 (clip wins); token 1: 0.01 both -> 0.01
    assert math.isclose(float(v_loss), 0.5 * (0.64 + 0.01) / 2, rel_tol=1e-6)
    assert math.isclose(float(v_clip), 0.5, rel_tol=1e-6)


def test_explained_variance_and_adaptive_kl():
    returns = torch.tensor([[1.0, 2.0, 3.0, 100.0]])
    mask = torch.tensor([[True, True, True, False]])
    assert math.isclose(P.explained_variance(returns, returns, mask), 1.0)
    assert math.isclose(P.explained_variance(torch.full_like(returns, 2.0), returns, mask), 0.0, abs_tol=1e-7)
    # residuals [-2, 0, 2] (variance 8/3) against returns of variance 2/3: 1 - 4 = -3, worse than a constant
    assert math.isclose(P.explained_variance(torch.tensor([[3.0, 2.0, 1.0, 0.0]]), returns, mask), -3.0, rel_tol=1e-6)
    assert math.isnan(P.explained_variance(returns, torch.ones_like(returns), mask))

    ctl = P.AdaptiveKLController(0.1, target=6.0, horizon=10000)
    assert math.isclose(ctl.update(12.0, 100), 0.1 * (1 + 0.2 * 100 / 10000))  # error capped at +20%
    assert math.isclose(ctl.update(5.4, 100), 0.1 * 1.002 * (1 - 0.1 * 100 / 10000))
    clone = P.AdaptiveKLController(1.0, 6.0, 10000)
    clone.load_state_dict(ctl.state_dict())
    assert clone.value == ctl.value
    with pytest.raises(ValueError, match="kl_estimator"):
        P.per_token_kl(torch.zeros(1), torch.zeros(1), "k2")
