"""PPO under torchrun with 2 CPU processes (gloo), as TRL's PPOTrainer runs under accelerate: each process generates,
scores and whitens its own local rollout batch of 2 x 2 x 2 = 8 prompts (per_device_train_batch_size x
gradient_accumulation_steps x num_mini_batches; its shard of the 16 drawn), and one DDP wrapper over the policy and
its value head (critic.shared_backbone) averages their gradients.

1. The run completes; rank 0 alone writes events and checkpoints carrying the policy and the value head.
2. Its first update equals one process doing the same work: each rank's local batch built and back-propagated in
   turn here, gradients averaged, clipped, one AdamW step. Per-rank whitening makes this the only single-process
   equivalent (a 1-process run over all 16 prompts whitens over 16, TRL's 2 processes over 8 each).
   Tolerance 1e-4 on the weights after the step: Adam's first step is lr x g / (|g| + eps), so gradients that sum in
   another order move a near-zero entry by up to ~1e-5; a value head left outside DDP keeps rank 0's own gradient and
   moves entries by ~2 x lr = 6e-3 where the ranks' gradients disagree in sign. The step's metrics: objective/* and
   loss-side ones are the two processes' values averaged (TRL), reward_std and completion lengths are over all 16 rows.
3. Resumed under torchrun from a checkpoint mid-way through a rollout batch (each process's part saved), the run
   equals the uninterrupted one bit for bit: metrics, samples, policy and value head.
"""
from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from helpers import REPO, arithmetic_setup, events, step_metrics, weights
from token_rewards import use_token_rewards

TORCHRUN = Path(sys.executable).with_name("torchrun")
STEPS = 6  # a rollout serves num_ppo_epochs 2 x num_mini_batches 2 = 4 steps: steps 5-6 start the second one
PER_DEVICE, ACCUMULATION, MINI_BATCHES = 2, 2, 2
LOCAL = PER_DEVICE * ACCUMULATION * MINI_BATCHES


def _torchrun(*args: str, timeout: int = 240) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_PORT")}
    env.update(OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    proc = subprocess.run([str(TORCHRUN), "--standalone", "--nproc_per_node", "2", "-m", "rlstudio", *args], cwd=REPO,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-6000:]
    return proc.stdout


def _two_process_run(tmp: Path, steps: int, critic: dict) -> tuple[Path, Path]:
    config = arithmetic_setup(tmp, algorithm="ppo", training__max_steps=steps,
                              training__per_device_train_batch_size=PER_DEVICE,
                              training__gradient_accumulation_steps=ACCUMULATION,
                              training__lr_scheduler_type="constant", training__warmup_steps=0,
                              training__warmup_ratio=0.0, sampling__max_completion_length=8,
                              ppo={"num_ppo_epochs": 2, "num_mini_batches": MINI_BATCHES, "kl_coef": 0.05,
                                   "critic": critic},
                              distributed={"nproc_per_node": 2}, checkpointing__save_steps=1,
                              checkpointing__keep_last=steps, logging__num_completions_to_log=None)
    use_token_rewards(config)  # the arithmetic task pays an untrained model 0: nothing would differ between ranks
    run_dir = tmp / "two_processes"
    _torchrun("train", "--config", str(config), "--run-dir", str(run_dir))
    return config, run_dir


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory):
    return _two_process_run(tmp_path_factory.mktemp("ppo_torchrun"), STEPS, {"shared_backbone": True})


def test_two_processes_complete_and_rank_0_writes_policy_and_value_head(two_process_run):
    _, run_dir = two_process_run
    evts = events(run_dir)
    started = [e for e in evts if e["type"] == "run_started"]
    assert len(started) == 1 and started[0]["world_size"] == 2 and started[0]["algorithm"] == "ppo"
    per_step = [e["step"] for e in evts if e["type"] == "metrics" and e.get("phase", "rl") == "rl"]
    assert per_step == list(range(1, STEPS + 1)), per_step  # one line per step: rank 0 alone writes
    assert sum(e["type"] == "run_finished" for e in evts) == 1
    final = run_dir / "checkpoints" / f"step_{STEPS}"
    assert weights(final / "model") and set(weights(final / "value_head")) == {"linear.weight", "linear.bias"}
    # mid-way through the first rollout batch every process's part of it is kept
    assert {p.name for p in (run_dir / "checkpoints" / "step_3").glob("rl_batch*.pt")} == {"rl_batch.pt",
                                                                                          "rl_batch.rank1.pt"}


