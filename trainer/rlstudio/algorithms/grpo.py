"""GRPO (TRL's GRPOTrainer semantics): G completions per prompt, group-relative advantages, one generation batch
cut into steps_per_generation micro-batches per process and reused for num_iterations passes, each optimizer step
accumulating gradient_accumulation_steps micro-batches."""
from __future__ import annotations

from pathlib import Path

from rlstudio.algorithms.base import Algorithm, AlgorithmSetup, BatchSchedule, StepResult
from rlstudio.algorithms.dynamic_sampling import dynamic_batch
from rlstudio.algorithms.entropy_control import EntropyControl
from rlstudio.algorithms.grpo_batch import RLBatch, make_batch
from rlstudio.algorithms.grpo_micro_batch import loss_config, micro_batch_loss
from rlstudio.config.grpo_rules import generation_schedule, group_size_problem
from rlstudio.models.model_settings import apply_model_settings
from rlstudio.models.reference import load_synced_reference, mix_into_reference, save_synced_reference
from rlstudio.training.distributed import all_reduce_sum, gradient_sync
from rlstudio.training.step_metrics import StepMetrics
from rlstudio.user_errors import UserError


class GRPO(Algorithm):
    name = "grpo"

    def __init__(self, setup: AlgorithmSetup):
        super().__init__(setup)
        cfg = setup.config
        self.g, self.t, self.log_cfg = cfg["grpo"], cfg["training"], cfg["logging"]
        self.steps_per_generation, _ = generation_schedule(self.t, self.g, setup.ctx.world_size)
        self.temperature = cfg["sampling"]["temperature"]
        self.loss_cfg = loss_config(cfg, setup.ctx.world_size, self.steps_per_generation)
        self.entropy = EntropyControl(self.g)
        if self.g["sync_ref_model"] and (setup.reference is None or setup.reference.model is None):
            raise UserError("grpo.sync_ref_model needs a separate reference model: beta > 0 and no LoRA (as in TRL)")
        # TRL applies these at init, to the policy and its reference alike (before DDP wraps the policy)
        try:
            apply_model_settings(setup.model, self.g)
            if setup.reference is not None and setup.reference.model is not None:
                apply_model_settings(setup.reference.model, self.g)
        except ValueError as e:  # a model these settings do not fit: the user's choice, named
            raise UserError(str(e)) from None

    @classmethod
    def batch_schedule(cls, config: dict, world_size: int) -> BatchSchedule:
        t, g = config["training"], config["grpo"]
        try:
            spg, gbs = generation_schedule(t, g, world_size)
        except ValueError as e:
            raise UserError(str(e)) from None
        problem = group_size_problem(config, world_size)  # the rule validate applies, met again on a resume
        if problem:
            raise UserError(problem)
        if spg % t["gradient_accumulation_steps"]:
            raise UserError(f"grpo.steps_per_generation {spg} is not a multiple of gradient_accumulation_steps "
                            f"{t['gradient_accumulation_steps']}")
        return BatchSchedule(gbs // g["num_generations"], spg // t["gradient_accumulation_steps"] * g["num_iterations"])

    def build_batch(self, records: list, trainer_state, draw=None) -> RLBatch:
        s = self.setup
        log_groups = self.log_cfg["num_completions_to_log"] if self.log_cfg["log_completions"] else 0
        if self.g["dynamic_sampling"]:
            if draw is None:
                raise ValueError("dynamic_sampling draws more prompts: build_batch needs draw")
            first = iter([records])  # the loop's draw is the first round's prompts
            return dynamic_batch(s.ctx, s.model, s.tokenizer, lambda n: next(first, None) or draw(n), len(records),
                                 s.config, s.reward_funcs, s.reference, trainer_state, log_groups, s.columns)
        return make_batch(s.ctx, s.model, s.tokenizer, records, s.config, s.reward_funcs, s.reference, trainer_state,
                          log_groups, s.columns)

    def batch_from_tensors(self, tensors: dict) -> RLBatch:
        return RLBatch.from_tensors(tensors, self.setup.ctx.device)

    def loss_step(self, train_model, batch: RLBatch, step: int) -> StepResult:
        micro, accumulation = self.t["per_device_train_batch_size"], self.t["gradient_accumulation_steps"]
        # TRL's micro-step u serves slice u % steps_per_generation of the generation batch
        first = step * accumulation % self.steps_per_generation
        coef = self.entropy.step_coef()
        metrics, loss_sum, window = StepMetrics(), 0.0, [0.0, 0.0]
        for m in range(accumulation):
            rows = slice((first + m) * micro, (first + m + 1) * micro)
            with gradient_sync(train_model, m == accumulation - 1):
                out = micro_batch_loss(self.setup.ctx, train_model, batch, rows, self.temperature, self.loss_cfg,
                                       self.g["top_entropy_quantile"], coef)
                out.loss.backward()
            loss_sum += float(out.loss.detach())
            metrics.add(out.metrics, out.extremes)
            if out.entropy_stats is not None:
                window = [window[0] + float(out.entropy_stats[0]), window[1] + float(out.entropy_stats[1])]
        reduced = metrics.reduce(self.setup.ctx)
        if self.entropy.enabled:
            import torch

            totals = all_reduce_sum(self.setup.ctx, torch.tensor(window, dtype=torch.float64))
            reduced.update(self.entropy.end_step(float(totals[0]), float(totals[1])))
        return StepResult(loss_sum, reduced)

    def after_step(self, step: int) -> None:
        """TR-DPO's reference update (TRL's SyncRefModelCallback.on_step_end, after step `step` counted from 1)."""
        if self.g["sync_ref_model"] and step % self.g["ref_model_sync_steps"] == 0:
            mix_into_reference(self.setup.model, self.setup.reference.model, self.g["ref_model_mixup_alpha"])

    def state_dict(self) -> dict:
        return {"entropy_control": self.entropy.state_dict()} if self.entropy.enabled else {}

    def load_state_dict(self, state: dict) -> None:
        self.entropy.load_state_dict(state.get("entropy_control"))

    def save_weights(self, folder: Path) -> None:
        if self.g["sync_ref_model"]:  # the reference has moved away from what start/resume_reference rebuild
            save_synced_reference(self.setup.reference.model, folder)

    def load_weights(self, folder: Path) -> None:
        if self.g["sync_ref_model"]:
            load_synced_reference(self.setup.reference.model, folder)

