"""TRL 1.16's settings that carry state across steps, each on a short real run of the tiny model: the run stays
finite and learns (weights move), and a resume from a checkpoint mid-way equals the uninterrupted run bitwise
(metrics, samples, final weights): the logging window, steps_per_generation, sync_ref_model, adaptive entropy,
dynamic sampling, and the model / sampling settings."""
import json
import math
import shutil

import pytest

from helpers import events, learning_setup, run_cli, step_metrics, weights
from rlstudio.user_errors import EXIT_COMPLETED

MAX_STEPS = 6
CASES = {
    # logged at steps 4 and 6: a resume at step 2 must average steps 1-4 at step 4, not 3-4
    "logging_window": (dict(logging__logging_steps=4), 2),
    # one generation serves 2 steps: step 3 is mid-way through the second generation batch (and off-policy)
    "steps_per_generation": (dict(grpo__steps_per_generation=2), 3),
    # the reference moves towards the policy at steps 2 and 4: the checkpoint must carry it
    "sync_ref_model": (dict(grpo__beta=0.05, grpo__sync_ref_model=True, grpo__ref_model_sync_steps=2,
                            grpo__ref_model_mixup_alpha=0.5), 3),
    # a target above the entropy: the coefficient rises every step and applies from step 2
    "adaptive_entropy": (dict(grpo__entropy_coef=0.01, grpo__use_adaptive_entropy=True, grpo__entropy_target=50.0,
                              grpo__entropy_coef_delta=0.01), 3),
    "dynamic_sampling": (dict(grpo__dynamic_sampling=True, grpo__dynamic_sampling_max_rounds=3, grpo__num_iterations=1), 3),
    "model_and_sampling": (dict(grpo__disable_dropout=True, grpo__cast_lm_head_to_fp32=True, sampling__min_p=0.05,
                                sampling__generation_kwargs={"no_repeat_ngram_size": 3}, grpo__entropy_coef=0.001,
                                grpo__multi_objective_aggregation="normalize_then_sum"), 3),
}


@pytest.mark.parametrize("case", list(CASES))
def test_setting_trains_and_resumes_exactly(tmp_path, case):
    overrides, resume_at = CASES[case]
    config = learning_setup(tmp_path, training__max_steps=MAX_STEPS, checkpointing__save_steps=1,
                            checkpointing__keep_last=MAX_STEPS, **overrides)
    a = tmp_path / "a"
    code, out = run_cli("train", "--config", str(config), "--run-dir", str(a))
    assert code == EXIT_COMPLETED, out
    ma = step_metrics(events(a))
    logged = sorted(ma)
    assert logged == ([4, 6] if case == "logging_window" else list(range(1, MAX_STEPS + 1)))
    for s in logged:
        assert all(v is None or math.isfinite(v) for v in ma[s].values()), ma[s]
        assert ma[s]["grad_norm"] > 0
    w0, w1 = weights(a / "checkpoints" / "step_1" / "model"), weights(a / "final")
    assert any(not (w0[k] == w1[k]).all() for k in w0)
    if case == "adaptive_entropy":
        assert [ma[s]["entropy_coef"] for s in logged] == pytest.approx([0.01 * (s + 1) for s in logged])
        assert all("policy_loss" in ma[s] for s in logged)
    if case == "dynamic_sampling":
        assert all(ma[s]["dynamic_sampling/rounds"] >= 1 for s in logged)
    if case == "sync_ref_model":
        assert (a / "checkpoints" / "step_2" / "synced_reference.pt").is_file()

    c = tmp_path / "c"
    shutil.copytree(a, c)
    code, out = run_cli("resume", "--run-dir", str(c), "--checkpoint", f"step_{resume_at}")
    assert code == EXIT_COMPLETED, out
    ev_c = events(c)
    after = ev_c[max(i for i, e in enumerate(ev_c) if e["type"] == "resumed"):]  # what the resumed process logged
    assert step_metrics(after) == {s: ma[s] for s in logged if s > resume_at}
    samples_a = {e["step"]: e["samples"] for e in events(a) if e["type"] == "samples"}
    assert {e["step"]: e["samples"] for e in after if e["type"] == "samples"} == {
        s: v for s, v in samples_a.items() if s > resume_at}
    wc = weights(c / "final")
    assert all((wc[k] == w1[k]).all() for k in w1)
    state = json.loads((a / "checkpoints" / f"step_{resume_at}" / "trainer_state.json").read_text())
    if case == "logging_window":
        assert len(state["log_window"]) == resume_at  # the unlogged steps travel with the checkpoint
