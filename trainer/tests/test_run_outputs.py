"""A short demo-like run leaves everything a user looks at: eval events, best_model/ (chosen by the eval metric,
loadable by plain transformers, its metadata matching what the model scores), final/, TensorBoard scalars,
training_stats.json and PNG plots; early stopping ends a run as completed, and a resume keeps the best-model state."""
import json

import torch
from safetensors.torch import load_file

from helpers import arithmetic_setup, events
from rlstudio.outputs.best_model import BestModelTracker, config_hash
from rlstudio.cli import main as cli_main
from rlstudio.config.run_config import load_config
from rlstudio.training.loop import run
from token_rewards import use_token_rewards


def _eval_config(tmp_path, **overrides):
    return arithmetic_setup(tmp_path, eval__enabled=True, eval__eval_steps=2, eval__max_samples=8,
                            logging__report_to=["tensorboard"], **overrides)


def test_eval_best_model_final_tensorboard_stats_and_plots(tmp_path):
    config = _eval_config(tmp_path, training__max_steps=6, checkpointing__save_steps=3,
                          eval__metric_for_best_model="eval_reward")
    use_token_rewards(config)  # eval rewards that change as the model trains
    run_dir = tmp_path / "run"
    assert run(load_config(config), run_dir) == 0, (run_dir / "trainer.log").read_text()
    evts = events(run_dir)

    evals = [e for e in evts if e["type"] == "eval"]
    assert [e["step"] for e in evals] == [0, 2, 4, 6]
    replay = BestModelTracker("eval_reward", True, None)
    assert [bool(e.get("is_best")) for e in evals] == [replay.update(e["step"], e["metrics"]) for e in evals]
    best_events = [e for e in evts if e["type"] == "checkpoint" and e["kind"] == "best"]
    assert [e["step"] for e in best_events] == [e["step"] for e in evals if e.get("is_best")]
    assert best_events[-1]["path"] == "best_model" and best_events[-1]["value"] == replay.best_value

    meta = json.loads((run_dir / "best_model" / "metadata.json").read_text())
    snapshot = json.loads((run_dir / "config.json").read_text())
    assert (meta["step"], meta["metric"], meta["value"]) == (replay.best_step, "eval_reward", replay.best_value)
    assert meta["config_hash"] == config_hash(snapshot)
    # the saved best model really scores the recorded value (greedy evaluation is deterministic on CPU)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from rlstudio.training.evaluation import evaluate
    from rlstudio.rewards import load_reward_functions
    from rlstudio.generation.rollout import SamplingParams
    from rlstudio.training.loop import _eval_records

    best = AutoModelForCausalLM.from_pretrained(run_dir / "best_model")
    tok = AutoTokenizer.from_pretrained(run_dir / "best_model")
    cfg = load_config(config)
    metrics, _ = evaluate(best, tok, _eval_records(cfg["eval"]), cfg["data"], load_reward_functions(cfg["rewards"], run_dir),
                          SamplingParams(cfg["sampling"]["max_completion_length"], do_sample=False), torch.device("cpu"))
    assert abs(metrics["eval_reward"] - meta["value"]) < 1e-6, (metrics["eval_reward"], meta)

    # final/ is the last step's model, as plain transformers loads it
    final_events = [e for e in evts if e["type"] == "checkpoint" and e["kind"] == "final"]
    assert [(e["step"], e["path"]) for e in final_events] == [(6, "final")]
    AutoModelForCausalLM.from_pretrained(run_dir / "final")
    final_w = load_file(str(run_dir / "final" / "model.safetensors"))
    step_w = load_file(str(run_dir / "checkpoints" / "step_6" / "model" / "model.safetensors"))
    assert all(torch.equal(final_w[k], step_w[k]) for k in step_w)
    assert not list(run_dir.glob(".*.tmp")) and not list(run_dir.glob(".*.old"))

    stats = json.loads((run_dir / "training_stats.json").read_text())
    assert (stats["status"], stats["reason"], stats["steps_completed"]) == ("completed", "max_steps", 6)
    assert stats["best_model"]["step"] == meta["step"] and len(stats["eval_history"]) == 4

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir / "tensorboard"))
    acc.Reload()
    # the reward on the steps that generated (num_iterations 2, as TRL logs it), the loss on every step
    assert [s.step for s in acc.Scalars("reward")] == [1, 3, 5]
    assert [s.step for s in acc.Scalars("loss")] == [1, 2, 3, 4, 5, 6]
    assert [s.step for s in acc.Scalars("eval_reward")] == [0, 2, 4, 6]
    assert [s.value for s in acc.Scalars("eval_reward")] == [pytest_approx(e["metrics"]["eval_reward"]) for e in evals]

    for name in ("reward", "kl", "loss", "entropy", "completion_length"):
        png = run_dir / "plots" / f"{name}.png"
        assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
        assert png.stat().st_size > 10_000, f"{png} is too small to be a chart"


def pytest_approx(value):
    import pytest

    return pytest.approx(value, rel=1e-6)  # TensorBoard stores float32


def test_early_stopping_completes_the_run_and_resume_keeps_the_patience_count(tmp_path):
    # an untrained tiny model answers no held-out problem: eval_accuracy stays 0, so step 0 is the best and
    # patience 2 runs out at the evaluation of step 4
    config = _eval_config(tmp_path, training__max_steps=12, checkpointing__save_steps=1, checkpointing__keep_last=2,
                          eval__metric_for_best_model="eval_accuracy", eval__early_stopping_patience=2)
    run_dir = tmp_path / "run"
    assert run(load_config(config), run_dir) == 0, (run_dir / "trainer.log").read_text()
    evts = events(run_dir)
    assert [e["metrics"]["eval_accuracy"] for e in evts if e["type"] == "eval"] == [0.0, 0.0, 0.0]
    finished = [e for e in evts if e["type"] == "run_finished"]
    assert [(e["status"], e["reason"], e["step"]) for e in finished] == [("completed", "early_stopping", 4)]
    assert json.loads((run_dir / "best_model" / "metadata.json").read_text())["step"] == 0
    assert (run_dir / "final" / "model.safetensors").is_file()
    assert json.loads((run_dir / "training_stats.json").read_text())["reason"] == "early_stopping"
    # keep_last 2 pruned steps 1-2 but never the newest; best_model/ (step 0) lives outside checkpoints/ and stays
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["step_3", "step_4"]

    # resuming the stopped run finds its patience spent and stops at once
    assert cli_main(["resume", "--run-dir", str(run_dir)]) == 0
    # step_3 holds "1 evaluation without improvement" (step 2): the eval at step 4 spends the patience again. A fresh
    # count would make step 4 the best and run on to step 8.
    assert cli_main(["resume", "--run-dir", str(run_dir), "--checkpoint", "step_3"]) == 0
    finished = [e for e in events(run_dir) if e["type"] == "run_finished"]
    assert [(e["reason"], e["step"]) for e in finished] == [("early_stopping", 4)] * 3
    assert json.loads((run_dir / "best_model" / "metadata.json").read_text())["step"] == 0
