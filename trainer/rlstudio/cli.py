"""python -m rlstudio {train, resume, validate, infer, demo-data, demo, rewards, reward-model}.

Exit codes of train and resume (README): 0 completed, 1 failed, 2 invalid input (nothing trained), 3 refused (the run
directory is in use or already holds a run), 130 stopped by a signal after checkpointing."""
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
    tr.add_argument("--start-over", action="store_true",
                    help="when --run-dir already holds a run: delete it and train from scratch (default: refuse)")

    rs = sub.add_parser("resume", help="continue a run from its newest (or a named) checkpoint")
    rs.add_argument("--run-dir", required=True)
    rs.add_argument("--checkpoint", help="step_N (default: the newest complete checkpoint)")
    rs.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                    help="override a value of the run's config snapshot (e.g. training.max_steps=500)")

    va = sub.add_parser("validate", help="check a config as train would, without loading a model or running reward "
                                         "code (exit 2 with located errors)")
    va.add_argument("--config", required=True)
    va.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    va.add_argument("--json", action="store_true", help="print one JSON report (schemas/validation-report.schema.json)")

    inf = sub.add_parser("infer", help="generate with a checkpoint")
    inf.add_argument("--checkpoint", required=True, help="a checkpoint folder (step_N, its model/ folder, or any HF model folder)")
    g = inf.add_mutually_exclusive_group(required=True)
    g.add_argument("--prompt")
    g.add_argument("--prompts-file", help="one prompt per line, or JSONL with a 'prompt' field")
    inf.add_argument("--max-new-tokens", type=int, default=None)
    inf.add_argument("--temperature", type=float, default=0.0, help="0: greedy")
    inf.add_argument("--json", action="store_true", help="print JSON lines")

    sv = sub.add_parser("serve", help="a long-lived inference process: JSON lines over stdio "
                        "(schemas/serve-protocol.schema.json) for the editor's inference panel")
    sv.add_argument("--max-batch", type=int, default=16, help="generate requests decoded together at most")
    sv.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    sv.add_argument("--shutdown-grace", type=float, default=10.0, help="seconds to let running work stop on shutdown")

    ox = sub.add_parser("export-onnx", help="a checkpoint as ONNX with past key/values (LoRA merged), tokenizer.json "
                        "beside it, and a check that compares PyTorch's and onnxruntime's logits")
    ox.add_argument("--checkpoint", required=True)
    ox.add_argument("--out", default=None, help="folder for model.onnx (default: <checkpoint>/onnx)")
    ox.add_argument("--tolerance", type=float, default=1e-4, help="largest logit difference the check accepts, relative to the largest logit")

    dd = sub.add_parser("demo-data", help="write a demo dataset and a ready config next to it")
    dd.add_argument("--kind", choices=["arithmetic", "arithmetic-ppo", "finance", "arithmetic-preferences"], required=True,
                    help="arithmetic-ppo: the arithmetic demo with a PPO config; arithmetic-preferences: preference "
                         "pairs for the arithmetic demo and a reward-model config")
    dd.add_argument("--out", required=True)
    dd.add_argument("--max-steps", type=int, default=None)

    de = sub.add_parser("demo", help="the learning demo: arithmetic word problems with the tiny model")
    de.add_argument("--out", default=None, help="folder for the data and runs (default: ./demo)")
    de.add_argument("--max-steps", type=int, default=None)
    de.add_argument("--algorithm", choices=["grpo", "ppo"], default="grpo",
                    help="ppo: one completion per prompt, a critic, a KL penalty in the reward (default: grpo)")
    de.add_argument("--reward-model", action="store_true",
                    help="with --algorithm ppo: first train a reward model on the demo's preference pairs, then score "
                         "PPO's completions with it instead of the reward functions")

    from rlstudio.reward_model.cli import add_parser as add_reward_model_parser  # argparse only, no torch

    add_reward_model_parser(sub)

    # the parser is declared here, not in rlstudio.rewards, whose import loads torch
    rw = sub.add_parser("rewards", help="test reward functions (JSON in, JSON out; schemas/reward-test.schema.json)")
    rsub = rw.add_subparsers(dest="rewards_command", required=True)
    te = rsub.add_parser("test", help="score cases, dataset rows or a run's recorded samples; prints a JSON report")
    te.add_argument("--input", default="-", help="the JSON request file (default: stdin)")
    te.add_argument("--output", default="-", help="where to write the JSON response (default: stdout)")
    rsub.add_parser("worker", help="answer test requests as JSON lines over stdin/stdout until stdin closes")
    return p


