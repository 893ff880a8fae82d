"""Checkpoints and resume: a run stopped with SIGINT and resumed equals an uninterrupted run, bitwise on CPU, on a
setup whose weights provably change every step: with and without a KL reference, full and LoRA, with and without a
warm start (the KL reference is the base model, the base with adapters off, or the warm-started model)."""
import json
import shutil
import signal
import time
from pathlib import Path

import pytest

from helpers import cli, events, learning_setup, run_cli, step_metrics, weights
from rlstudio.run_directory.checkpoint import latest_checkpoint, list_checkpoints, prune_checkpoints
from rlstudio.user_errors import EXIT_COMPLETED, EXIT_STOPPED

MAX_STEPS = 6


def _validator():
    from jsonschema import Draft7Validator

    schema = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "trainer-event.schema.json").read_text())
    return Draft7Validator(schema)


def _wait_for_step(run_dir: Path, step: int, proc, timeout=240) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if (run_dir / "events.jsonl").exists() and any(
                e["type"] == "metrics" and e.get("phase", "rl") == "rl" and e["step"] >= step for e in events(run_dir)):
            return
        if proc.poll() is not None:
            raise AssertionError(f"trainer exited early:\n{proc.stdout.read()}")
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the trainer")


CASES = {
    # num_iterations 2: resume mid-way through a generation batch must restore old/ref log-probs too
    "full_kl": dict(grpo__num_iterations=2, grpo__beta=0.05),
    "full_kl_warm_start": dict(grpo__beta=0.05, warm_start__steps=3, warm_start__batch_size=8),
    "lora_kl": dict(grpo__beta=0.05, model__lora={"enabled": True, "r": 4, "lora_alpha": 8, "lora_dropout": 0.0},
                    training__learning_rate=3e-2),
    "full_no_kl": dict(grpo__beta=0.0),
    # PPO: a rollout of 32 prompts serves 2 epochs x 2 mini-batches, so step_3 is mid-batch; the critic (a separate
    # model, or a value head on the policy) and the adaptive KL coefficient must come back exactly
    "ppo_critic": dict(algorithm="ppo", ppo={"num_ppo_epochs": 2, "num_mini_batches": 2, "kl_coef": 0.05,
                                             "adaptive_kl": {"target": 0.5, "horizon": 100}}),
    "ppo_shared_head": dict(algorithm="ppo", ppo={"num_ppo_epochs": 2, "num_mini_batches": 2, "kl_coef": 0.05,
                                                  "critic": {"shared_backbone": True}, "entropy_coef": 0.01}),
}


# reduce_lr_on_plateau on every evaluation (eval_steps 1): an absolute threshold of 10 makes every evaluation after
# the first a bad one, so with patience 1 the LR halves after the evaluations of steps 3 and 5, whatever the reward.
# A resume that lost the scheduler's state (best value, bad evaluations) reduces at other steps.
PLATEAU = dict(training__lr_scheduler_type="reduce_lr_on_plateau", training__warmup_steps=0,
               training__lr_scheduler_kwargs={"patience": 1, "factor": 0.5, "threshold": 10.0, "threshold_mode": "abs"},
               eval__enabled=True, eval__eval_steps=1, eval__max_samples=4, eval__early_stopping_patience=None)
CASES["grpo_plateau_lr"] = dict(grpo__beta=0.0, **PLATEAU)
CASES["ppo_plateau_lr"] = dict(algorithm="ppo", ppo={"num_ppo_epochs": 2, "num_mini_batches": 2}, **PLATEAU)


def _critic_weights(run: Path, checkpoint: str) -> dict:
    folder = run / "checkpoints" / checkpoint
    return weights(folder / "critic") if (folder / "critic").is_dir() else weights(folder / "value_head")


