"""torchrun with 2 CPU processes (gloo) trains the same run as one process on the same global batch and seed.

Global batch: 1 process x 16 completions = 2 processes x 8 completions (4 prompts x num_generations 4). Each
completion's sampling noise is keyed by (seed, step, its index in the global batch), not by which process draws it,
so both layouts sample the same completions; the rewards below depend on every sampled token, so equal reward
statistics mean equal completions.

Tolerances:
- reward statistics (reward, reward_std, rewards/<fn>/mean, frac_reward_zero_std, completion lengths): 1e-6 absolute.
  Equal completions give equal per-completion rewards; what may differ is only float32 summation order (the
  gathered rewards are reduced in the same order, so in practice they are bitwise equal).
- loss, grad_norm, entropy, kl: 1e-4 relative + 1e-6 absolute. Each process computes its half-batch forward/backward,
  and DDP averages the gradients: the same sum in a different order, so float32 rounding (~1e-7 relative per
  operation) accumulates over a few steps of Adam.
- final weights: 1e-4 absolute, for the same reason.
A sampled token can only flip if two candidates' noisy logits tie to within that rounding, which for 4 short steps
does not happen; if it did, the reward statistics would differ by a whole reward and the test would say so.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from pathlib import Path

from safetensors.torch import load_file

from helpers import REPO, arithmetic_setup, events, step_metrics
from token_rewards import use_token_rewards
from rlstudio.config.run_config import load_config
from rlstudio.training.loop import run

TORCHRUN = Path(sys.executable).with_name("torchrun")
STEPS = 4

REWARD_STATS = ("reward", "reward_std", "frac_reward_zero_std", "rewards/token_checksum/mean",
                "rewards/token_checksum/std", "rewards/length_bonus/mean", "completions/mean_length",
                "completions/min_length", "completions/max_length", "completions/clipped_ratio")
OPTIMISATION = ("loss", "grad_norm", "entropy", "kl")


def _config(tmp_path: Path) -> Path:
    config = arithmetic_setup(tmp_path, training__max_steps=STEPS, training__per_device_train_batch_size=16,
                              grpo__beta=0.04, sampling__max_completion_length=8, checkpointing__save_steps=2,
                              logging__report_to=["tensorboard"])
    use_token_rewards(config)  # the arithmetic task pays an untrained model 0: the comparison would prove nothing
    return config


def test_two_gloo_processes_match_one_process(tmp_path):
    t0 = time.time()
    config = _config(tmp_path)
    multi = tmp_path / "two_processes"
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_PORT")}
    env.update(OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([str(TORCHRUN), "--standalone", "--nproc_per_node", "2", "-m", "rlstudio", "train",
                             "--config", str(config), "--run-dir", str(multi),
                             "--set", "training.per_device_train_batch_size=8", "--set", "distributed.nproc_per_node=2"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # the one-process run goes in this process meanwhile (torch is already imported here)
    single = tmp_path / "one_process"
    assert run(load_config(config), single) == 0, (single / "trainer.log").read_text()
    out, _ = proc.communicate(timeout=150)
    assert proc.returncode == 0, out[-4000:]
    t_runs = time.time() - t0

    one, two = events(single), events(multi)
    started = [e for e in two if e["type"] == "run_started"]
    assert len(started) == 1 and started[0]["world_size"] == 2
    m1, m2 = step_metrics(one), step_metrics(two)
    assert sorted(m1) == sorted(m2) == list(range(1, STEPS + 1))
    assert any(m1[s].get("reward_std", 0) > 0.05 for s in m1), "rewards do not vary: the comparison would prove nothing"
    for s in m1:
        for name in REWARD_STATS:
            if name in m1[s] or name in m2[s]:
                assert math.isclose(m1[s][name], m2[s][name], rel_tol=0, abs_tol=1e-6), (s, name, m1[s][name], m2[s][name])
        for name in OPTIMISATION:
            assert math.isclose(m1[s][name], m2[s][name], rel_tol=1e-4, abs_tol=1e-6), (s, name, m1[s][name], m2[s][name])

    # rank 0 alone writes: one line per event, one checkpoint set, one TensorBoard file
    per_step = [e["step"] for e in two if e["type"] == "metrics"]
    assert per_step == sorted(set(per_step)), f"a metrics event was written twice: {per_step}"
    assert sum(e["type"] == "run_finished" for e in two) == 1
    assert [p.name for p in sorted((multi / "checkpoints").iterdir())] == ["step_2", "step_4"]
    assert len(list((multi / "tensorboard").glob("events.out.tfevents.*"))) == 1
    assert (multi / "trainer.log").read_text().count("completed 4 steps") == 1

    w1 = load_file(str(single / "checkpoints" / "step_4" / "model" / "model.safetensors"))
    w2 = load_file(str(multi / "checkpoints" / "step_4" / "model" / "model.safetensors"))
    assert w1.keys() == w2.keys()
    worst = max(float((w1[k] - w2[k]).abs().max()) for k in w1)
    assert worst < 1e-4, f"final weights differ by {worst}"
    print(f"torchrun 2 procs vs 1 proc: {STEPS} steps equal, max weight diff {worst:.2e}, {t_runs:.0f}s")


def test_dynamic_sampling_deals_the_same_groups_to_two_processes(tmp_path):
    """Dynamic sampling gathers every round's completions and deals the chosen groups out again: 2 processes train
    the batch 1 process trains (same groups, same rewards, same drawn prompts)."""
    config = _config(tmp_path)
    sets = ["--set", "training.max_steps=2", "--set", "grpo.num_iterations=1", "--set", "grpo.dynamic_sampling=true",
            "--set", "checkpointing.save_steps=null"]
    multi = tmp_path / "two_processes"
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_PORT")}
    env.update(OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([str(TORCHRUN), "--standalone", "--nproc_per_node", "2", "-m", "rlstudio", "train",
                             "--config", str(config), "--run-dir", str(multi), *sets,
                             "--set", "training.per_device_train_batch_size=8", "--set", "distributed.nproc_per_node=2"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    single = tmp_path / "one_process"
    assert run(load_config(config, [s for s in sets if s != "--set"]), single) == 0, (single / "trainer.log").read_text()
    out, _ = proc.communicate(timeout=150)
    assert proc.returncode == 0, out[-4000:]
    m1, m2 = step_metrics(events(single)), step_metrics(events(multi))
    assert sorted(m1) == sorted(m2) == [1, 2]
    for s in m1:
        assert m1[s]["dynamic_sampling/rounds"] >= 1
        for name in (*REWARD_STATS, "dynamic_sampling/prompts_drawn", "dynamic_sampling/filled_with_zero_std"):
            if name in m1[s] or name in m2[s]:
                assert math.isclose(m1[s][name], m2[s][name], rel_tol=0, abs_tol=1e-6), (s, name, m1[s][name], m2[s][name])
        for name in OPTIMISATION:
            assert math.isclose(m1[s][name], m2[s][name], rel_tol=1e-4, abs_tol=1e-6), (s, name, m1[s][name], m2[s][name])
