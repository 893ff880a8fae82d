"""Checkpoints and resume: a run stopped with SIGINT and resumed equals an uninterrupted run, bitwise on CPU."""
import json
import signal
import time
from pathlib import Path

from safetensors.torch import load_file

from helpers import arithmetic_setup, cli, events, run_cli, step_metrics
from rlstudio.checkpoint import latest_checkpoint, list_checkpoints, prune_checkpoints


def _validator():
    from jsonschema import Draft7Validator

    schema = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "trainer-event.schema.json").read_text())
    return Draft7Validator(schema)


def _wait_for_step(run_dir: Path, step: int, proc, timeout=240) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if (run_dir / "events.jsonl").exists() and any(
                e["type"] == "metrics" and e["step"] >= step for e in events(run_dir)):
            return
        if proc.poll() is not None:
            raise AssertionError(f"trainer exited early:\n{proc.stdout.read()}")
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the trainer")


def test_sigint_resume_equals_uninterrupted(tmp_path):
    # num_iterations 2 and beta > 0: resume mid-way through a generation batch must restore old/ref log-probs too
    config = arithmetic_setup(tmp_path, grpo__num_iterations=2, grpo__beta=0.05, training__max_steps=7)
    a, b = tmp_path / "a", tmp_path / "b"
    code, out = run_cli("train", "--config", str(config), "--run-dir", str(a))
    assert code == 0, out

    p = cli("train", "--config", str(config), "--run-dir", str(b))
    _wait_for_step(b, 2, p)
    p.send_signal(signal.SIGINT)
    out_b, _ = p.communicate(timeout=240)
    stopped = [e for e in events(b) if e["type"] == "run_finished"]
    assert stopped and stopped[-1]["status"] == "stopped", out_b
    k = stopped[-1]["step"]
    assert 2 <= k < 7, out_b
    assert latest_checkpoint(b).name == f"step_{k}"

    # the config file changed on disk after the run started: resume must use the snapshot and say so
    edited = json.loads(config.read_text())
    edited["training"]["learning_rate"] = 0.5
    config.write_text(json.dumps(edited))
    code, out = run_cli("resume", "--run-dir", str(b))
    assert code == 0, out
    assert "changed since the run started" in out

    ev_a, ev_b = events(a), events(b)
    resumed = [e for e in ev_b if e["type"] == "resumed"]
    assert len(resumed) == 1 and resumed[0]["step"] == k and "changed" in resumed[0]["message"]
    ma, mb = step_metrics(ev_a), step_metrics(ev_b)
    assert sorted(ma) == sorted(mb) == list(range(1, 8))
    for s in ma:
        assert ma[s] == mb[s], f"step {s} differs: {ma[s]} vs {mb[s]}"
    wa = load_file(str(a / "checkpoints" / "step_7" / "model" / "model.safetensors"))
    wb = load_file(str(b / "checkpoints" / "step_7" / "model" / "model.safetensors"))
    assert wa.keys() == wb.keys()
    for name in wa:
        assert (wa[name] == wb[name]).all(), name

    # every event of both runs follows the schema
    v = _validator()
    for e in ev_a + ev_b:
        errors = list(v.iter_errors(e))
        assert not errors, (e["type"], errors[0].message)
    kinds = {e["type"] for e in ev_b}
    assert {"run_started", "resumed", "metrics", "samples", "checkpoint", "run_finished", "phase"} <= kinds
    sample = next(e for e in ev_b if e["type"] == "samples")["samples"][0]
    assert len(sample["completion_ids"]) == len(sample["tokens"]) == len(sample["loss_mask"]) == sample["length"]
    assert Path(sample["source"].rpartition(":")[0]).is_file()  # the dataset row, for re-scoring with its columns
    # keep_last 2: only the two newest step checkpoints remain
    assert [c.name for c in list_checkpoints(b)] == ["step_6", "step_7"]


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
    assert code == 2 and "no complete checkpoint" in out