@pytest.mark.parametrize("case", list(CASES))
def test_sigint_resume_equals_uninterrupted(tmp_path, case):
    config = learning_setup(tmp_path, training__max_steps=MAX_STEPS, checkpointing__save_steps=1,
                            checkpointing__keep_last=MAX_STEPS, **CASES[case])
    a, b = tmp_path / "a", tmp_path / "b"
    code, out = run_cli("train", "--config", str(config), "--run-dir", str(a))
    assert code == EXIT_COMPLETED, out

    # the model learns: every step has a gradient and moves the trained weights
    ma = step_metrics(events(a))
    assert sorted(ma) == list(range(1, MAX_STEPS + 1))
    assert all(ma[s]["grad_norm"] > 0 for s in ma), {s: ma[s]["grad_norm"] for s in ma}
    saved = [weights(c / "model") for c in list_checkpoints(a)]
    for step, (before, after) in enumerate(zip(saved, saved[1:]), start=2):
        assert any(not (before[k] == after[k]).all() for k in before), f"step {step} left the weights unchanged"
    ppo = CASES[case].get("algorithm") == "ppo"
    # a batch's own metrics (rewards, lengths, PPO's objective/*) on the step that built it, the update's on every step
    per_batch = 4 if ppo else json.loads(config.read_text())["grpo"]["num_iterations"]  # the demo config's 2
    built = [s for s in ma if (s - 1) % per_batch == 0]
    rollout_metric = "objective/scores" if ppo else "frac_reward_zero_std"
    assert [s for s in ma if "reward" in ma[s] and rollout_metric in ma[s]] == built, {s: sorted(ma[s]) for s in ma}
    assert not any("reward" in ma[s] or "completions/mean_length" in ma[s] for s in ma if s not in built)
    assert all({"loss", "grad_norm", "learning_rate"} <= set(ma[s]) for s in ma)
    if "training__lr_scheduler_kwargs" in CASES[case]:
        lr0 = ma[1]["learning_rate"]
        assert [ma[s]["learning_rate"] for s in ma] == [lr0] * 3 + [lr0 / 2] * 2 + [lr0 / 4]
        assert [e["step"] for e in events(a) if e["type"] == "alert" and e["code"] == "lr_reduced"] == [3, 5]
    if ppo:  # the critic learns too, and the second rollout measures a KL against the reference
        critics = [_critic_weights(a, c.name) for c in list_checkpoints(a)]
        assert all(any(not (x[k] == y[k]).all() for k in x) for x, y in zip(critics, critics[1:]))
        assert ma[built[-1]]["objective/kl"] != 0, ma[built[-1]]
    elif CASES[case]["grpo__beta"] > 0:
        # the policy moves measurably away from its reference (the first steps' KL is below float32's resolution)
        assert all(ma[s]["kl"] > 0 for s in ma if s > 3), {s: ma[s]["kl"] for s in ma}

    p = cli("train", "--config", str(config), "--run-dir", str(b))
    _wait_for_step(b, 2, p)
    p.send_signal(signal.SIGINT)
    out_b, _ = p.communicate(timeout=240)
    assert p.returncode == EXIT_STOPPED, out_b
    stopped = [e for e in events(b) if e["type"] == "run_finished"]
    assert stopped and stopped[-1]["status"] == "stopped", out_b
    k = stopped[-1]["step"]
    assert 2 <= k < MAX_STEPS, out_b
    assert latest_checkpoint(b).name == f"step_{k}"

    # the config file changed on disk after the run started: resume must use the snapshot and say so
    edited = json.loads(config.read_text())
    edited["training"]["learning_rate"] = 0.5
    config.write_text(json.dumps(edited))
    code, out = run_cli("resume", "--run-dir", str(b))
    assert code == EXIT_COMPLETED, out
    assert "changed since the run started" in out

    ev_b = events(b)
    resumed = [e for e in ev_b if e["type"] == "resumed"]
    assert len(resumed) == 1 and resumed[0]["step"] == k and "changed" in resumed[0]["message"]
    mb = step_metrics(ev_b)
    assert sorted(mb) == list(range(1, MAX_STEPS + 1))
    for s in ma:
        assert ma[s] == mb[s], f"step {s} differs after resuming at step {k}: {ma[s]} vs {mb[s]}"
    samples_a = {e["step"]: e["samples"] for e in events(a) if e["type"] == "samples"}
    samples_b = {e["step"]: e["samples"] for e in ev_b if e["type"] == "samples"}
    assert sorted(samples_a) == list(range(1, MAX_STEPS + 1)) and samples_a == samples_b
    wa, wb = weights(a / "final"), weights(b / "final")
    assert wa.keys() == wb.keys()
    for name in wa:
        assert (wa[name] == wb[name]).all(), name
    if ppo:
        ca, cb = _critic_weights(a, f"step_{MAX_STEPS}"), _critic_weights(b, f"step_{MAX_STEPS}")
        assert ca.keys() == cb.keys() and all((ca[k] == cb[k]).all() for k in ca)

    if CASES[case].get("grpo__num_iterations", 1) > 1 or ppo:
        # resume exactly mid-way through a generation batch (step_3 of num_iterations 2 holds the pending batch)
        c = tmp_path / "c"
        shutil.copytree(a, c)
        code, out = run_cli("resume", "--run-dir", str(c), "--checkpoint", "step_3")
        assert code == EXIT_COMPLETED, out
        assert (a / "checkpoints" / "step_3" / "rl_batch.pt").is_file()
        ev_c = events(c)
        after = ev_c[max(i for i, e in enumerate(ev_c) if e["type"] == "resumed"):]  # what the resumed process logged
        assert step_metrics(after) == {s: ma[s] for s in range(4, MAX_STEPS + 1)}
        assert {e["step"]: e["samples"] for e in after if e["type"] == "samples"} == {
            s: samples_a[s] for s in range(4, MAX_STEPS + 1)}
        assert all((weights(c / "final")[k] == wa[k]).all() for k in wa)

    v = _validator()
    for e in events(a) + ev_b:
        errors = list(v.iter_errors(e))
        assert not errors, (e["type"], errors[0].message)


