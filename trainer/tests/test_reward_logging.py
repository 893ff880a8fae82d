"""TRL 1.16's reward-function API: a reward file written for TRL that calls log_extra and log_metric and reads
trainer_state.log_history works unchanged; its columns reach the samples events, its scalars the metrics events."""
import json

from jsonschema import Draft7Validator

from helpers import REPO, arithmetic_setup, events
from rlstudio.config.run_config import load_config
from rlstudio.rewards.reward_logs import RewardLogs, log_history_from_events, mean_over_processes
from rlstudio.training.loop import run

TRL_REWARD = '''
import json
from pathlib import Path

SEEN = Path(__file__).with_name("seen.jsonl")

def length_reward(completions, log_extra=None, log_metric=None, trainer_state=None, **kwargs):
    lengths = [len(c) for c in completions]
    log_extra("length_bucket", ["long" if n > 8 else "short" for n in lengths])
    log_metric("custom/mean_chars", sum(lengths) / len(lengths))
    with SEEN.open("a") as f:
        f.write(json.dumps([trainer_state.global_step, [h["step"] for h in trainer_state.log_history],
                            [h["step"] for h in trainer_state.log_history if "reward" in h]]) + "\\n")
    return [-abs(n - 6) / 10 for n in lengths]
'''


def test_a_trl_reward_file_that_logs_and_reads_log_history_works_unchanged(tmp_path):
    config_path = arithmetic_setup(tmp_path)
    (config_path.parent / "trl_reward.py").write_text(TRL_REWARD)
    cfg = json.loads(config_path.read_text())
    cfg["rewards"] = [{"function": "trl_reward.py:length_reward"}]
    cfg["training"].update(max_steps=3, per_device_train_batch_size=8)
    cfg["checkpointing"].update(save_steps=None)
    config_path.write_text(json.dumps(cfg))
    assert run(load_config(config_path), tmp_path / "run") == 0

    evts = events(tmp_path / "run")
    metrics = [e for e in evts if e["type"] == "metrics" and e.get("phase", "rl") == "rl"]
    assert [m["step"] for m in metrics] == [1, 2, 3]
    # a reward function's log_metric is a generation metric: logged on the steps that generated (1 and 3), as in TRL
    assert [m["step"] for m in metrics if "custom/mean_chars" in m["metrics"]] == [1, 3]
    assert all(m["metrics"]["custom/mean_chars"] > 0 for m in metrics if m["step"] != 2)
    samples = [s for e in evts if e["type"] == "samples" for s in e["samples"]]
    assert samples and all(s["extra"]["length_bucket"] == ("long" if len(s["completion"]) > 8 else "short")
                           for s in samples)
    validator = Draft7Validator(json.loads((REPO / "schemas" / "trainer-event.schema.json").read_text()))
    for e in evts:
        assert not list(validator.iter_errors(e)), e["type"]

    seen = [json.loads(line) for line in (config_path.parent / "seen.jsonl").read_text().splitlines()]
    # each generation (every num_iterations = 2 steps) sees the steps logged before it, with their metrics: the
    # reward only on step 1, which generated (TRL's log_history has it only on generation steps too)
    assert cfg["grpo"]["num_iterations"] == 2
    assert seen == [[0, [], []], [2, [1, 2], [1]]]


def test_log_extra_length_is_checked_and_metrics_average_over_calls_and_processes():
    logs = RewardLogs(2)
    logs.log_extra("why", ["a", None])
    logs.log_metric("m", 1.0)
    logs.log_metric("m", 3.0)
    assert logs.row_extras(1) == {"why": None}
    assert mean_over_processes([logs.metric_sums(), {"m": (8.0, 2)}]) == {"m": 3.0}
    try:
        logs.log_extra("why", ["only one"])
    except Exception as e:  # noqa: BLE001
        assert "1 values for 2 completions" in str(e)
    else:
        raise AssertionError("a column with the wrong number of values was accepted")


def test_log_history_is_rebuilt_from_events_up_to_the_resumed_step(tmp_path):
    path = tmp_path / "events.jsonl"
    lines = [{"type": "metrics", "step": s, "phase": "rl", "epoch": 0, "metrics": {"reward": float(s)}} for s in (1, 2, 3)]
    lines.append({"type": "metrics", "step": 2, "phase": "rl", "epoch": 0, "metrics": {"reward": 20.0}})  # re-logged
    path.write_text("".join(json.dumps(l) + "\n" for l in lines))
    assert log_history_from_events(path, 2) == [{"reward": 1.0, "step": 1, "epoch": 0}, {"reward": 20.0, "step": 2, "epoch": 0}]
