"""One benchmark run of one trainer in its own process (so its peak RSS is its own):
`python -m rlstudio.benchmarks.side rlstudio|trl SETUP.json CYCLES`. The first generate-and-reuse cycle
(num_iterations optimizer steps) is a warm-up; the next CYCLES cycles are timed from the end of the warm-up's last
step to the end of the last step (both sides discard the same warm-up). Prints one JSON object: completion tokens (up
to and including EOS) generated in the timed cycles, the timed wall seconds, the process CPU seconds (user + sys, all
threads) over the same window, the mean completion length and the peak RSS."""
from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import tempfile
import time
from pathlib import Path


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cycle_throughput(step_end: dict[int, float], lengths: dict[int, float], cfg: dict,
                     step_cpu: dict[int, float] | None = None) -> dict:
    """step_end: optimizer step (1-based) -> wall time at its end; lengths: generating step -> mean completion length;
    step_cpu: step -> process CPU seconds at its end (the CPU the timed window used, beside its wall time)."""
    n_iter = cfg["grpo"]["num_iterations"]
    completions = cfg["training"]["per_device_train_batch_size"] * cfg["training"]["gradient_accumulation_steps"]
    last = max(step_end)
    timed = [s for s in lengths if s > n_iter]
    if len(timed) != (last - n_iter) // n_iter:
        raise RuntimeError(f"expected one generation per {n_iter} steps after the warm-up, got lengths at {sorted(lengths)}")
    wall = step_end[last] - step_end[n_iter]
    mean_len = sum(lengths[s] for s in timed) / len(timed)
    cpu = None if step_cpu is None else step_cpu[last] - step_cpu[n_iter]
    return {"completion_tokens": mean_len * completions * len(timed), "timed_s": wall, "cpu_s": cpu,
            "steps_timed": last - n_iter, "mean_completion_length": mean_len, "peak_rss_mb": _peak_rss_mb()}


def rlstudio_step_events(cfg: dict, step_cpu: dict[int, float] | None = None) -> list[dict]:
    """Train cfg (logging every step) in a temporary folder; the RL metrics events, one per optimizer step.
    step_cpu: filled with the process CPU seconds when each step's metrics event is written (as TRL's on_step_end),
    and under "threads" the intra-op thread count the run trained with."""
    from unittest import mock

    import torch

    from rlstudio.outputs.event_reader import read_events
    from rlstudio.outputs.events import EventWriter
    from rlstudio.training.loop import run

    write_metrics = EventWriter.metrics

    def metrics_with_cpu(self, step, *a, **kw):
        if step_cpu is not None and kw.get("phase", "rl") == "rl":
            step_cpu[step] = time.process_time()
            step_cpu["threads"] = torch.get_num_threads()
        return write_metrics(self, step, *a, **kw)

    with tempfile.TemporaryDirectory(prefix="rlstudio-bench-") as tmp:
        run_dir = Path(tmp) / "run"
        with contextlib.redirect_stdout(io.StringIO()), mock.patch.object(EventWriter, "metrics", metrics_with_cpu):
            code = run(cfg, run_dir)
        if code != 0:
            raise RuntimeError((run_dir / "trainer.log").read_text()[-3000:])
        return [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "metrics" and e.get("phase") == "rl"]


def rlstudio_throughput(cfg: dict, events: list[dict], step_cpu: dict[int, float] | None = None) -> dict:
    n_iter = cfg["grpo"]["num_iterations"]
    step_end = {e["step"]: e["time"] for e in events}
    lengths = {e["step"]: e["metrics"]["completions/mean_length"] for e in events if (e["step"] - 1) % n_iter == 0}
    return cycle_throughput(step_end, lengths, cfg, step_cpu)


def run_rlstudio(cfg: dict) -> dict:
    step_cpu: dict = {}
    events = rlstudio_step_events(cfg, step_cpu)
    threads = step_cpu.pop("threads")
    return {**rlstudio_throughput(cfg, events, step_cpu), "threads": threads}


