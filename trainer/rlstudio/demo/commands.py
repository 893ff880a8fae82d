"""`demo-data` and `demo`: write a demo dataset with a ready config, and the end-to-end learning demo."""
from __future__ import annotations

import json
import time
from pathlib import Path

from rlstudio.config.run_config import SCHEMA_PATH

# A user reward file with TRL's signature, written next to the demo data: the demo exercises the same
# "file.py:function" loading path a user's own reward code takes.
ARITHMETIC_REWARDS = '''"""Reward functions for the arithmetic demo (TRL signature: prompts, completions, **dataset columns)."""
import re

_THINK = re.compile(r"<think>(.*?)</think>", re.DOTALL)


def shows_work(prompts, completions, a=None, op=None, b=None, **kwargs):
    """1.0 when the <think> step writes the problem as "a op b" (numbers and operation from the dataset's
    a / op / b columns), else 0.0. It rewards setting the problem up, not the result."""
    out = []
    for completion, x, o, y in zip(completions, a, op, b):
        think = _THINK.search(completion)
        ok = think is not None and think.group(1).split() == [str(x), o, str(y)]
        out.append(1.0 if ok else 0.0)
    return out
'''


# Cases for shows_work, written beside it as arithmetic_rewards.py.cases.jsonl: the editor lists them in the Test
# Explorer and runs them from the "Run cases" CodeLens (`rewards test` with cases_file).
_PROMPT = "Ann has 3 apples and finds 4 more . How many apples does Ann have now ?"
_COLUMNS = {"reference": "7", "a": 3, "op": "+", "b": 4}
ARITHMETIC_CASES = [
    {"name": "writes the problem in <think>", "function": "shows_work", "prompt": _PROMPT,
     "completion": "<think>3 + 4</think><answer>7</answer>", "columns": _COLUMNS, "expected": 1.0},
    {"name": "other numbers in <think>", "function": "shows_work", "prompt": _PROMPT,
     "completion": "<think>3 + 5</think><answer>8</answer>", "columns": _COLUMNS, "expected": 0.0},
    {"name": "no <think> step", "function": "shows_work", "prompt": _PROMPT,
     "completion": "<answer>7</answer>", "columns": _COLUMNS, "expected": 0.0},
]


def arithmetic_config(max_steps: int) -> dict:
    return {
        "$schema": str(SCHEMA_PATH),
        "name": "arithmetic-demo",
        "output_dir": "runs",
        "model": {"name_or_path": "builtin:tiny", "device": "cpu"},
        "data": {"datasets": [{"path": "arithmetic_train.jsonl"}], "chat_template": "never", "max_prompt_length": 64},
        "rewards": [
            {"function": "builtin:accuracy", "weight": 0.95},
            {"function": "arithmetic_rewards.py:shows_work", "weight": 0.05},
        ],
        "sampling": {"max_completion_length": 12, "temperature": 1.0},
        "grpo": {"num_generations": 16, "beta": 0.04,
                 "epsilon": 0.2, "epsilon_high": 0.28, "loss_type": "dapo", "scale_rewards": "group",
                 "num_iterations": 2,
                 # the demo's learning bar was set with the plain k3 KL; TRL 1.16's default (true) is not yet tried on it
                 "use_bias_correction_kl": False},
        "training": {"learning_rate": 1.5e-3, "lr_scheduler_type": "cosine", "warmup_steps": 5, "max_steps": max_steps,
                     "per_device_train_batch_size": 256, "gradient_accumulation_steps": 1, "max_grad_norm": 1.0,
                     "adam_beta2": 0.99, "seed": 0},
        "warm_start": {"steps": 200, "learning_rate": 2e-3, "batch_size": 32,
                       "datasets": [{"path": "arithmetic_warm_start.jsonl"}],
                       "completion_field": "warm_start_completion"},
        "eval": {"enabled": True, "datasets": [{"path": "arithmetic_heldout.jsonl"}], "eval_steps": 50,
                 "max_samples": 200, "do_sample": False, "metric_for_best_model": "eval_accuracy",
                 "early_stopping_patience": 5},
        "logging": {"logging_steps": 1, "completions_steps": 10, "num_completions_to_log": 2,
                    "report_to": ["tensorboard"]},
        "checkpointing": {"save_steps": None, "keep_last": 2},
    }


PPO_DEMO_STEPS = 640
# With the shared-prompt passes and a thread per idle core the 450 steps the demo had took 101 s on a quiet 2-core
# machine and stopped anywhere from 0.73 to 0.96 mean reward, depending on the last bits of the arithmetic (thread
# count, seed); 800 reached 0.92 and 0.99 (seeds 0 and 1, held-out 0.68 and 0.83) in 141 and 163 s, within half the
# 385 s the 450 steps took before.
GRPO_DEMO_STEPS = 800


