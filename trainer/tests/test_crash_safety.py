"""Crash safety: SIGKILL the trainer at many random moments, including inside checkpoint writes, and resume each time.

Each trainer process is a fork of a pre-imported `python -m rlstudio` (tests/warm_cli.py), so a kill costs the ~1 s
a trainer needs to start rather than the ~8 s of importing torch; the last resume is a plain
`python -m rlstudio resume --run-dir D` subprocess. After every kill the run directory must hold only whole
checkpoints, the newest completed one must survive, and the next resume must start from it. At the end the run must
have finished every step, and every step that ran twice (before a kill and again after the resume) must have logged
the same metrics: a torn or stale checkpoint would have changed them. The run learns (a dense reward moves the weights
every step) against a KL reference, and its metrics and final weights must equal an uninterrupted run's, bit for bit.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from helpers import REPO, learning_setup, run_cli, weights
from rlstudio.run_directory.checkpoint import STEP_DIR, list_checkpoints
from rlstudio.outputs.event_reader import read_events

MAX_STEPS = 96
KEEP_LAST = 2
KILL_TARGET = 32  # kills planned; the loop also stops after KILL_SECONDS so the test stays near a minute and a half
KILL_SECONDS = 90.0
TEAR_AT = 5
SEED = int(os.environ.get("RLSTUDIO_CRASH_SEED") or time.time_ns() % 10_000)  # printed; set it to replay a failure


class WarmCli:
    """Client of tests/warm_cli.py: start `python -m rlstudio ARGV` as a forked child, wait for its exit status."""

    def __init__(self):
        env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("warm_cli.py"))], cwd=REPO, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._ask(None) == {"ready": True}

    def _ask(self, request: dict | None) -> dict:
        if request is not None:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"warm_cli.py exited with {self.proc.wait()}"
        return json.loads(line)

    def start(self, argv: list[str], log: Path) -> int:
        return self._ask({"argv": argv, "log": str(log)})["pid"]

    def wait(self, pid: int) -> dict:
        return self._ask({"wait": pid})

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


class RunWatcher:
    """Cheap views of a live run directory, polled every millisecond or so while a trainer runs."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir
        self.ckpt_root = run_dir / "checkpoints"

    def temp_dirs(self) -> set[str]:
        try:
            return {n for n in os.listdir(self.ckpt_root) if n.endswith(".tmp")}
        except FileNotFoundError:
            return set()

    def checkpoint_events(self) -> int:
        try:
            return (self.run_dir / "events.jsonl").read_bytes().count(b'"type": "checkpoint"')
        except FileNotFoundError:
            return 0


def alive(pid: int) -> bool:
    """True while the child runs (a finished child is a zombie until waited for: check its state)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def kill_at_a_random_moment(pid: int, watch: RunWatcher, rng: random.Random, first: bool, near_end: bool) -> str:
    """Wait for the chosen moment and SIGKILL pid; return what was aimed at ('' when the child ended first).
    Near the last step only the first checkpoint write of a process is aimed at, so the run cannot finish before
    the planned number of kills."""
    if first:
        mode = "after_checkpoint"
    elif near_end:
        mode = "checkpoint_write"
    else:
        mode = rng.choice(["checkpoint_write", "checkpoint_write", "after_checkpoint", "anytime"])
    deadline = time.time() + 30
    if mode == "anytime":  # start-up, loading the checkpoint, generation, backward, event writes...
        target = time.time() + rng.uniform(0.0, 1.2)
        while time.time() < target and alive(pid):
            time.sleep(0.005)
    elif mode == "checkpoint_write":  # the n-th checkpoint this process starts, a few ms into writing it
        n, seen = 1 if near_end else rng.randint(1, 3), set(watch.temp_dirs())
        while alive(pid) and time.time() < deadline:
            new = watch.temp_dirs() - seen
            seen |= new
            n -= len(new)
            if n <= 0:
                time.sleep(rng.uniform(0.0, 0.012))
                break
            time.sleep(0.001)
    else:  # right after a completed checkpoint: pruning, the checkpoint event, the next step
        n, start = rng.randint(1, 3), watch.checkpoint_events()
        while alive(pid) and time.time() < deadline and watch.checkpoint_events() - start < n:
            time.sleep(0.001)
        time.sleep(rng.choice([0.0, 0.0, rng.uniform(0.0, 0.02)]))
    if not alive(pid):
        return ""
    os.kill(pid, 9)
    return mode


def check_checkpoints(run_dir: Path) -> list[int]:
    """Every folder named step_<N> is whole and loads as data; returns the complete steps, oldest first."""
    root = run_dir / "checkpoints"
    named = sorted(int(STEP_DIR.match(p.name).group(1)) for p in root.iterdir() if STEP_DIR.match(p.name))
    complete = [int(p.name.split("_")[1]) for p in list_checkpoints(run_dir)]
    assert named == complete, f"a step_<N> folder is incomplete: named {named}, complete {complete}"
    for step in complete:
        folder = root / f"step_{step}"
        assert json.loads((folder / "trainer_state.json").read_text())["step"] == step
        json.loads((folder / "config.json").read_text())
        weights = load_file(str(folder / "model" / "model.safetensors"))
        assert weights and all(torch.isfinite(w).all() for w in weights.values())
        for name in ("optimizer.pt", "scheduler.pt", "rng_state.pt") + (("rl_batch.pt",) if (folder / "rl_batch.pt").exists() else ()):
            torch.load(folder / name, weights_only=True)
    return complete


def metrics_by_step(run_dir: Path) -> dict[int, list[dict]]:
    """Every logged copy of each RL step's metrics (a step re-run after a resume is logged again)."""
    timing = ("step_time", "generation_time", "tokens_per_second")
    out: dict[int, list[dict]] = {}
    for e in read_events(run_dir / "events.jsonl"):
        if e["type"] == "metrics" and e.get("phase", "rl") == "rl":
            out.setdefault(e["step"], []).append({k: v for k, v in e["metrics"].items() if k not in timing})
    return out


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line)
        return True
    except ValueError:
        return False


