"""Shared helpers for trainer tests: tiny configs on the arithmetic demo data, running the CLI, reading events."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rlstudio.training.phase_clock import WALL_CLOCK_METRICS

REPO = Path(__file__).resolve().parents[2]


def arithmetic_setup(tmp_path: Path, **overrides) -> Path:
    """Write small arithmetic data + a config for quick runs; returns the config path."""
    from rlstudio.demo.commands import write_demo_data

    paths = write_demo_data("arithmetic", tmp_path / "data")
    cfg = json.loads(paths["config"].read_text())
    cfg["warm_start"]["steps"] = 0
    cfg["training"].update(max_steps=6, per_device_train_batch_size=16, learning_rate=3e-3)
    cfg["grpo"].update(num_generations=4)
    cfg["sampling"].update(max_completion_length=10)
    cfg["eval"].update(enabled=False)
    cfg["logging"].update(completions_steps=1, report_to=[])  # TensorBoard costs seconds per process; tested on its own
    cfg["checkpointing"].update(save_steps=2, keep_last=2)
    for key, value in overrides.items():
        node = cfg
        parts = key.split("__")
        for p in parts[:-1]:
            node = node[p]
        node[parts[-1]] = value
    if cfg.get("algorithm") == "ppo":
        cfg.pop("grpo", None)  # the demo config is GRPO's; a PPO config reads only its ppo block
    out = paths["config"].with_name("test.rlstudio.json")
    out.write_text(json.dumps(cfg, indent=2))
    return out


# A dense reward (TRL's documentation example): almost any two completions score differently, so every GRPO step has
# non-zero advantages and the weights change every step. A resume test whose model never learns proves nothing.
LEARNING_REWARD = [{"function": str(REPO / "trainer" / "tests" / "fixtures" / "trl_rewards.py") + ":reward_len",
                    "weight": 0.05}]


def learning_setup(tmp_path: Path, **overrides) -> Path:
    """arithmetic_setup with the dense reward."""
    return arithmetic_setup(tmp_path, rewards=LEARNING_REWARD, **overrides)


def weights(folder: Path) -> dict:
    """Every tensor of a saved model folder (full model or adapter)."""
    from safetensors.torch import load_file

    (file,) = [p for p in Path(folder).glob("*.safetensors")]
    return load_file(str(file))


def cli(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    full_env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "rlstudio", *args], cwd=REPO, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def run_cli(*args: str, timeout: int = 300) -> tuple[int, str]:
    p = cli(*args)
    out, _ = p.communicate(timeout=timeout)
    return p.returncode, out


def events(run_dir: Path) -> list[dict]:
    from rlstudio.outputs.event_reader import read_events

    return read_events(Path(run_dir) / "events.jsonl")


def step_metrics(evts: list[dict], drop=WALL_CLOCK_METRICS) -> dict[int, dict]:
    """RL metrics by step; a later event for the same step (after a resume) replaces an earlier one."""
    out = {}
    for e in evts:
        if e["type"] == "metrics" and e.get("phase", "rl") == "rl":
            out[e["step"]] = {k: v for k, v in e["metrics"].items() if k not in drop}
    return out
