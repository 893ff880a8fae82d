"""python -m rlstudio {train, resume, validate, infer, demo-data, demo, rewards}."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rlstudio", description="RL Studio trainer (GRPO fine-tuning of causal LMs)")
    sub = p.add_subparsers(dest="command", required=True)

    tr = sub.add_parser("train", help="train from a *.rlstudio.json config")
    tr.add_argument("--config", required=True)
    tr.add_argument("--run-dir", help="run directory (default: <output_dir>/<name>-<timestamp>)")
    tr.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                    help="override a config value, e.g. --set grpo.beta=0.04 (repeatable)")

    rs = sub.add_parser("resume", help="continue a run from its newest (or a named) checkpoint")
    rs.add_argument("--run-dir", required=True)
    rs.add_argument("--checkpoint", help="step_N (default: the newest complete checkpoint)")
    rs.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                    help="override a value of the run's config snapshot (e.g. training.max_steps=500)")

    va = sub.add_parser("validate", help="check a config without training (exit 2 with located errors)")
    va.add_argument("--config", required=True)
    va.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")

    inf = sub.add_parser("infer", help="generate with a checkpoint")
    inf.add_argument("--checkpoint", required=True, help="a checkpoint folder (step_N, its model/ folder, or any HF model folder)")
    g = inf.add_mutually_exclusive_group(required=True)
    g.add_argument("--prompt")
    g.add_argument("--prompts-file", help="one prompt per line, or JSONL with a 'prompt' field")
    inf.add_argument("--max-new-tokens", type=int, default=None)
    inf.add_argument("--temperature", type=float, default=0.0, help="0: greedy")
    inf.add_argument("--json", action="store_true", help="print JSON lines")

    dd = sub.add_parser("demo-data", help="write a demo dataset and a ready config next to it")
    dd.add_argument("--kind", choices=["arithmetic", "finance"], required=True)
    dd.add_argument("--out", required=True)
    dd.add_argument("--max-steps", type=int, default=None)

    de = sub.add_parser("demo", help="the learning demo: arithmetic word problems with the tiny model")
    de.add_argument("--out", default=None, help="folder for the data and runs (default: ./demo)")
    de.add_argument("--max-steps", type=int, default=None)

    # the parser is declared here, not in rlstudio.rewards, whose import loads torch
    rw = sub.add_parser("rewards", help="test reward functions (JSON in, JSON out; schemas/reward-test.schema.json)")
    rsub = rw.add_subparsers(dest="rewards_command", required=True)
    te = rsub.add_parser("test", help="score cases, dataset rows or a run's recorded samples; prints a JSON report")
    te.add_argument("--input", default="-", help="the JSON request file (default: stdin)")
    te.add_argument("--output", default="-", help="where to write the JSON response (default: stdout)")
    rsub.add_parser("worker", help="answer test requests as JSON lines over stdin/stdout until stdin closes")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from rlstudio.config import ConfigError

    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "train":
            return _train(args)
        if args.command == "resume":
            return _resume(args)
        if args.command == "infer":
            from rlstudio.infer import infer_main

            return infer_main(args)
        if args.command == "demo-data":
            from rlstudio.demo import write_demo_data

            paths = write_demo_data(args.kind, Path(args.out), args.max_steps)
            for k, v in paths.items():
                print(f"{k}: {v}")
            return 0
        if args.command == "demo":
            from rlstudio.demo import run_demo

            return run_demo(Path(args.out) if args.out else None, args.max_steps)
        if args.command == "rewards":
            from rlstudio.rewards.commands import rewards_main

            return rewards_main(args)
    except ConfigError as e:
        print(str(e), file=sys.stderr)
        return 2
    return 2


def _validate(args) -> int:
    from rlstudio.config import load_config

    cfg = load_config(args.config, args.overrides)
    print(f"{args.config}: valid ({cfg['algorithm']}, model {cfg['model']['name_or_path']}, "
          f"{len(cfg['data']['datasets'])} dataset(s), {len(cfg['rewards'])} reward function(s))")
    return 0


def _train(args) -> int:
    from rlstudio.config import load_config
    from rlstudio.train import run

    cfg = load_config(args.config, args.overrides)
    run_dir = Path(args.run_dir).resolve() if args.run_dir else _shared_run_dir(cfg)
    return run(cfg, run_dir, config_path=str(Path(args.config).resolve()))


def _shared_run_dir(cfg) -> Path:
    """Under torchrun every rank must agree on the timestamped name: rank 0 picks it, others read it from env."""
    import os

    from rlstudio.train import new_run_dir

    if os.environ.get("RLSTUDIO_RUN_DIR"):
        return Path(os.environ["RLSTUDIO_RUN_DIR"])
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        raise SystemExit("under torchrun pass --run-dir (every process must use the same run directory)")
    return new_run_dir(cfg)


def _resume(args) -> int:
    from rlstudio.checkpoint import resolve_checkpoint
    from rlstudio.config import apply_override, finish_config
    from rlstudio.event_reader import read_events
    from rlstudio.train import run

    run_dir = Path(args.run_dir).resolve()
    snapshot = run_dir / "config.json"
    if not snapshot.is_file():
        print(f"{run_dir}: not a run directory (no config.json)", file=sys.stderr)
        return 2
    try:
        ckpt = resolve_checkpoint(run_dir, args.checkpoint)
    except FileNotFoundError as e:
        print(str(e), file=sys.stderr)
        return 2
    cfg = json.loads(snapshot.read_text())
    for o in args.overrides:
        apply_override(cfg, o)
    cfg = finish_config(cfg, str(snapshot), snapshot.read_text(), None)
    message = "using the run's config snapshot (config.json)"
    config_path = None
    events_path = run_dir / "events.jsonl"
    if events_path.is_file():
        started = [e for e in read_events(events_path) if e.get("type") == "run_started"]
        config_path = started[0].get("config_path") if started else None
    if config_path:
        from rlstudio.config import ConfigError, load_config

        try:
            current = load_config(config_path)
            if current != json.loads(snapshot.read_text()):
                message = (f"the config file {config_path} changed since the run started; "
                           f"the run continues with its snapshot {snapshot}")
        except (ConfigError, OSError) as e:
            message = f"the original config {config_path} is no longer usable ({str(e).splitlines()[0]}); using the snapshot"
    if args.overrides:
        message += f"; overrides: {', '.join(args.overrides)}"
    print(message, flush=True)
    return run(cfg, run_dir, config_path=config_path, resume_from=ckpt, resume_message=message)
