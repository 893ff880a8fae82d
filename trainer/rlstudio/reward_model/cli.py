"""`python -m rlstudio reward-model train --config F [--run-dir D]` (hooked into rlstudio.cli's sub-commands)."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub) -> None:
    rm = sub.add_parser("reward-model", help="train a Bradley-Terry reward model on preference pairs")
    rm_sub = rm.add_subparsers(dest="reward_model_command", required=True)
    tr = rm_sub.add_parser("train", help="train from a *.reward-model.json config (schemas/reward-model-config.schema.json)")
    tr.add_argument("--config", required=True)
    tr.add_argument("--run-dir", help="run directory (default: <output_dir>/<name>-<timestamp>)")


def run(args: argparse.Namespace) -> int:
    from rlstudio.reward_model.config import load_reward_model_config
    from rlstudio.reward_model.trainer import train_reward_model

    cfg = load_reward_model_config(args.config)
    if args.run_dir:
        run_dir = Path(args.run_dir).resolve()
        if run_dir.exists() and any(run_dir.iterdir()):
            from rlstudio.user_errors import UserError

            raise UserError(f"{run_dir}: the run directory already holds files; pick a new one")
        if run_dir.exists():
            run_dir.rmdir()
    else:
        from rlstudio.training.loop import new_run_dir

        run_dir = new_run_dir(cfg)
    return train_reward_model(cfg, run_dir, config_path=str(Path(args.config).resolve()))
