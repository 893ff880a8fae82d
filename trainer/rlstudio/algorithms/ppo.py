"""PPO actor-critic (TRL PPOTrainer semantics, formulas in ppo_loss.py): one completion per prompt, a score from the
reward functions (a trained reward model is one of them: rewards "reward_model:<folder>"), a per-token KL penalty
against the frozen reference, GAE over the critic's values, whitened advantages; each rollout batch serves
num_ppo_epochs x num_mini_batches optimizer steps over the policy and the critic together (TRL's one optimizer over
PolicyAndValueWrapper), each step accumulating gradient_accumulation_steps micro-batches. Under torchrun each process
trains on its own local rollout batch with DDP over the policy and critic together (ppo_ranks.py says how)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from rlstudio.algorithms import ppo_loss as P
from rlstudio.algorithms.base import Algorithm, AlgorithmSetup, BatchSchedule, StepResult
from rlstudio.algorithms.ppo_ranks import local_shard, rollout_metrics_over_ranks, step_metrics_over_ranks
from rlstudio.algorithms.grpo_batch import completion_length_metrics
from rlstudio.algorithms.grpo_loss import entropy_from_logits, token_logps_and_entropy
from rlstudio.config.preflight import ppo_batch_problem, ppo_strategy_problem
from rlstudio.config.sampling import sampling_params
from rlstudio.data.datasets import render_prompt
from rlstudio.generation.keyed_sampling import row_keys
from rlstudio.generation.rollout import Rollout, generate, tokenize_prompts
from rlstudio.models.policy_and_value import PolicyAndValue
from rlstudio.models.value_head import Critic, SharedValueHead, hidden_size_of
from rlstudio.rewards import score_completions
from rlstudio.rewards.reward_logs import RewardLogs
from rlstudio.training.distributed import gradient_sync
from rlstudio.user_errors import UserError

CRITIC_DIR, VALUE_HEAD_DIR = "critic", "value_head"


@dataclass
class PPOBatch:
    rollout: Rollout
    logprobs: torch.Tensor  # [B, T] the sampling policy's log-probs of the completion tokens
    values: torch.Tensor  # [B, T] the critic's values at rollout time, 0 outside the value mask
    advantages: torch.Tensor  # [B, T] whitened, 0 past the completion
    returns: torch.Tensor  # [B, T]
    first_step: int  # the global step this batch was made for (seeds its mini-batch shuffles)
    metrics: dict = field(default_factory=dict)
    samples: list = field(default_factory=list)
    ratio_means: list = field(default_factory=list)  # each micro-batch's mean ratio so far (TRL's val/ratio_var)

    @property
    def masks(self) -> P.Masks:
        return P.response_masks(self.rollout.completion_mask)

    def tensors(self) -> dict:
        r = self.rollout
        return {"prompt_ids": r.prompt_ids.cpu(), "prompt_mask": r.prompt_mask.cpu(), "completion_ids": r.completion_ids.cpu(),
                "completion_mask": r.completion_mask.cpu(), "truncated": r.truncated.cpu(), "logprobs": self.logprobs.cpu(),
                "values": self.values.cpu(), "advantages": self.advantages.cpu(), "returns": self.returns.cpu(),
                "first_step": self.first_step, "metrics": self.metrics, "samples": self.samples,
                "ratio_means": list(self.ratio_means)}

    @classmethod
    def from_tensors(cls, d: dict, device) -> "PPOBatch":
        ro = Rollout(d["prompt_ids"].to(device), d["prompt_mask"].to(device), d["completion_ids"].to(device),
                     d["completion_mask"].to(device), d["truncated"].to(device))
        return cls(ro, d["logprobs"].to(device), d["values"].to(device), d["advantages"].to(device),
                   d["returns"].to(device), int(d["first_step"]), dict(d["metrics"]), list(d.get("samples") or []),
                   [float(x) for x in d.get("ratio_means") or []])


class PPO(Algorithm):
    name = "ppo"

    def __init__(self, setup: AlgorithmSetup):
        super().__init__(setup)
        cfg = setup.config
        self.p, self.t = cfg["ppo"], cfg["training"]
        self.sampling = sampling_params(cfg)
        self.kl = P.AdaptiveKLController(self.p["kl_coef"], **self.p["adaptive_kl"]) if self.p["adaptive_kl"] else None
        critic_cfg = self.p["critic"]
        self.value_head = self.critic = None
        if critic_cfg["shared_backbone"]:
            self.value_head = SharedValueHead(hidden_size_of(setup.model)).to(setup.ctx.device)
        else:
            source = critic_cfg["init_from"]
            if source == "policy":  # the policy as loaded (after any warm start): its weights in a critic with a new head
                source = self._policy_snapshot()
            self.critic = Critic.load(source, setup.ctx.device, setup.dtype,
                                      setup.config["model"].get("trust_remote_code", False), setup.tokenizer.pad_token_id)
        # one module, so the loop's one DDP wrapper averages the critic's gradients with the policy's (TRL's wrapper)
        self.policy_and_value = PolicyAndValue(setup.model, self.critic, self.value_head)

    def _policy_snapshot(self) -> Path:
        """The policy's current weights as a folder the critic can load (LoRA: the base model it adapts)."""
        from rlstudio.models.policy import is_peft
        from rlstudio.models.tiny import resolve_builtin

        if is_peft(self.setup.model) or not (self.setup.config.get("warm_start") or {}).get("steps"):
            return Path(resolve_builtin(self.setup.config["model"]["name_or_path"]))
        folder = self.setup.run_dir / "critic-init"
        if self.setup.ctx.is_main and not (folder / "config.json").is_file():  # one writer; the others wait for it
            self.setup.model.save_pretrained(folder, safe_serialization=True)
        self.setup.ctx.barrier()
        return folder

    @classmethod
    def batch_schedule(cls, config: dict, world_size: int) -> BatchSchedule:
        # the rules validate applies, met again on a resume
        problem = ppo_batch_problem(config, world_size) or ppo_strategy_problem(config, world_size)
        if problem:
            raise UserError(problem)
        t, p = config["training"], config["ppo"]
        local = t["per_device_train_batch_size"] * t["gradient_accumulation_steps"] * p["num_mini_batches"]
        return BatchSchedule(local * world_size, p["num_ppo_epochs"] * p["num_mini_batches"])  # TRL's batch_size

    def train_module(self):
        return self.policy_and_value

    def trainable_parameters(self) -> list:
        extra = self.critic if self.critic is not None else self.value_head
        return super().trainable_parameters() + [q for q in extra.parameters() if q.requires_grad]

    @property
    def kl_coef(self) -> float:
        return self.kl.value if self.kl is not None else self.p["kl_coef"]

    # ---- values ----------------------------------------------------------------------------------------------------

    def _forward(self, model, ro: Rollout, with_values: bool):
        """Policy log-probs and logits of the completion tokens, and the values at their positions (TRL: the value of
        the state before each completion token). model: a PolicyAndValue (DDP-wrapped in the loss step) with_values,
        else a causal LM (the reference)."""
        ids, attention, positions = ro.sequences()
        T = ro.completion_ids.size(1)
        values = None
        if with_values:
            logits, values = model(ids, attention, positions, T)
        else:
            logits = model(input_ids=ids, attention_mask=attention, position_ids=positions,
                           use_cache=False).logits[:, -T - 1:-1, :]
        logits = logits / self.sampling.temperature
        logps, _ = token_logps_and_entropy(logits, ro.completion_ids)
        return logps, logits, values

    # ---- rollout ---------------------------------------------------------------------------------------------------

    def build_batch(self, records: list, trainer_state, draw=None) -> PPOBatch:
        s, p = self.setup, self.p
        global_prompts = len(records)
        records, lo = local_shard(s.ctx, records)  # from here on, this process's local rollout batch
        prompts_text = [render_prompt(r, s.tokenizer, s.config["data"]) for r in records]
        p_ids, p_mask = tokenize_prompts(s.tokenizer, prompts_text, s.config["data"].get("max_prompt_length"), s.ctx.device)
        keys = row_keys(self.t["seed"], trainer_state.global_step, torch.arange(lo, lo + len(records)))
        ro = generate(s.model, s.tokenizer, p_ids, p_mask, self.sampling, sample_keys=keys)
        ids_list = [row[m.bool()].tolist() for row, m in zip(ro.completion_ids.cpu(), ro.completion_mask.cpu())]
        texts = [s.tokenizer.decode(ids, skip_special_tokens=True) for ids in ids_list]
        logs = RewardLogs(len(records))
        reward = score_completions(s.reward_funcs, records, [r.prompt for r in records], texts, ids_list, trainer_state,
                                   s.columns, log_extra=logs.log_extra, log_metric=logs.log_metric)
        scores = P.apply_missing_eos_penalty(reward.total.to(s.ctx.device), ~ro.truncated, p["missing_eos_penalty"])
        masks = P.response_masks(ro.completion_mask)

        with torch.no_grad():  # in the mode the loss steps run in, so the first step's ratio is exactly 1
            logprobs, _, values = self._forward(self.policy_and_value, ro, with_values=True)
            ref_logprobs = logprobs
            if s.reference is not None:
                with s.reference.active() as ref_model:
                    ref_logprobs, _, _ = self._forward(ref_model, ro, with_values=False)
            values = values.masked_fill(~masks.value, 0)
            kl_coef = self.kl_coef
            pen = P.kl_penalised_rewards(scores, logprobs, ref_logprobs, masks, kl_coef, p["kl_estimator"],
                                         p["whiten_rewards"])
            advantages, returns = P.gae(pen.rewards, values, p["gamma"], p["lam"])
            advantages = P.whiten_advantages(advantages, masks)  # over this process's batch, as TRL does

        lengths = ro.completion_mask.sum(1).float()
        metrics = {
            **P.sequence_metrics(pen.kl, pen.non_score_reward, logprobs.masked_fill(~masks.token, P.INVALID_LOGPROB),
                                 scores, masks.token),
            "reward": float(reward.total.mean()), "reward_std": float(reward.total.std()) if len(records) > 1 else 0.0,
            **reward.function_metrics(), **completion_length_metrics(lengths.cpu(), ro.truncated.cpu()),
            "val/num_eos_tokens": float((~ro.truncated).sum()),
            "val/explained_variance": P.explained_variance(values, returns, masks.value),
            "kl_coef": kl_coef, "batch_tokens": float(p_mask.sum() + lengths.sum()),
        }
        metrics = rollout_metrics_over_ranks(s.ctx, metrics, reward, lengths, ro.truncated, values, returns, masks.value)
        if self.kl is not None:  # Ziegler et al.: after each rollout, towards the target KL (the same on every rank)
            self.kl.update(metrics["objective/kl"], global_prompts)
        log_cfg = s.config["logging"]
        samples = []
        if log_cfg["log_completions"] and s.ctx.is_main:  # the main process's rows, as GRPO logs them
            n = len(records) if log_cfg["num_completions_to_log"] is None else min(log_cfg["num_completions_to_log"], len(records))
            for i in range(n):
                tok_mask = masks.token[i]
                samples.append({
                    "group": i, "index": 0, "prompt": prompts_text[i], "completion": texts[i], "source": records[i].source,
                    "rewards": {name: (None if v != v else float(v)) for name, v in zip(reward.names, reward.per_function[i].tolist())},
                    "reward": float(scores[i]), "advantage": float(advantages[i][tok_mask].mean()) if tok_mask.any() else 0.0,
                    "length": len(ids_list[i]), "truncated": bool(ro.truncated[i]), "completion_ids": ids_list[i],
                    "tokens": [s.tokenizer.decode([t]) for t in ids_list[i]],
                    **({"extra": logs.row_extras(i)} if logs.extra else {}),
                })
        return PPOBatch(ro, logprobs, values, advantages, returns, trainer_state.global_step, metrics, samples)

    def batch_from_tensors(self, tensors: dict) -> PPOBatch:
        return PPOBatch.from_tensors(tensors, self.setup.ctx.device)

    # ---- optimisation ----------------------------------------------------------------------------------------------

    def _mini_batch_rows(self, batch: PPOBatch, step: int) -> torch.Tensor:
        """The rows of this step's mini-batch: a fresh shuffle per PPO epoch (as TRL), keyed by the batch's first
        step and the epoch so a resume mid-batch draws the same order without any RNG state."""
        index = step - batch.first_step
        epoch, mini = divmod(index, self.p["num_mini_batches"])
        key = ((self.t["seed"] * 1_000_003 + batch.first_step) * 7919 + epoch) % (2**63 - 1)
        order = torch.randperm(batch.rollout.completion_ids.size(0), generator=torch.Generator().manual_seed(key))
        size = order.numel() // self.p["num_mini_batches"]
        return order[mini * size:(mini + 1) * size]

    def loss_step(self, train_model, batch: PPOBatch, step: int) -> StepResult:
        p = self.p
        rows = self._mini_batch_rows(batch, step)
        micro, accumulation = self.t["per_device_train_batch_size"], self.t["gradient_accumulation_steps"]
        masks = batch.masks
        sums: dict[str, float] = {}
        loss_sum = 0.0
        for m in range(accumulation):
            idx = rows[m * micro:(m + 1) * micro].to(batch.logprobs.device)
            ro = batch.rollout.select(idx)
            token_mask, value_mask = masks.token[idx], masks.value[idx]
            with gradient_sync(train_model, m == accumulation - 1):
                logps, logits, vpred = self._forward(train_model, ro, with_values=True)
                pol = P.policy_loss(logps, batch.logprobs[idx], batch.advantages[idx], token_mask, p["cliprange"])
                vf_loss, vf_clipfrac = P.value_loss(vpred, batch.values[idx], batch.returns[idx], value_mask,
                                                    p["cliprange_value"])
                entropy = entropy_from_logits(logits if p["entropy_coef"] else logits.detach())
                mean_entropy = P.masked_mean(entropy, token_mask.float())
                loss = pol.loss + p["vf_coef"] * vf_loss - p["entropy_coef"] * mean_entropy
                (loss / accumulation).backward()  # accelerate's accumulate divides the same way
            loss_sum += float(loss.detach()) / accumulation
            batch.ratio_means.append(float(pol.ratio_mean))
            for name, value in (("policy/approxkl_avg", pol.approxkl), ("policy/clipfrac_avg", pol.clipfrac),
                                ("loss/policy_avg", pol.loss), ("loss/value_avg", vf_loss),
                                ("val/clipfrac_avg", vf_clipfrac), ("policy/entropy_avg", mean_entropy),
                                ("val/ratio", pol.ratio_mean)):
                sums[name] = sums.get(name, 0.0) + float(value.detach()) / accumulation
        # averaged over processes; val/ratio_var over every process's micro-batches of this batch so far
        return StepResult(loss_sum, step_metrics_over_ranks(self.setup.ctx, sums, batch.ratio_means))

    # ---- checkpoint state ------------------------------------------------------------------------------------------

    def state_dict(self) -> dict:
        return {"kl": self.kl.state_dict()} if self.kl is not None else {}

    def load_state_dict(self, state: dict) -> None:
        if self.kl is not None and state.get("kl"):
            self.kl.load_state_dict(state["kl"])

    def save_weights(self, folder: Path) -> None:
        if self.critic is not None:
            self.critic.save(Path(folder) / CRITIC_DIR)
        else:
            self.value_head.save(Path(folder) / VALUE_HEAD_DIR)

    def load_weights(self, folder: Path) -> None:
        """Into the modules the optimizer already holds, so its restored state lines up with them."""
        folder = Path(folder)
        if self.critic is not None:
            if not (folder / CRITIC_DIR / "config.json").is_file():
                raise UserError(f"{folder / CRITIC_DIR}: missing; this checkpoint carries no PPO critic")
            saved = Critic.load(folder / CRITIC_DIR, "cpu", next(self.critic.parameters()).dtype)
            self.critic.model.load_state_dict(saved.model.state_dict())
        else:
            self.value_head.load_state_dict(SharedValueHead.load(folder / VALUE_HEAD_DIR, "cpu").state_dict())
