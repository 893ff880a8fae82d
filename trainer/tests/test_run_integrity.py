"""A run directory has one owner; damaged checkpoints are named and skipped; user errors read as messages; exit codes
say how a run ended; reward functions see every dataset column."""
import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from helpers import cli, events, learning_setup, run_cli, step_metrics, weights
from rlstudio.run_directory.checkpoint import list_checkpoints, remove_leftovers
from rlstudio.run_directory.folder_manifest import manifest_problems
from rlstudio.user_errors import EXIT_COMPLETED, EXIT_FAILED, EXIT_INVALID, EXIT_REFUSED, EXIT_STOPPED


def _wait_for_step(run_dir: Path, step: int, proc, timeout=240) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if (run_dir / "events.jsonl").exists() and any(e["type"] == "metrics" and e["step"] >= step for e in events(run_dir)):
            return
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the trainer")


def _snapshot(run_dir: Path) -> dict:
    return {str(p.relative_to(run_dir)): p.stat().st_size for p in sorted(run_dir.rglob("*")) if p.is_file()}


def test_a_live_run_has_one_owner_and_a_finished_one_is_not_overwritten(tmp_path):
    config = learning_setup(tmp_path, training__max_steps=200, checkpointing__save_steps=1)
    run_dir = tmp_path / "run"
    live = cli("train", "--config", str(config), "--run-dir", str(run_dir))
    try:
        _wait_for_step(run_dir, 2, live)
        for argv in (["train", "--config", str(config), "--run-dir", str(run_dir)], ["resume", "--run-dir", str(run_dir)],
                     ["train", "--config", str(config), "--run-dir", str(run_dir), "--start-over"]):
            n_events = len(events(run_dir))
            code, out = run_cli(*argv)
            assert code == EXIT_REFUSED, out
            assert "in use by a live trainer" in out and f"pid {live.pid}" in out and "Traceback" not in out, out
            assert live.poll() is None
            assert not [e for e in events(run_dir)[n_events:] if e["type"] in ("run_started", "resumed", "run_finished")]
        live.send_signal(signal.SIGINT)
        out, _ = live.communicate(timeout=120)
        assert live.returncode == EXIT_STOPPED, out
    finally:
        if live.poll() is None:
            live.kill()
    # every step_<N> folder is whole and matches its manifest: nothing of the refused processes got in
    named = sorted(p.name for p in (run_dir / "checkpoints").iterdir())
    assert named == [c.name for c in list_checkpoints(run_dir)]
    assert not any(manifest_problems(c) for c in list_checkpoints(run_dir))

    # a stopped run is not overwritten by a new train; --start-over trains from scratch
    before = _snapshot(run_dir)
    code, out = run_cli("train", "--config", str(config), "--run-dir", str(run_dir), "--set", "training.max_steps=2")
    assert code == EXIT_REFUSED and "already holds a run" in out and "--start-over" in out, out
    assert _snapshot(run_dir) == before
    code, out = run_cli("train", "--config", str(config), "--run-dir", str(run_dir), "--set", "training.max_steps=2",
                        "--start-over")
    assert code == EXIT_COMPLETED, out
    kinds = [e["type"] for e in events(run_dir)]
    assert kinds.count("run_started") == 1 and "resumed" not in kinds and kinds[-1] == "run_finished"


def test_a_killed_owner_leaves_a_stale_lock_that_the_next_resume_names_and_takes_over(tmp_path):
    config = learning_setup(tmp_path, training__max_steps=4, checkpointing__save_steps=1)
    run_dir = tmp_path / "run"
    p = cli("train", "--config", str(config), "--run-dir", str(run_dir))
    _wait_for_step(run_dir, 2, p)
    os.kill(p.pid, signal.SIGKILL)
    p.communicate(timeout=60)
    code, out = run_cli("resume", "--run-dir", str(run_dir))
    assert code == EXIT_COMPLETED, out
    assert f"pid {p.pid}" in out and "ended without releasing it" in out, out
    alerts = [e for e in events(run_dir) if e["type"] == "alert" and e["code"] == "resume_notice"]
    assert alerts and f"pid {p.pid}" in alerts[0]["message"]
    assert (run_dir / ".rlstudio.lock").read_text() == ""  # released cleanly


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("finished")
    config = learning_setup(tmp, training__max_steps=4, checkpointing__save_steps=1, checkpointing__keep_last=4)
    run_dir = tmp / "run"
    code, out = run_cli("train", "--config", str(config), "--run-dir", str(run_dir))
    assert code == EXIT_COMPLETED, out
    return run_dir


