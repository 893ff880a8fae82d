"""DAPO's dynamic sampling on the tiny model: with many groups whose rewards are all equal, the trained batch has
(almost) none, more prompts were drawn and that is logged; out of rounds, the step is filled with left-out groups."""
from pathlib import Path

import torch

from helpers import arithmetic_setup
from rlstudio.algorithms.dynamic_sampling import dynamic_batch, informative
from rlstudio.algorithms.grpo_batch import make_batch
from rlstudio.config.run_config import load_config
from rlstudio.data.datasets import column_names, load_datasets
from rlstudio.data.prompt_sampler import PromptSampler
from rlstudio.models.policy import load_policy
from rlstudio.rewards import TrainerState, load_reward_functions
from rlstudio.training.distributed import DistContext

ONE_PROCESS = DistContext(rank=0, world_size=1, local_rank=0, device=torch.device("cpu"), backend=None)
# 3 prompts in 4 are "solved": every completion scores 1 (zero std); the others score by length (informative)
REWARD = '''
def mostly_solved(prompts, completions, **kwargs):
    return [1.0 if sum(map(ord, p)) % 4 else float(len(c)) for p, c in zip(prompts, completions)]
'''


def _batch(tmp_path, monkeypatch, dynamic: bool, rounds: int = 6):
    tmp_path.mkdir(exist_ok=True)
    config_path = arithmetic_setup(tmp_path)
    (config_path.parent / "solved.py").write_text(REWARD)
    cfg = load_config(config_path, ['rewards=[{"function": "solved.py:mostly_solved"}]',
                                    f"grpo.dynamic_sampling={str(dynamic).lower()}",
                                    f"grpo.dynamic_sampling_max_rounds={rounds}"])
    monkeypatch.chdir(config_path.parent)
    model, tok, _, _ = load_policy(cfg["model"], torch.device("cpu"))
    datasets = load_datasets(cfg["data"], Path("."))
    sampler = PromptSampler(datasets, [1.0] * len(datasets), 0, True)
    funcs, columns = load_reward_functions(cfg["rewards"], Path(".")), column_names(datasets)
    state = TrainerState(global_step=0, max_steps=1)
    if dynamic:
        return dynamic_batch(ONE_PROCESS, model, tok, sampler.next_batch, 8, cfg, funcs, None, state, None, columns)
    return make_batch(ONE_PROCESS, model, tok, sampler.next_batch(8), cfg, funcs, None, state, None, columns)


def test_dynamic_sampling_trains_on_informative_groups(tmp_path, monkeypatch):
    plain = _batch(tmp_path / "plain", monkeypatch, False)
    assert plain.metrics["frac_reward_zero_std"] > 0.4  # most groups carry no signal
    assert "dynamic_sampling/rounds" not in plain.metrics
    batch = _batch(tmp_path / "dynamic", monkeypatch, True)
    m = batch.metrics
    assert m["frac_reward_zero_std"] == 0.0 and m["dynamic_sampling/filled_with_zero_std"] == 0.0
    assert m["dynamic_sampling/prompts_drawn"] == 8 * m["dynamic_sampling/rounds"] > 8
    assert batch.rollout.completion_ids.size(0) == 8 * 4 and batch.advantages.abs().view(8, 4).sum(1).gt(0).all()
    assert len(batch.samples) == 8 * 4 and all(s["reward"] == s["rewards"]["mostly_solved"] for s in batch.samples)


def test_out_of_rounds_the_step_is_filled_with_zero_std_groups(tmp_path, monkeypatch):
    batch = _batch(tmp_path, monkeypatch, True, rounds=1)
    m = batch.metrics
    assert m["dynamic_sampling/rounds"] == 1 and m["dynamic_sampling/filled_with_zero_std"] > 0
    assert m["frac_reward_zero_std"] == m["dynamic_sampling/filled_with_zero_std"] / 8
    assert batch.rollout.completion_ids.size(0) == 32


def test_informative_groups():
    w = torch.ones(2)
    nan = float("nan")
    assert not informative(torch.tensor([[1.0, 0.0], [1.0, 0.0]]), w, "sum_then_normalize")
    assert not informative(torch.tensor([[1.0, 0.0], [0.0, 1.0]]), w, "sum_then_normalize")  # equal totals
    assert informative(torch.tensor([[1.0, 0.0], [0.0, 1.0]]), w, "normalize_then_sum")  # each function varies
    assert informative(torch.tensor([[1.0, nan], [0.0, nan]]), w, "sum_then_normalize")
    assert not informative(torch.tensor([[1.0, nan], [nan, nan]]), w, "sum_then_normalize")  # one scorable row
