"""The learning-rate schedule every algorithm shares, with transformers' names: `lr_scheduler_type` constant,
constant_with_warmup, linear and cosine step once per optimizer step; reduce_lr_on_plateau (torch's
ReduceLROnPlateau, built from `lr_scheduler_kwargs` as transformers' get_scheduler does) steps once per evaluation
on eval.metric_for_best_model, as transformers' Trainer does. Its state (best value, bad evaluations, cooldown, the
reduced LR) is the scheduler's state_dict, so a checkpoint carries it and a resume continues exactly."""
from __future__ import annotations

import math

from rlstudio.outputs.best_model import eval_metric_name

PLATEAU = "reduce_lr_on_plateau"


def plateau_kwargs(t: dict, eval_cfg: dict) -> dict:
    """ReduceLROnPlateau's keyword arguments. transformers passes lr_scheduler_kwargs as they are, so its default
    mode is torch's "min", which would cut the LR of a run whose reward climbs; here mode follows
    eval.greater_is_better unless set (validate refuses a mode that contradicts it)."""
    kwargs = dict(t.get("lr_scheduler_kwargs") or {})
    kwargs.setdefault("mode", "max" if eval_cfg.get("greater_is_better", True) else "min")
    return kwargs


class LearningRateSchedule:
    """A torch scheduler and when it steps: after each optimizer step, or after each evaluation (plateau)."""

    def __init__(self, optimizer, t: dict, max_steps: int, eval_cfg: dict):
        self.on_plateau = t["lr_scheduler_type"] == PLATEAU
        if self.on_plateau:
            # imported here: `validate` reads schedule_problems on every save in the editor and must not load torch
            from torch.optim.lr_scheduler import ReduceLROnPlateau

            self.metric = eval_metric_name(eval_cfg["metric_for_best_model"])
            self.scheduler = ReduceLROnPlateau(optimizer, **plateau_kwargs(t, eval_cfg))
        else:
            from transformers import get_scheduler

            warmup = t["warmup_steps"] if t["warmup_steps"] > 0 else int(math.ceil(t["warmup_ratio"] * max_steps))
            self.scheduler = get_scheduler(t["lr_scheduler_type"], optimizer, num_warmup_steps=warmup,
                                           num_training_steps=max_steps)

    @property
    def last_lr(self) -> float:
        return self.scheduler.get_last_lr()[0]

    def after_update(self) -> None:
        """Called after every optimizer step, skipped (non-finite) ones too, so the LR stays a function of the step."""
        if not self.on_plateau:
            self.scheduler.step()

    def after_eval(self, step: int, metrics: dict) -> float | None:
        """Called after every evaluation except the one before training (transformers skips the scheduler for
        eval_on_start too). Returns the new LR when this evaluation reduced it, else None. A missing, null or NaN
        metric counts as no improvement (torch's comparison with NaN is false), as for best_model/."""
        if not self.on_plateau or step == 0:
            return None
        value = metrics.get(self.metric)
        value = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
        before = self.last_lr
        self.scheduler.step(value)
        return self.last_lr if self.last_lr < before else None

    def state_dict(self) -> dict:
        return self.scheduler.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.scheduler.load_state_dict(state)


def schedule_problems(config: dict, at) -> list:
    """What the schema cannot say about the schedule, as located problems for `validate` / `train`."""
    t, eval_cfg = config["training"], config.get("eval") or {}
    kwargs = t.get("lr_scheduler_kwargs") or {}
    if t["lr_scheduler_type"] != PLATEAU:
        if kwargs:
            return [at(("training", "lr_scheduler_kwargs"), f"lr_scheduler_kwargs ({', '.join(sorted(kwargs))}) are "
                       f"settings of reduce_lr_on_plateau; lr_scheduler_type {t['lr_scheduler_type']} takes none")]
        return []
    out = []
    if not eval_cfg.get("enabled"):
        out.append(at(("training", "lr_scheduler_type"), "lr_scheduler_type reduce_lr_on_plateau steps on evaluations, "
                      "but eval is not enabled: set eval.enabled true with eval.datasets (as transformers requires "
                      "an eval strategy)"))
    elif not eval_cfg.get("metric_for_best_model"):
        out.append(at(("eval", "metric_for_best_model"), "lr_scheduler_type reduce_lr_on_plateau needs "
                      "eval.metric_for_best_model, the eval metric whose plateau lowers the learning rate"))
    greater = eval_cfg.get("greater_is_better", True)
    if "mode" in kwargs and (kwargs["mode"] == "max") != greater:
        out.append(at(("training", "lr_scheduler_kwargs", "mode"), f"lr_scheduler_kwargs.mode \"{kwargs['mode']}\" "
                      f"contradicts eval.greater_is_better {str(greater).lower()}: the plateau would be judged the "
                      f"other way round from best_model/ (leave mode out to follow greater_is_better)"))
    if t["warmup_steps"] > 0 or t["warmup_ratio"] > 0:
        out.append(at(("training", "warmup_steps" if t["warmup_steps"] > 0 else "warmup_ratio"),
                      "reduce_lr_on_plateau has no warmup (as in transformers): the run starts at learning_rate and "
                      "this setting is ignored", "warning"))
    return out
