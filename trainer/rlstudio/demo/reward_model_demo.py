"""`demo --algorithm ppo --reward-model`: the arithmetic PPO demo scored by a reward model instead of the reward
functions. It first writes the demo's preference pairs (what `demo-data --kind arithmetic-preferences` writes) and
trains a reward model on them (what `reward-model train --config` does), then trains PPO with
`reward_model:<that model>` as its reward. builtin:accuracy stays in the rewards at weight 0: scored and logged
(`rewards/accuracy/mean`) but never trained on, so the summary can say how often the answers are right."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

PREFERENCES_DIR = "preferences"


@dataclass
class TrainedRewardModel:
    folder: Path  # the saved AutoModelForSequenceClassification folder
    run_dir: Path
    pair_accuracy: float | None  # held-out pair accuracy: chosen scored above rejected


def train_demo_reward_model(out: Path) -> TrainedRewardModel:
    """The demo's preference pairs under out/preferences/, and a reward model trained on them in its own run."""
    from rlstudio.demo.preference_pairs import write_preference_pairs
    from rlstudio.outputs.event_reader import read_events
    from rlstudio.reward_model.config import load_reward_model_config
    from rlstudio.reward_model.trainer import train_reward_model
    from rlstudio.training.loop import new_run_dir

    paths = write_preference_pairs(Path(out) / PREFERENCES_DIR)
    print(f"preference pairs and reward-model config: {paths['config']}", flush=True)
    cfg = load_reward_model_config(paths["config"])
    run_dir = new_run_dir(cfg)
    train_reward_model(cfg, run_dir, config_path=str(paths["config"]))  # raises when it fails
    evals = [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "eval"]
    accuracy = evals[-1]["metrics"]["eval_accuracy"] if evals else None
    return TrainedRewardModel(run_dir / "model", run_dir, accuracy)


def reward_model_rewards(folder: str) -> list[dict]:
    return [{"function": f"reward_model:{folder}", "weight": 1.0},
            # weight 0: logged as rewards/accuracy/mean, not part of the reward PPO trains on
            {"function": "builtin:accuracy", "weight": 0.0}]


def write_reward_model_config(config: dict, out: Path, model: TrainedRewardModel) -> Path:
    """The PPO demo config with the reward model as its reward, written beside the demo data."""
    out = Path(out)
    config = dict(config, name=f"{config['name']}-reward-model",
                  rewards=reward_model_rewards(os.path.relpath(model.folder, out)))
    path = out / "arithmetic-ppo-reward-model.rlstudio.json"
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path