ALGORITHMS = {
    # num_iterations 2 puts a mid-generation batch into odd checkpoints; beta > 0 adds the reference log-probs
    "grpo": dict(grpo__num_iterations=2, grpo__beta=0.04),
    # a 16-prompt rollout serves 2 epochs x 2 mini-batches: most checkpoints are mid-batch, and each carries the critic
    "ppo": dict(algorithm="ppo", ppo={"num_ppo_epochs": 2, "num_mini_batches": 2, "kl_coef": 0.04}),
}


@pytest.mark.parametrize("algorithm", list(ALGORITHMS))
def test_sigkill_at_random_moments_never_tears_or_loses_a_checkpoint(tmp_path, algorithm):
    t_test = time.time()
    config = learning_setup(tmp_path, training__max_steps=MAX_STEPS, training__per_device_train_batch_size=8,
                            checkpointing__save_steps=1, checkpointing__keep_last=KEEP_LAST,
                            logging__completions_steps=3, **ALGORITHMS[algorithm])
    run_dir = tmp_path / "run"
    rng = random.Random(SEED)
    watch = RunWatcher(run_dir)
    warm = WarmCli()
    kills: list[dict] = []
    newest_seen = 0  # newest complete checkpoint observed after any kill: it must never disappear
    try:
        t_kills = time.time()
        while len(kills) < KILL_TARGET and time.time() - t_kills < KILL_SECONDS:
            first = not kills
            argv = ["train", "--config", str(config), "--run-dir", str(run_dir)] if first else ["resume", "--run-dir", str(run_dir)]
            expected_start = 0 if first else list_checkpoints(run_dir)[-1]
            pid = warm.start(argv, tmp_path / f"launch_{len(kills)}.log")
            aimed = kill_at_a_random_moment(pid, watch, rng, first, near_end=newest_seen >= MAX_STEPS - 8)
            status = warm.wait(pid)
            log = (tmp_path / f"launch_{len(kills)}.log").read_text()
            if not aimed:  # the run got to the end before the chosen moment
                assert status["exit_code"] == 0, log
                break
            assert status["signal"] == 9, (status, log)
            torn_write = sorted(watch.temp_dirs())
            complete = check_checkpoints(run_dir)
            assert complete, f"kill {len(kills) + 1} ({aimed}) left no complete checkpoint"
            assert complete[-1] >= newest_seen, f"checkpoint step_{newest_seen} was lost; now {complete}"
            assert len(complete) >= min(KEEP_LAST, complete[-1]), f"keep_last {KEEP_LAST} but only {complete} remain"
            newest_seen = complete[-1]
            announced = [e["step"] for e in read_events(run_dir / "events.jsonl") if e["type"] == "checkpoint"]
            assert complete[-1] >= max(announced), f"announced step_{max(announced)} but newest complete is {complete}"
            if not first:
                resumed = [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "resumed" and e.get("pid") == pid]
                for e in resumed:  # none when the kill came before the checkpoint finished loading
                    assert Path(e["checkpoint"]) == expected_start, (e, expected_start)
            kills.append({"aimed": aimed, "inside_write": bool(torn_write), "newest": complete[-1]})
            if len(kills) == TEAR_AT:  # what a kill inside a long events.jsonl write leaves: a line without its end
                with open(run_dir / "events.jsonl", "ab") as f:
                    f.write(b'{"type": "samples", "time": 1.0, "step": 3, "samples": [{"prompt": "Ann has')
    finally:
        warm.close()

    # the last resume is the real command line, and it finishes the run
    code, out = run_cli("resume", "--run-dir", str(run_dir), timeout=120)
    assert code == 0, out
    evts = read_events(run_dir / "events.jsonl")
    finished = [e for e in evts if e["type"] == "run_finished"]
    assert finished and finished[-1]["status"] == "completed" and finished[-1]["step"] == MAX_STEPS, finished[-1:]
    assert [c.name for c in list_checkpoints(run_dir)][-1] == f"step_{MAX_STEPS}"
    assert not watch.temp_dirs(), "a leftover .tmp checkpoint was not cleaned up"
    assert (run_dir / "final" / "model.safetensors").is_file()
    assert json.loads((run_dir / "training_stats.json").read_text())["status"] == "completed"

    # the torn line stays one bad line of its own, and the reader goes on past it
    lines = (run_dir / "events.jsonl").read_bytes().split(b"\n")
    bad = [line for line in lines if line.strip() and not _is_json(line)]
    assert len(bad) == 1 and bad[0].startswith(b'{"type": "samples", "time": 1.0'), bad
    assert len(evts) == len(lines) - 1 - sum(1 for line in lines if not line.strip()), "every complete line was read"
    assert sum(e["type"] == "resumed" for e in evts) >= len(kills) // 2

    logged = metrics_by_step(run_dir)
    assert sorted(logged) == list(range(1, MAX_STEPS + 1))
    rerun = {step: copies for step, copies in logged.items() if len(copies) > 1}
    for step, copies in rerun.items():
        for copy in copies[1:]:
            assert copy == copies[0], f"step {step} logged different metrics after a resume: {copies[0]} vs {copy}"

    # the same run without a single kill: every step's metrics and the final weights, bit for bit
    code, out = run_cli("train", "--config", str(config), "--run-dir", str(tmp_path / "uninterrupted"), timeout=300)
    assert code == 0, out
    clean = metrics_by_step(tmp_path / "uninterrupted")
    assert all(clean[s][0]["grad_norm"] > 0 for s in clean), "the model must learn on every step"
    for step in clean:
        assert logged[step][0] == clean[step][0], f"step {step} differs from the uninterrupted run"
    w_clean, w_killed = weights(tmp_path / "uninterrupted" / "final"), weights(run_dir / "final")
    assert all((w_clean[k] == w_killed[k]).all() for k in w_clean), "final weights differ from the uninterrupted run"
    if algorithm == "ppo":
        c_clean = weights(tmp_path / "uninterrupted" / "checkpoints" / f"step_{MAX_STEPS}" / "critic")
        c_killed = weights(run_dir / "checkpoints" / f"step_{MAX_STEPS}" / "critic")
        assert all((c_clean[k] == c_killed[k]).all() for k in c_clean), "final critic differs from the uninterrupted run"

    inside = sum(k["inside_write"] for k in kills)
    summary = (f"crash test ({algorithm}, seed {SEED}): {len(kills)} SIGKILLs, {inside} inside a checkpoint write, "
               f"aimed {dict((m, sum(k['aimed'] == m for k in kills)) for m in ('checkpoint_write', 'after_checkpoint', 'anytime'))}, "
               f"{len(rerun)} steps re-run after a kill with identical metrics, {time.time() - t_test:.0f}s")
    print(summary)
    assert len(kills) >= 30, summary
    assert inside >= 3, summary


def test_a_kill_while_replacing_a_checkpoint_leaves_the_old_one_in_place(tmp_path):
    """Re-saving step_N moves the old folder aside, renames the new one in, then deletes the old: a kill between
    the renames leaves only .step_N.replaced, which the next resume (or save) puts back."""
    from rlstudio.run_directory.checkpoint import resolve_checkpoint

    for step in (3, 4):
        folder = tmp_path / "checkpoints" / f"step_{step}"
        (folder / "model").mkdir(parents=True)
        (folder / "trainer_state.json").write_text(json.dumps({"step": step}))
    (tmp_path / "checkpoints" / "step_4").rename(tmp_path / "checkpoints" / ".step_4.replaced")
    assert resolve_checkpoint(tmp_path, None).name == "step_4"
    assert not (tmp_path / "checkpoints" / ".step_4.replaced").exists()