def _one_process_first_update(config_path: Path, tmp: Path, monkeypatch) -> tuple[dict, dict, dict]:
    """(policy weights, value head weights, step metrics) after step 1, computed in this one process: rank r's
    local batch is built with r's shard of the drawn prompts and back-propagated; gradients are averaged as DDP does."""
    import rlstudio.algorithms.ppo as ppo_module
    from rlstudio.algorithms.base import AlgorithmSetup
    from rlstudio.config.run_config import load_config
    from rlstudio.data.datasets import column_names, load_datasets
    from rlstudio.data.prompt_sampler import PromptSampler
    from rlstudio.models.policy import load_policy
    from rlstudio.models.reference import start_reference
    from rlstudio.rewards import TrainerState, load_reward_functions
    from rlstudio.training.distributed import DistContext

    cfg = load_config(config_path)
    t = cfg["training"]
    torch.manual_seed(t["seed"])
    ctx = DistContext(rank=0, world_size=1, local_rank=0, device=torch.device("cpu"), backend=None)
    datasets = load_datasets(cfg["data"], Path("."))
    sampler = PromptSampler(datasets, [d["weight"] for d in cfg["data"]["datasets"]], t["seed"], cfg["data"]["shuffle"])
    model, tokenizer, dtype, _ = load_policy(cfg["model"], ctx.device)
    reference = start_reference(model, cfg, ctx, tmp)
    algorithm = ppo_module.PPO(AlgorithmSetup(cfg, ctx, model, tokenizer, load_reward_functions(cfg["rewards"], Path(".")),
                                              reference, column_names(datasets), tmp, dtype))
    params = algorithm.trainable_parameters()
    records = sampler.next_batch(2 * LOCAL)  # what both processes drew
    losses, per_rank, rows = [], [], []
    for rank in (0, 1):
        shard = (records[rank * LOCAL:(rank + 1) * LOCAL], rank * LOCAL)
        monkeypatch.setattr(ppo_module, "local_shard", lambda ctx, recs, shard=shard: shard)
        batch = algorithm.build_batch(records, TrainerState(global_step=0, max_steps=STEPS))
        result = algorithm.loss_step(algorithm.train_module(), batch, 0)  # gradients add up over the two ranks
        losses.append(result.loss)
        per_rank.append({**batch.metrics, **result.metrics})
        rows += batch.samples  # every row of the local batch (logged here as the main process)
    for p in params:
        p.grad /= 2  # DDP's average
    grad_norm = torch.nn.utils.clip_grad_norm_(params, t["max_grad_norm"])
    torch.optim.AdamW(params, lr=t["learning_rate"], betas=(t["adam_beta1"], t["adam_beta2"]), eps=t["adam_epsilon"],
                      weight_decay=t["weight_decay"]).step()
    metrics = {name: (per_rank[0][name] + per_rank[1][name]) / 2 for name in per_rank[0]}
    metrics.update(loss=sum(losses) / 2, grad_norm=float(grad_norm))
    assert len(rows) == 2 * LOCAL
    # statistics of the rows of both processes, not a mean of per-process values
    lengths = [r["length"] for r in rows]
    metrics.update({"reward_std": float(torch.tensor([r["reward"] for r in rows]).std()),
                    "completions/min_length": min(lengths), "completions/max_length": max(lengths)})
    critic = algorithm.value_head if algorithm.critic is None else algorithm.critic.model
    policy = {k: v.detach().clone() for k, v in model.state_dict().items()}
    critic_weights = {k: v.detach().clone() for k, v in critic.state_dict().items()}
    return policy, critic_weights, metrics