@pytest.mark.parametrize("damaged", ["model/model.safetensors", "optimizer.pt"])
def test_a_damaged_newest_checkpoint_is_named_and_resume_continues_from_the_previous_intact_one(tmp_path, finished_run, damaged):
    run_dir = tmp_path / "run"
    shutil.copytree(finished_run, run_dir)
    newest = list_checkpoints(run_dir)[-1]
    target = newest / damaged
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])  # a truncated copy
    (run_dir / "checkpoints" / ".step_1.deleting").mkdir()  # a kill during pruning left this
    finished_before = step_metrics(events(run_dir))

    code, out = run_cli("resume", "--run-dir", str(run_dir), "--checkpoint", newest.name)
    assert code == EXIT_INVALID and str(target) in out and "resume with --checkpoint step_3" in out, out

    code, out = run_cli("resume", "--run-dir", str(run_dir), "--set", "training.max_steps=4")
    assert code == EXIT_COMPLETED, out
    assert str(target) in out and "truncated" in out, out
    resumed = [e for e in events(run_dir) if e["type"] == "resumed"]
    assert resumed and Path(resumed[-1]["checkpoint"]).name == "step_3"
    alerts = [e["message"] for e in events(run_dir) if e["type"] == "alert" and e["code"] == "resume_notice"]
    assert any(str(target) in a for a in alerts), alerts
    # the step redone from the intact checkpoint equals the first time, and the damaged folder was rewritten
    assert step_metrics(events(run_dir))[4] == finished_before[4]
    assert (weights(newest / "model")["model.embed_tokens.weight"] == weights(run_dir / "final")["model.embed_tokens.weight"]).all()
    assert not (run_dir / "checkpoints" / ".step_1.deleting").exists()


def test_remove_leftovers(tmp_path):
    for name in (".step_3.tmp", ".step_2.deleting", "step_4"):
        (tmp_path / name).mkdir()
    remove_leftovers(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["step_4"]


def test_a_run_that_fails_before_it_starts_still_has_a_start_and_says_why(tmp_path):
    model = tmp_path / "broken-model"
    model.mkdir()
    (model / "config.json").write_text('{"model_type": "no-such-architecture"}')
    config = learning_setup(tmp_path, model__name_or_path=str(model))
    run_dir = tmp_path / "run"
    code, out = run_cli("train", "--config", str(config), "--run-dir", str(run_dir))
    assert code == EXIT_FAILED, out
    kinds = [e["type"] for e in events(run_dir)]
    assert kinds == ["run_started", "run_finished"], kinds
    finished = events(run_dir)[-1]
    assert finished["status"] == "failed" and "no-such-architecture" in finished["error"]["message"]


def test_a_reward_error_is_a_message_and_its_traceback_goes_to_the_log(tmp_path):
    (tmp_path / "boom.py").write_text("def boom(completions, **kw):\n    raise ValueError('my bug')\n")
    config = learning_setup(tmp_path)
    cfg = json.loads(config.read_text())
    cfg["rewards"] = [{"function": str(tmp_path / "boom.py") + ":boom"}]
    config.write_text(json.dumps(cfg))
    run_dir = tmp_path / "run"
    code, out = run_cli("train", "--config", str(config), "--run-dir", str(run_dir))
    assert code == EXIT_FAILED, out
    assert "reward function 'boom'" in out and "my bug" in out and "boom.py\", line 2" in out, out
    assert "rlstudio/training/loop.py" not in out, out  # RL Studio's own stack is not the user's business...
    assert "rlstudio/training/loop.py" in (run_dir / "trainer.log").read_text()  # ...but it is in the log


def test_reward_functions_receive_every_dataset_column(tmp_path):
    from rlstudio.data.datasets import PromptRecord, column_names
    from rlstudio.rewards import load_reward_functions, score_completions

    (tmp_path / "seen.py").write_text("def seen(completions, **kw):\n"
                                      "    return [1.0 if kw['difficulty'][i] is None else 2.0 for i in range(len(completions))]\n")
    funcs = load_reward_functions([{"function": "seen.py:seen"}], tmp_path)
    with_col = PromptRecord("p", None, {"difficulty": "hard", "reference": None}, "a:1")
    without = PromptRecord("q", None, {"reference": None}, "b:1")
    columns = column_names([[with_col], [without]])
    assert columns == ["difficulty", "reference"]
    # a batch drawn only from the dataset without the column still receives it (None), so the function runs the same
    scores = score_completions(funcs, [without], ["q"], ["x"], [[1]], columns=columns)
    assert scores.total.tolist() == [1.0]