def arithmetic_ppo_config(max_steps: int) -> dict:
    """The arithmetic demo with PPO: the GRPO demo's task (model, data, rewards), every training setting its own, so
    a change to the GRPO demo's settings does not move the PPO demo's figures. One completion per prompt, a value head
    on the policy's backbone (learning the values shapes the shared body; a separate critic learnt slower here), each
    rollout of 128 prompts serving 2 epochs x 2 mini-batches."""
    task = arithmetic_config(max_steps)
    return {
        "$schema": task["$schema"], "name": "arithmetic-ppo-demo", "output_dir": "runs", "algorithm": "ppo",
        "model": task["model"], "data": task["data"], "rewards": task["rewards"],
        "sampling": {"max_completion_length": 12, "temperature": 1.0},
        # kl_coef 0.1 (TRL's default 0.05 let the policy drift from the warm start's format; 0.01-0.02 learnt less),
        # a constant 7e-4 after 40 warmup steps (1.5e-3 on cosine dropped the <think> step early and stood still in
        # its tail): seeds 0, 1, 2 reach 0.94 / 0.93 / 0.95 mean reward over the last 10 steps (README, PPO section)
        "ppo": {"num_ppo_epochs": 2, "num_mini_batches": 2, "kl_coef": 0.1, "kl_estimator": "k1", "cliprange": 0.2,
                "vf_coef": 0.5, "cliprange_value": 0.2, "gamma": 1.0, "lam": 0.95, "whiten_rewards": False,
                "entropy_coef": 0.0, "critic": {"shared_backbone": True}},
        "training": {"learning_rate": 7e-4, "lr_scheduler_type": "constant_with_warmup", "warmup_steps": 40,
                     "max_steps": max_steps, "per_device_train_batch_size": 64, "gradient_accumulation_steps": 1, "max_grad_norm": 1.0,
                     "adam_beta2": 0.99, "seed": 0},
        "warm_start": {"steps": 200, "learning_rate": 2e-3, "batch_size": 32,
                       "datasets": [{"path": "arithmetic_warm_start.jsonl"}],
                       "completion_field": "warm_start_completion"},
        "eval": {"enabled": True, "datasets": [{"path": "arithmetic_heldout.jsonl"}], "eval_steps": 160,
                 "max_samples": 200, "do_sample": False, "metric_for_best_model": "eval_accuracy",
                 "early_stopping_patience": 5},
        "logging": task["logging"], "checkpointing": task["checkpointing"],
    }


def finance_config(max_steps: int) -> dict:
    return {
        "$schema": str(SCHEMA_PATH),
        "name": "finance-demo",
        "output_dir": "runs",
        "model": {"name_or_path": "builtin:tiny"},
        "data": {"datasets": [{"path": "train.jsonl"}], "max_prompt_length": 256},
        "rewards": [{"function": "builtin:financial_advice", "weight": 1.0}],
        "sampling": {"max_completion_length": 48},
        "grpo": {"num_generations": 8, "beta": 0.0, "epsilon_high": 0.28},
        "training": {"learning_rate": 5e-4, "max_steps": max_steps, "per_device_train_batch_size": 32},
        "eval": {"enabled": True, "datasets": [{"path": "eval.jsonl"}], "eval_steps": 25, "max_samples": 20},
        "logging": {"report_to": ["tensorboard"]},
        "checkpointing": {"save_steps": 25, "keep_last": 2},
    }


def write_demo_data(kind: str, out: Path, max_steps: int | None = None) -> dict:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if kind == "arithmetic-preferences":  # pairs and a reward-model config, no run config
        from rlstudio.demo.preference_pairs import write_preference_pairs

        return write_preference_pairs(out)
    if kind in ("arithmetic", "arithmetic-ppo"):
        from rlstudio.demo.arithmetic import write_arithmetic

        paths = write_arithmetic(out)
        (out / "arithmetic_rewards.py").write_text(ARITHMETIC_REWARDS)
        paths["rewards"] = out / "arithmetic_rewards.py"
        paths["reward_cases"] = out / "arithmetic_rewards.py.cases.jsonl"
        paths["reward_cases"].write_text("".join(json.dumps(c) + "\n" for c in ARITHMETIC_CASES))
        config = arithmetic_config(max_steps or GRPO_DEMO_STEPS) if kind == "arithmetic" else arithmetic_ppo_config(max_steps or PPO_DEMO_STEPS)
    elif kind == "finance":
        from rlstudio.demo.finance import write_finance_demo

        written = write_finance_demo(out)
        paths = {"train": written["train"], "eval": written["eval"]}
        config = finance_config(max_steps or 100)
    else:
        raise ValueError(f"unknown demo kind {kind!r}")
    cfg_path = out / f"{kind}.rlstudio.json"
    cfg_path.write_text(json.dumps(config, indent=2) + "\n")
    paths["config"] = cfg_path
    return paths