def test_events_and_pruning_of_a_resumed_run(tmp_path):
    config = learning_setup(tmp_path, training__max_steps=5)
    b = tmp_path / "b"
    p = cli("train", "--config", str(config), "--run-dir", str(b))
    _wait_for_step(b, 1, p)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=240)
    code, out = run_cli("resume", "--run-dir", str(b))
    assert code == 0, out
    kinds = {e["type"] for e in events(b)}
    assert {"run_started", "resumed", "metrics", "samples", "checkpoint", "run_finished", "phase"} <= kinds
    sample = next(e for e in events(b) if e["type"] == "samples")["samples"][0]
    assert len(sample["completion_ids"]) == len(sample["tokens"]) == len(sample["loss_mask"]) == sample["length"]
    assert Path(sample["source"].rpartition(":")[0]).is_file()  # the dataset row, for re-scoring with its columns
    # keep_last 2: only the two newest step checkpoints remain
    assert [c.name for c in list_checkpoints(b)] == ["step_4", "step_5"]


def test_incomplete_checkpoints_are_ignored_and_pruning_keeps_newest(tmp_path):
    root = tmp_path / "checkpoints"
    for s in (2, 4):
        d = root / f"step_{s}"
        (d / "model").mkdir(parents=True)
        (d / "trainer_state.json").write_text("{}")
    (root / "step_6" / "model").mkdir(parents=True)  # no trainer_state.json: torn
    (root / ".step_8.tmp" / "model").mkdir(parents=True)
    assert latest_checkpoint(tmp_path).name == "step_4"
    assert prune_checkpoints(tmp_path, 1) == ["checkpoints/step_2"]
    assert [c.name for c in list_checkpoints(tmp_path)] == ["step_4"]
    assert prune_checkpoints(tmp_path, 1) == []


def test_resume_without_checkpoint_is_a_clear_error(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    code, out = run_cli("resume", "--run-dir", str(tmp_path))
    assert code == 2 and "no complete checkpoint" in out and "Traceback" not in out