def trl_config(cfg: dict, output_dir: str):
    """TRL's GRPOConfig with the run config's settings (RL Studio uses TRL's names, so they carry over by name)."""
    import dataclasses

    import torch
    from trl import GRPOConfig

    names = {f.name for f in dataclasses.fields(GRPOConfig)}
    settings = {k: v for k, v in {**cfg["grpo"], **cfg["sampling"]}.items() if k in names}
    if settings.get("top_k") is None:
        settings["top_k"] = 0  # TRL's "no top-k"
    t = cfg["training"]
    for k in ("learning_rate", "lr_scheduler_type", "warmup_steps", "max_steps", "per_device_train_batch_size",
              "gradient_accumulation_steps", "max_grad_norm", "adam_beta1", "adam_beta2", "adam_epsilon", "weight_decay",
              "seed"):
        settings[k] = t[k]
    cuda = torch.cuda.is_available()
    # GRPOConfig turns gradient checkpointing on by default; the run config says whether RL Studio recomputes
    # activations, and TRL must do the same or its backward carries a second forward RL Studio does not
    settings["gradient_checkpointing"] = bool(cfg["model"].get("gradient_checkpointing"))
    return GRPOConfig(output_dir=output_dir, use_cpu=not cuda, bf16=cuda and torch.cuda.is_bf16_supported(),
                      logging_steps=1, save_strategy="no", report_to=[], disable_tqdm=True, log_completions=False,
                      reward_weights=[r["weight"] for r in cfg["rewards"]], dataloader_num_workers=0, **settings)


def trl_reward_functions(cfg: dict) -> list:
    """The run's reward functions as TRL calls them (same signature; config args bound, TRL's name kept)."""
    from rlstudio.rewards import load_reward_functions

    out = []
    for rf in load_reward_functions(cfg["rewards"], Path(".")):
        def call(*a, _fn=rf.fn, _args=rf.args, **kw):
            return _fn(*a, **{**kw, **_args})
        call.__name__ = rf.name
        out.append(call)
    return out


def run_trl(cfg: dict) -> dict:
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, TrainerCallback
    from trl import GRPOTrainer

    from rlstudio.models.policy import load_tokenizer, quiet_transformers

    quiet_transformers()
    rows = [json.loads(line) for d in cfg["data"]["datasets"] for line in Path(d["path"]).read_text().splitlines() if line.strip()]
    step_end: dict[int, float] = {}
    step_cpu: dict[int, float] = {}
    lengths: dict[int, float] = {}

    class Clock(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            step_end[state.global_step] = time.time()
            step_cpu[state.global_step] = time.process_time()

        def on_log(self, args, state, control, logs=None, **kw):
            if logs and "completions/mean_length" in logs:
                lengths[state.global_step] = logs["completions/mean_length"]

    path = cfg["model"]["name_or_path"]
    with tempfile.TemporaryDirectory(prefix="vs-trl-trl-") as tmp:
        tokenizer = load_tokenizer(path)
        model = AutoModelForCausalLM.from_pretrained(path)
        trainer = GRPOTrainer(model=model, reward_funcs=trl_reward_functions(cfg), args=trl_config(cfg, tmp),
                              train_dataset=Dataset.from_list(rows), processing_class=tokenizer, callbacks=[Clock()])
        with contextlib.redirect_stdout(io.StringIO()):
            trainer.train()
    return cycle_throughput(step_end, lengths, cfg, step_cpu)


def main(argv=None) -> int:
    import warnings

    warnings.filterwarnings("ignore")
    side, setup, cycles = (argv or sys.argv[1:])[:3]
    cfg = json.loads(Path(setup).read_text())
    cfg["training"]["max_steps"] = cfg["grpo"]["num_iterations"] * (1 + int(cycles))
    result = run_trl(cfg) if side == "trl" else run_rlstudio(cfg)
    import torch

    result.setdefault("threads", torch.get_num_threads())  # RL Studio's own choice for the run, else torch's
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
