"""What the training loop needs from an algorithm, and nothing more.

The loop (training/loop.py) owns everything that must be the same for every algorithm and is hard to get right
once: seeding, the run directory, resume, checkpoints, the optimizer and its schedule, gradient clipping, the
non-finite guard, stopping, evaluation and events. An algorithm owns what differs: how a batch of experience is
made from prompts, how many optimizer steps one batch serves, the loss of one step (with its named metrics), the
parameters it trains beyond the policy's and any state or weights a checkpoint must carry for an exact resume.
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol


@dataclass
class AlgorithmSetup:
    """Everything built before the algorithm: the loop loads models and rewards once, whatever the algorithm."""

    config: dict  # the validated run config (defaults filled)
    ctx: Any  # training.distributed.DistContext
    model: Any  # the policy, unwrapped (generate / save_pretrained)
    tokenizer: Any
    reward_funcs: list  # rewards.loader's RewardFunction list
    reference: Any  # models.reference.Reference, or None without a KL term
    columns: list[str]  # the datasets' columns, passed to reward functions as TRL does
    run_dir: Path
    dtype: Any


class Batch(Protocol):
    """Experience made from one draw of prompts; it may serve several optimizer steps."""

    metrics: dict  # batch-level metrics (rewards, lengths); "batch_tokens" counts prompt + completion tokens
    samples: list  # rows for the samples event
    # Optional `timings`: seconds of the build's phases by training.phase_clock.PHASES names (timing/* metrics);
    # a batch without it has its whole build time reported as timing/generation.

    def tensors(self) -> dict:
        """Plain tensors and numbers (torch.load(weights_only=True)-loadable) for a checkpoint mid-way through it."""


@dataclass
class StepResult:
    loss: float  # this rank's loss summed over the step's micro-batches (each already scaled for accumulation)
    metrics: dict[str, float]  # the step's loss-side metrics, reduced over ranks, TRL's names


@dataclass(frozen=True)
class BatchSchedule:
    """How prompts become optimizer steps: known from the config alone, before any model is loaded."""

    prompts_per_batch: int  # prompts drawn (over all processes) for one batch
    steps_per_batch: int  # optimizer steps one batch serves; a new batch when step % steps_per_batch == 0

    def total_steps(self, num_prompts: int, num_train_epochs: float) -> int:
        """Optimizer steps for num_train_epochs passes over num_prompts prompts (when max_steps is not set)."""
        batches = math.ceil(num_train_epochs * num_prompts / self.prompts_per_batch)
        return max(1, batches * self.steps_per_batch)


class Algorithm(ABC):
    name: ClassVar[str]

    def __init__(self, setup: AlgorithmSetup):
        self.setup = setup
        self.schedule = self.batch_schedule(setup.config, setup.ctx.world_size)

    @classmethod
    @abstractmethod
    def batch_schedule(cls, config: dict, world_size: int) -> BatchSchedule:
        """Raises UserError when the config's batch sizes do not fit the algorithm on world_size processes."""

    @abstractmethod
    def build_batch(self, records: list, trainer_state, draw=None) -> Batch:
        """Generate, score and prepare everything the loss steps need (every rank calls it with the same records).
        draw(n): the next n prompts, for an algorithm that may need more than one draw (dynamic sampling)."""

    @abstractmethod
    def batch_from_tensors(self, tensors: dict) -> Batch:
        """The batch a checkpoint saved mid-way through it (Batch.tensors)."""

    @abstractmethod
    def loss_step(self, train_model, batch: Batch, step: int) -> StepResult:
        """Forward and backward of one optimizer step (step: the 0-based global step); the loop clips and steps."""

    def after_step(self, step: int) -> None:
        """After the optimizer step that made `step` steps (a reference model that follows the policy, say)."""

    def train_module(self):
        """The module the loop wraps for several processes (DDP) and hands to loss_step: the policy, or a module that
        also holds the algorithm's own trainable modules (PPO's critic) so one wrapper averages all their gradients."""
        return self.setup.model

    def trainable_parameters(self) -> list:
        """What the optimizer updates; an algorithm with its own trainable modules (a critic) adds them."""
        return [p for p in self.setup.model.parameters() if p.requires_grad]

    def state_dict(self) -> dict:
        """JSON-able state for trainer_state.json beyond the loop's own (an adaptive KL coefficient, say)."""
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass

    def save_weights(self, folder: Path) -> None:
        """Weights a checkpoint carries besides the policy's model/ (a critic); called on the main rank."""

    def load_weights(self, folder: Path) -> None:
        """Restore what save_weights wrote (every rank)."""
