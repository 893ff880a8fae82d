"""TRL 1.16's own GRPOTrainer, built without its __init__ so its real methods (_generate_and_score_completions,
_calculate_rewards, _compute_loss, get_high_entropy_mask, get_off_policy_mask, ...) run on given tensors: only
tokenisation, generation and the model forward are stood in. Single process: gathers and reduces are identities."""
from __future__ import annotations

from collections import defaultdict, deque
from types import SimpleNamespace

import torch

PAD, EOS = 0, 1


class _Accelerator:
    device = torch.device("cpu")
    process_index, num_processes, sync_gradients, is_main_process = 0, 1, True, True

    def gather(self, x):
        return x

    def reduce(self, x, reduction="sum"):
        return x

    def pad_across_processes(self, x, dim=0, pad_index=0):
        return x

    def unwrap_model(self, model):
        return model


class DistAccelerator(_Accelerator):
    """Accelerate's collectives over a live torch.distributed group (gloo): what TRL calls between processes."""

    def __init__(self, rank: int, world_size: int):
        self.process_index, self.num_processes, self.is_main_process = rank, world_size, rank == 0

    def gather(self, x):
        import torch.distributed as dist

        x = x.reshape(1) if x.dim() == 0 else x.contiguous()
        parts = [torch.empty_like(x) for _ in range(self.num_processes)]
        dist.all_gather(parts, x)
        return torch.cat(parts)

    def reduce(self, x, reduction="sum"):
        import torch.distributed as dist

        x = x.clone()
        dist.all_reduce(x)
        return x

    def pad_across_processes(self, x, dim=0, pad_index=0):
        import torch.distributed as dist

        size = torch.tensor([x.size(0)])
        dist.all_reduce(size, op=dist.ReduceOp.MAX)
        return torch.cat([x, x.new_full((int(size) - x.size(0), *x.shape[1:]), pad_index)])


class _Model:
    training, is_gradient_checkpointing = True, False


class _Decoder:
    def batch_decode(self, ids, skip_special_tokens=True):
        return [" ".join(str(t) for t in row if t not in (PAD, EOS)) for row in ids]


def trl_trainer(*, num_generations=2, loss_type="dapo", beta=0.0, epsilon=0.2, epsilon_high=None, delta=None,
                importance_sampling_level="token", scale_rewards="group", mask_truncated_completions=False,
                gradient_accumulation_steps=1, num_iterations=1, use_bias_correction_kl=True, top_entropy_quantile=1.0,
                off_policy_mask_threshold=None, max_completion_length=6, reward_funcs=(), per_device_train_batch_size=2,
                rloo=False, normalize_advantages=False, reward_clip_range=None, accelerator=None,
                multi_objective_aggregation="sum_then_normalize", reward_weights=None, steps_per_generation=None,
                **loss_args):
    """A GRPOTrainer (rloo: TRL's RLOOTrainer, for its leave-one-out advantages) with these settings."""
    from transformers import TrainerState
    from trl.trainer.grpo_trainer import GRPOTrainer
    from trl.trainer.rloo_trainer import RLOOTrainer

    tr = object.__new__(RLOOTrainer if rloo else GRPOTrainer)
    tr.normalize_advantages, tr.reward_clip_range = normalize_advantages, reward_clip_range
    defaults = dict(sapo_temperature_pos=1.0, sapo_temperature_neg=1.05, vespo_k_pos=2.0, vespo_lambda_pos=3.0,
                    vespo_k_neg=3.0, vespo_lambda_neg=2.0, entropy_target=0.2)
    tr.args = SimpleNamespace(
        use_bias_correction_kl=use_bias_correction_kl, delta=delta, steps_per_generation=steps_per_generation or gradient_accumulation_steps,
        gradient_accumulation_steps=gradient_accumulation_steps, per_device_train_batch_size=per_device_train_batch_size,
        gradient_checkpointing_kwargs=None, report_to=[], **{**defaults, **loss_args})
    tr.accelerator, tr.model, tr.ref_model = accelerator or _Accelerator(), _Model(), _Model()
    tr.loss_type, tr.beta, tr.importance_sampling_level = loss_type, beta, importance_sampling_level
    tr.epsilon_low, tr.epsilon_high = epsilon, epsilon if epsilon_high is None else epsilon_high
    tr.top_entropy_quantile, tr.off_policy_mask_threshold = top_entropy_quantile, off_policy_mask_threshold
    tr.max_completion_length, tr.num_iterations = max_completion_length, num_iterations
    tr.current_gradient_accumulation_steps = gradient_accumulation_steps
    tr.use_vllm = tr.vllm_importance_sampling_correction = False
    tr._entropy_bonus_enabled = tr.aux_loss_enabled = tr.use_adaptive_entropy = False
    tr.num_generations = tr.num_generations_eval = num_generations
    tr.scale_rewards, tr.multi_objective_aggregation = scale_rewards, multi_objective_aggregation
    tr.mask_truncated_completions = mask_truncated_completions
    tr.environment_factories = tr.tools = tr.environments = tr.rollout_func = None
    tr._is_vlm, tr.log_multimodal, tr.pad_to_multiple_of = False, False, None
    tr.processing_class, tr._tokenizer = _Decoder(), SimpleNamespace(pad_token_id=PAD)
    tr.eos_token_ids = [EOS]
    tr.reward_funcs = list(reward_funcs)
    tr.reward_processing_classes = [None] * len(tr.reward_funcs)
    tr.reward_func_names = [f.__name__ for f in tr.reward_funcs]
    tr.reward_weights = torch.ones(len(tr.reward_funcs)) if reward_weights is None else torch.tensor(reward_weights)
    tr.state = TrainerState()
    tr._metrics = {"train": defaultdict(list), "eval": defaultdict(list)}
    tr._logs = {"images": deque(), "prompt": deque(), "completion": deque(), "rewards": defaultdict(deque),
                "advantages": deque(), "extra": defaultdict(deque)}
    tr._pending_extra_logs, tr._pending_metrics = defaultdict(list), defaultdict(list)
    return tr


def stand_in_forward(tr, logps: torch.Tensor, entropies: torch.Tensor, rows: slice | None = None):
    """The model forward returns these tensors (rows: the micro-batch's rows of the generation batch)."""
    def forward(model, input_ids, attention_mask, logits_to_keep, *args, **kw):
        sl = rows if rows is not None else slice(0, input_ids.size(0))
        return logps[sl], entropies[sl], None
    tr._get_per_token_logps_and_entropies = forward


def stand_in_generation(tr, prompt_ids: list[list[int]], completion_ids: list[list[int]]):
    """Tokenisation and generation return these token lists (completions end at their EOS, or are cut)."""
    tr._tokenize_prompts = lambda prompts: (prompt_ids, None, {})
    def generate(ids, images, fields, *num_generations, **kw):  # RLOOTrainer's takes no num_generations
        out = [list(c) for c in completion_ids]
        return (out, None) if num_generations else out
    tr._generate_single_turn = generate


def logged(tr) -> dict[str, float]:
    """What TRL's `log` reports from its metric lists (the NaN-ignoring mean of each; None when none is left)."""
    import math

    out = {}
    for k, values in tr._metrics["train"].items():
        valid = [v for v in values if not math.isnan(v)]
        out[k] = sum(valid) / len(valid) if valid else None
    return out