def _assert_first_update_matches(config: Path, run_dir: Path, critic_dir: str, tmp_path, monkeypatch) -> dict:
    """The saved step-1 policy and critic against the one-process computation, and the step-1 metrics; returns the
    computed critic weights."""
    policy, critic, expected = _one_process_first_update(config, tmp_path, monkeypatch)
    step_1 = run_dir / "checkpoints" / "step_1"
    for name, computed, saved in (("critic", critic, weights(step_1 / critic_dir)),
                                  ("policy", policy, weights(step_1 / "model"))):
        assert set(saved) <= set(computed), (name, sorted(set(saved) - set(computed))[:5])
        worst = max(float((saved[k] - computed[k]).abs().max()) for k in saved)
        assert worst < 1e-4, f"{name} after step 1 differs from the averaged-gradient step by {worst}"
    logged = step_metrics(events(run_dir))[1]
    assert logged["reward_std"] > 0.05, "rewards do not vary: the comparison would prove nothing"
    # objective/* and the loss-side metrics: each process's value, averaged (TRL's gather_for_metrics(...).mean())
    for name in ("loss", "grad_norm", "objective/scores", "objective/kl", "objective/rlhf_reward", "objective/entropy",
                 "loss/policy_avg", "loss/value_avg", "policy/entropy_avg", "val/num_eos_tokens"):
        assert math.isclose(logged[name], expected[name], rel_tol=1e-4, abs_tol=1e-6), (name, logged[name], expected[name])
    for name in ("reward", "reward_std", "completions/min_length", "completions/max_length"):
        assert math.isclose(logged[name], expected[name], rel_tol=0, abs_tol=1e-6), (name, logged[name], expected[name])
    return critic


def test_first_update_equals_one_process_over_both_local_batches(two_process_run, tmp_path, monkeypatch):
    config, run_dir = two_process_run
    head = _assert_first_update_matches(config, run_dir, "value_head", tmp_path, monkeypatch)
    assert any(float(v.abs().max()) > 1e-3 for v in head.values()), "the value head did not move"


@pytest.mark.slow  # its own torchrun run: ~60 s on the shared 2-core machine
def test_first_update_of_a_separate_critic_equals_one_process(tmp_path, monkeypatch):
    """The critic as its own model (init_from policy): its whole backbone and head sit in the one DDP module too."""
    config, run_dir = _two_process_run(tmp_path, 1, {"shared_backbone": False, "init_from": "policy"})
    _assert_first_update_matches(config, run_dir, "critic", tmp_path / "one", monkeypatch)


@pytest.mark.slow  # on its own: two torchrun runs, ~90 s on the shared 2-core machine
def test_resume_under_torchrun_equals_the_uninterrupted_run(two_process_run, tmp_path):
    _, run_dir = two_process_run
    resumed = tmp_path / "resumed"
    shutil.copytree(run_dir, resumed)
    _torchrun("resume", "--run-dir", str(resumed), "--checkpoint", "step_3")
    ev_a, ev_b = events(run_dir), events(resumed)
    after = ev_b[max(i for i, e in enumerate(ev_b) if e["type"] == "resumed"):]  # what the resumed processes logged
    ma = step_metrics(ev_a)
    assert step_metrics(after) == {s: ma[s] for s in range(4, STEPS + 1)}
    samples_a = {e["step"]: e["samples"] for e in ev_a if e["type"] == "samples"}
    assert {e["step"]: e["samples"] for e in after if e["type"] == "samples"} == {
        s: samples_a[s] for s in range(4, STEPS + 1)}
    for part in ("model", "value_head"):
        wa, wb = weights(run_dir / "checkpoints" / f"step_{STEPS}" / part), weights(resumed / "checkpoints" / f"step_{STEPS}" / part)
        assert wa.keys() == wb.keys() and all((wa[k] == wb[k]).all() for k in wa), part


def test_a_batch_saved_by_two_processes_resumes_only_on_two(tmp_path):
    """Each process gets its own part back; another number of processes is refused with the reason (it would lose
    or invent parts of the batch)."""
    from rlstudio.run_directory.pending_batch import load_pending, save_pending
    from rlstudio.user_errors import UserError

    save_pending(tmp_path, [{"part": torch.tensor([0])}, {"part": torch.tensor([1])}])
    assert [int(load_pending(tmp_path, rank, 2)["part"]) for rank in (0, 1)] == [0, 1]
    for rank, world_size in ((0, 1), (2, 3)):
        with pytest.raises(UserError, match=r"by 2 process\(es\).*torchrun --nproc_per_node 2"):
            load_pending(tmp_path, rank, world_size)
    assert load_pending(tmp_path / "empty", 0, 1) is None