def run_demo(out: Path | None, max_steps: int | None = None, algorithm: str = "grpo", reward_model: bool = False) -> int:
    """Write the arithmetic demo, train, and summarise what was learnt. reward_model (PPO only): score with a reward
    model trained here first on the demo's preference pairs instead of the reward functions."""
    from rlstudio.config.run_config import load_config
    from rlstudio.outputs.event_reader import metric_value, read_events
    from rlstudio.training.loop import new_run_dir, run

    out = Path(out or "demo").resolve()
    import os

    import torch

    if reward_model and algorithm != "ppo":
        from rlstudio.user_errors import UserError

        raise UserError("demo --reward-model: only with --algorithm ppo")
    if "OMP_NUM_THREADS" not in os.environ:
        # The demo's figures are exact bits: a different thread count splits reductions differently and RL amplifies
        # that (450 GRPO steps ended at 0.90 on 1 thread and 0.73 on 2). So the demo pins the count its figures were
        # measured with instead of the run's choice from the idle cores (cpu_threads), which the variable turns off.
        threads = min(2, os.cpu_count() or 1) if algorithm == "grpo" else 1
        torch.set_num_threads(threads)
        os.environ["OMP_NUM_THREADS"] = str(threads)
    paths = write_demo_data("arithmetic" if algorithm == "grpo" else "arithmetic-ppo", out, max_steps)
    trained_rm = None
    if reward_model:
        from rlstudio.demo.reward_model_demo import train_demo_reward_model, write_reward_model_config

        trained_rm = train_demo_reward_model(out)
        paths["config"] = write_reward_model_config(json.loads(paths["config"].read_text()), out, trained_rm)
    print(f"demo data and config: {paths['config']}")
    print("task: arithmetic word problems. The warm start teaches the <think>/<answer> format and copying the numbers,\n"
          f"      with a random guess as the answer, never the result; {algorithm.upper()} learns the sums and differences "
          "from the reward.")
    cfg = load_config(paths["config"])
    run_dir = new_run_dir(cfg)
    t0, cpu0 = time.time(), time.process_time()
    code = run(cfg, run_dir, config_path=str(paths["config"]))
    wall, cpu = time.time() - t0, time.process_time() - cpu0
    if code != 0:
        print(f"demo training ended with exit code {code}; see {run_dir / 'trainer.log'}")
        return code
    events = read_events(run_dir / "events.jsonl")
    evals = [e for e in events if e["type"] == "eval"]
    # the reward is logged on the steps that generated (not on those that reuse a batch): windows are by step
    rl_metrics = [e for e in events if e["type"] == "metrics" and e.get("phase", "rl") == "rl"]
    steps_done = max((e["step"] for e in rl_metrics), default=0)

    def first5_last10(name: str) -> tuple[float, float, int]:
        logged = [(e["step"], metric_value(e["metrics"], name)) for e in rl_metrics]
        logged = [(step, v) for step, v in logged if v is not None]
        first = [v for step, v in logged if step <= 5]
        last = [v for step, v in logged if step > steps_done - 10]
        return sum(first) / max(1, len(first)), sum(last) / max(1, len(last)), len(logged)

    first5, last10, n_rewards = first5_last10("reward")
    reward_png = run_dir / "plots" / "reward.png"  # the trainer writes plots/ at the end of every run
    reward_png = reward_png if reward_png.is_file() else None
    before = evals[0]["metrics"].get("eval_accuracy") if evals else None
    after = evals[-1]["metrics"].get("eval_accuracy") if evals else None
    print("\n=== RL Studio demo summary ===")
    print(f"run directory:        {run_dir}")
    print(f"reward curve (PNG):   {reward_png}")
    print(f"mean reward:          first 5 RL steps {first5:.3f} -> last 10 RL steps {last10:.3f} ({steps_done} steps, "
          f"reward logged on the {n_rewards} that generated)")
    if trained_rm is not None:
        right_first, right_last, _ = first5_last10("rewards/accuracy/mean")
        print(f"reward model:         {trained_rm.folder} (held-out pair accuracy {trained_rm.pair_accuracy:.3f}); the reward\n"
              f"                      above is its score. Answers right (builtin:accuracy, weight 0, not trained on):\n"
              f"                      first 5 RL steps {right_first:.3f} -> last 10 RL steps {right_last:.3f}")
    if before is not None and after is not None:
        print(f"held-out accuracy:    {before:.3f} before RL -> {after:.3f} after RL "
              f"({int(evals[-1]['metrics'].get('eval_num_samples', 0))} problems, greedy decoding)")
    print("held-out means:       question templates (sentence shapes and wording) never used in training; names,\n"
          "                      objects and the numbers 1-4 are shared with training, so it measures the skill on\n"
          "                      new phrasings, not on new arithmetic facts. 'before' is after the warm start, before RL.")
    # CPU time beside wall time: on a machine other jobs share, the wall time says more about them than about the run
    print(f"wall time:            {wall:.0f}s (warm start + RL + evaluations); CPU time {cpu:.0f}s")
    return 0
