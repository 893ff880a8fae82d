"""The configurations bench:vs-trl runs on both trainers: one RL Studio run config each (written to a folder with its
data and reward files), from which the TRL side takes the same model folder, dataset, reward functions and settings."""
from __future__ import annotations

import json
from pathlib import Path

# name -> (model, num_generations, completions per optimizer step, max_completion_length, micro-batch)
SETUPS = {
    "tiny_32": ("tiny", 8, 128, 32, 64),  # bench.py's config
    "tiny_128": ("tiny", 8, 64, 128, 32),  # longer generation
    "vocab32k_32": ("vocab32k", 8, 64, 32, 32),  # a realistic vocabulary: log-softmax, entropy and sampling scale with it
}


def model_folder(kind: str) -> str:
    from rlstudio.models.tiny import tiny_model_dir, wide_vocab_model_dir

    return str(tiny_model_dir() if kind == "tiny" else wide_vocab_model_dir(32768))


def write_setup(name: str, folder: Path, steps: int) -> Path:
    """Write the demo data and the finished RL Studio config of setup `name` under folder; returns the config path."""
    out = folder / "setup.rlstudio.json"
    out.write_text(json.dumps(setup_config(name, folder, steps), indent=2))
    return out


def setup_config(name: str, folder: Path, steps: int, model: str | None = None) -> dict:
    """The finished RL Studio config of setup `name` (its demo data written under folder); model: another model."""
    from rlstudio.config.run_config import finish_config
    from rlstudio.demo.commands import write_demo_data

    kind, G, completions, max_len, micro = SETUPS[name]
    paths = write_demo_data("arithmetic", folder)
    cfg = json.loads(paths["config"].read_text())
    cfg.update(name=f"vs-trl-{name}", output_dir=str(folder / "runs"))
    cfg["model"] = {"name_or_path": model or model_folder(kind), "device": "auto"}
    cfg["warm_start"] = {"steps": 0}
    cfg["eval"] = {"enabled": False}
    sampling = cfg["sampling"]
    sampling.update(max_completion_length=max_len, temperature=1.0)
    cfg["grpo"].update(num_generations=G, beta=0.04, num_iterations=2)
    cfg["training"].update(max_steps=steps, per_device_train_batch_size=micro,
                           gradient_accumulation_steps=completions // micro, seed=0, warmup_steps=0)
    cfg["logging"] = {"log_completions": False, "report_to": [], "logging_steps": 1}
    cfg["checkpointing"] = {"save_steps": None, "save_on_stop": False, "keep_last": 1}
    return finish_config(cfg, str(paths["config"]), None, paths["config"].parent)
