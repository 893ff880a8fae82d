"""GRPO (TRL's GRPOTrainer semantics): G completions per prompt, group-relative advantages, a batch reused for
num_iterations optimizer steps, each step accumulating gradient_accumulation_steps micro-batches."""
from __future__ import annotations

import contextlib


from rlstudio.algorithms.base import Algorithm, AlgorithmSetup, BatchSchedule, StepResult
from rlstudio.algorithms.grpo_batch import RLBatch, make_batch
from rlstudio.algorithms.grpo_micro_batch import loss_config, micro_batch_loss
from rlstudio.config.grpo_rules import group_size_problem
from rlstudio.training.step_metrics import StepMetrics
from rlstudio.user_errors import UserError


class GRPO(Algorithm):
    name = "grpo"

    def __init__(self, setup: AlgorithmSetup):
        super().__init__(setup)
        cfg = setup.config
        self.g, self.t, self.log_cfg = cfg["grpo"], cfg["training"], cfg["logging"]
        self.loss_cfg = loss_config(self.g, self.t, setup.ctx.world_size)

    @classmethod
    def batch_schedule(cls, config: dict, world_size: int) -> BatchSchedule:
        problem = group_size_problem(config, world_size)  # the rule validate applies, met again on a resume
        if problem:
            raise UserError(problem)
        t, g = config["training"], config["grpo"]
        completions = t["per_device_train_batch_size"] * t["gradient_accumulation_steps"] * world_size
        return BatchSchedule(completions // g["num_generations"], g["num_iterations"])

    def build_batch(self, records: list, trainer_state) -> RLBatch:
        s = self.setup
        log_groups = self.log_cfg["num_completions_to_log"] if self.log_cfg["log_completions"] else 0
        return make_batch(s.ctx, s.model, s.tokenizer, records, s.config, s.reward_funcs, s.reference, trainer_state,
                          log_groups, s.columns)

    def batch_from_tensors(self, tensors: dict) -> RLBatch:
        return RLBatch.from_tensors(tensors, self.setup.ctx.device)

    def loss_step(self, train_model, batch: RLBatch, step: int) -> StepResult:
        micro, accumulation = self.t["per_device_train_batch_size"], self.t["gradient_accumulation_steps"]
        metrics, loss_sum = StepMetrics(), 0.0
        for m in range(accumulation):
            with _gradient_sync(train_model, m == accumulation - 1):
                out = micro_batch_loss(self.setup.ctx, train_model, batch, slice(m * micro, (m + 1) * micro),
                                       self.g["temperature"], self.loss_cfg, self.g["top_entropy_quantile"])
                out.loss.backward()
            loss_sum += float(out.loss.detach())
            metrics.add(out.metrics, out.extremes)
        return StepResult(loss_sum, metrics.reduce(self.setup.ctx))


def _gradient_sync(model, sync: bool):
    """DDP all-reduces gradients only on the last micro-batch of a step."""
    if not sync and hasattr(model, "no_sync"):
        return model.no_sync()
    return contextlib.nullcontext()