def main(argv: list[str] | None = None) -> int:
    """Exit codes: rlstudio.user_errors (0 completed, 1 failed, 2 invalid input, 3 refused, 130 stopped)."""
    args = _parser().parse_args(argv)
    from rlstudio.user_errors import EXIT_INVALID, UserError

    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "train":
            return _train(args)
        if args.command == "resume":
            return _resume(args)
        if args.command == "infer":
            from rlstudio.serve.infer import infer_main

            return infer_main(args)
        if args.command == "serve":
            from rlstudio.serve.server import serve_main

            return serve_main(args)
        if args.command == "export-onnx":
            from rlstudio.serve.onnx_export import export_main

            return export_main(args)
        if args.command == "demo-data":
            from rlstudio.demo.commands import write_demo_data

            paths = write_demo_data(args.kind, Path(args.out), args.max_steps)
            for k, v in paths.items():
                print(f"{k}: {v}")
            return 0
        if args.command == "demo":
            from rlstudio.demo.commands import run_demo

            return run_demo(Path(args.out) if args.out else None, args.max_steps, args.algorithm, args.reward_model)
        if args.command == "reward-model":
            from rlstudio.reward_model.cli import run as reward_model_main

            return reward_model_main(args)
        if args.command == "rewards":
            from rlstudio.rewards.commands import rewards_main

            return rewards_main(args)
    except UserError as e:  # the message says it all; no traceback for the user's own mistake
        print(str(e), file=sys.stderr)
        return e.exit_code
    return EXIT_INVALID


def _config_problems(config_file: str, overrides: list[str], world_size: int | None = None):
    """(config or None, every problem train would find before loading the model: schema first, then the rest)."""
    from rlstudio.config.run_config import ConfigError, Problem, load_config
    from rlstudio.config.preflight import preflight_problems

    try:
        cfg = load_config(config_file, overrides)
    except ConfigError as e:
        return None, e.problems or [Problem(str(config_file), None, (), str(e))]
    text = Path(config_file).read_text(encoding="utf-8")
    return cfg, preflight_problems(cfg, str(config_file), text, world_size)


def _checked_config(config_file: str, overrides: list[str], world_size: int | None = None) -> dict:
    """The config, after printing warnings; ConfigError lists the errors."""
    from rlstudio.config.run_config import ConfigError

    cfg, problems = _config_problems(config_file, overrides, world_size)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ConfigError.of(errors)
    for w in problems:
        print(f"warning: {w.format()}", file=sys.stderr)
    return cfg


def _validate(args) -> int:
    if args.json:
        cfg, problems = _config_problems(args.config, args.overrides)
        valid = cfg is not None and not any(p.severity == "error" for p in problems)
        print(json.dumps({"config": str(args.config), "valid": valid, "problems": [p.to_json() for p in problems]}))
        return 0 if valid else 2
    cfg = _checked_config(args.config, args.overrides)
    print(f"{args.config}: valid ({cfg['algorithm']}, model {cfg['model']['name_or_path']}, "
          f"{len(cfg['data']['datasets'])} dataset(s), {len(cfg['rewards'])} reward function(s))")
    return 0


def _train(args) -> int:
    import os

    from rlstudio.config.preflight import check_model_reachable
    from rlstudio.training.loop import run

    cfg = _checked_config(args.config, args.overrides, int(os.environ.get("WORLD_SIZE", "0")) or None)
    check_model_reachable(cfg["model"]["name_or_path"])
    run_dir = Path(args.run_dir).resolve() if args.run_dir else _shared_run_dir(cfg)
    return run(cfg, run_dir, config_path=str(Path(args.config).resolve()), start_over=args.start_over)


def _shared_run_dir(cfg) -> Path:
    """Under torchrun every rank must agree on the timestamped name: rank 0 picks it, others read it from env."""
    import os

    from rlstudio.training.loop import new_run_dir

    if os.environ.get("RLSTUDIO_RUN_DIR"):
        return Path(os.environ["RLSTUDIO_RUN_DIR"])
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        raise SystemExit("under torchrun pass --run-dir (every process must use the same run directory)")
    return new_run_dir(cfg)


def _resume(args) -> int:
    import os

    from rlstudio.run_directory.checkpoint import find_resumable
    from rlstudio.config.run_config import apply_override, finish_config
    from rlstudio.outputs.event_reader import read_events
    from rlstudio.run_directory.lock import refuse_if_live
    from rlstudio.training.loop import run

    run_dir = Path(args.run_dir).resolve()
    snapshot = run_dir / "config.json"
    if not snapshot.is_file():
        from rlstudio.user_errors import UserError

        raise UserError(f"{run_dir}: not a run directory (no config.json)")
    if int(os.environ.get("RANK", "0")) == 0:  # under torchrun rank 0 takes the lock; the others must not see it as busy
        refuse_if_live(run_dir)  # before reading (and tidying) the checkpoints of a run that another process writes
    ckpt, skipped = find_resumable(run_dir, args.checkpoint)
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
        from rlstudio.config.run_config import ConfigError, load_config

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
    return run(cfg, run_dir, config_path=config_path, resume_from=ckpt, resume_message=message, resume_notes=skipped)
