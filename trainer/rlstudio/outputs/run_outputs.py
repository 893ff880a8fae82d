"""What a run leaves besides events.jsonl and checkpoints/: TensorBoard (and W&B) scalars, best_model/ chosen by the
eval metric with early stopping, final/, training_stats.json and plots/*.png. The training loop calls one method per
moment (metrics, eval, end); only rank 0 writes, every rank takes the same decisions."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from rlstudio.outputs.best_model import BestModelTracker, write_best_model_metadata
from rlstudio.training.distributed import broadcast_object
from rlstudio.outputs.sinks import MetricSinks


def replace_dir_atomically(write, target: Path) -> Path:
    """write(tmp_folder), then swap it in for target: a reader sees the old folder or the new one, never a half.
    A crash between the two renames leaves only .<name>.old, which recover_swapped_dir() puts back."""
    target = Path(target)
    tmp, old = target.with_name(f".{target.name}.tmp"), target.with_name(f".{target.name}.old")
    recover_swapped_dir(target)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    write(tmp)
    _fsync_dir_files(tmp)
    if target.exists():
        os.rename(target, old)
    os.rename(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
    return target


def recover_swapped_dir(target: Path) -> None:
    old = target.with_name(f".{target.name}.old")
    if old.exists() and not target.exists():
        os.rename(old, target)
    shutil.rmtree(old, ignore_errors=True)


def _fsync_dir_files(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def save_model_folder(model, tokenizer, folder: Path) -> None:
    """What plain transformers/peft code loads: the full model (or the LoRA adapter) as safetensors + tokenizer."""
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)


class RunOutputs:
    def __init__(self, run_dir: Path, config: dict, ctx, events, resumed_at: int | None):
        self.run_dir, self.config, self.ctx, self.events = Path(run_dir), config, ctx, events
        eval_cfg = config.get("eval") or {}
        self.tracker = BestModelTracker(eval_cfg.get("metric_for_best_model", "eval_reward"),
                                        eval_cfg.get("greater_is_better", True), eval_cfg.get("early_stopping_patience"))
        # a resumed run re-logs the steps after its checkpoint: TensorBoard hides the older copies from there on
        purge = resumed_at + 1 if resumed_at is not None else None
        self.sinks = MetricSinks(self.run_dir, config["logging"]["report_to"], enabled=ctx.is_main, purge_step=purge,
                                 wandb_config=config)
        if ctx.is_main:
            recover_swapped_dir(self.run_dir / "best_model")
            recover_swapped_dir(self.run_dir / "final")

    def log_metrics(self, step: int, metrics: dict) -> None:
        self.sinks.log(step, metrics)

    def eval_result(self, step: int, metrics: dict) -> bool:
        """Record an evaluation; True when it is a new best. Every rank decides on rank 0's numbers, so best-model
        saves and early stopping happen on all ranks at the same step."""
        metrics = broadcast_object(self.ctx, metrics)
        self.sinks.log(step, metrics)
        return self.tracker.update(step, metrics)

    def save_best(self, step: int, model, tokenizer) -> None:
        if self.ctx.is_main:
            def write(folder: Path) -> None:
                save_model_folder(model, tokenizer, folder)
                write_best_model_metadata(folder, step, self.tracker.metric, self.tracker.best_value, self.config)

            replace_dir_atomically(write, self.run_dir / "best_model")
            self.events.emit("checkpoint", step=step, path="best_model", kind="best", metric=self.tracker.metric,
                             value=self.tracker.best_value)
        self.ctx.barrier()

    @property
    def should_stop_early(self) -> bool:
        return self.tracker.should_stop

    def save_final(self, step: int, model, tokenizer) -> None:
        if self.ctx.is_main:
            replace_dir_atomically(lambda folder: save_model_folder(model, tokenizer, folder), self.run_dir / "final")
            self.events.emit("checkpoint", step=step, path="final", kind="final")
        self.ctx.barrier()

    def state_dict(self) -> dict:
        return self.tracker.state_dict()

    def load_state_dict(self, state: dict | None) -> None:
        if state:
            self.tracker.load_state_dict(state)

    def close(self) -> None:
        self.sinks.close()

    def write_summaries(self) -> list[Path]:
        """training_stats.json and plots/*.png from events.jsonl (after run_finished, so they include it)."""
        if not self.ctx.is_main:
            return []
        from rlstudio.outputs.plots import write_plots
        from rlstudio.outputs.run_stats import write_training_stats

        try:
            return [write_training_stats(self.run_dir), *write_plots(self.run_dir)]
        except Exception as err:  # noqa: BLE001 - a summary must not turn a finished run into a failed one
            print(f"could not write training_stats.json / plots: {type(err).__name__}: {err}; "
                  f"the run itself is complete", file=sys.stderr, flush=True)
            return []
