"""Memory pre-flight: before step 1, the worst training micro-batch (the longest prompt with max_completion_length
completion tokens, per_device_train_batch_size rows) goes through a forward and a backward pass, so a run that cannot
fit fails in seconds with a suggestion instead of hours in, and the peak is reported.

The pass runs under a forked RNG and leaves no gradients behind, so the run that follows is the run it would have been.
"""
from __future__ import annotations

import resource
import time
from dataclasses import dataclass

import torch

from rlstudio.config.sampling import sampling_settings
from rlstudio.data.datasets import render_prompt
from rlstudio.generation.rollout import Rollout, completion_logps
from rlstudio.user_errors import UserError

MAX_PROMPTS_MEASURED = 20000  # the longest prompt is looked for among this many (tokenising more costs start-up time)


class OutOfMemoryAtStart(UserError):
    pass


@dataclass
class PreflightResult:
    rows: int
    prompt_tokens: int
    completion_tokens: int
    peak_mb: float  # CUDA: peak allocated during the pass; CPU: the process's peak resident set after it
    seconds: float
    device: str

    def message(self) -> str:
        where = "GPU memory allocated" if self.device == "cuda" else "process peak RSS"
        return (f"memory pre-flight: a micro-batch of {self.rows} x ({self.prompt_tokens} prompt + {self.completion_tokens} "
                f"completion) tokens ran forward and backward in {self.seconds:.1f}s; {where} peak {self.peak_mb:.0f} MB")


def longest_prompt_tokens(datasets, tokenizer, data_cfg: dict) -> int:
    """Tokens of the longest rendered prompt (of the first MAX_PROMPTS_MEASURED), cut to max_prompt_length."""
    records = [r for d in datasets for r in d][:MAX_PROMPTS_MEASURED]
    longest = max((len(tokenizer(render_prompt(r, tokenizer, data_cfg), add_special_tokens=False)["input_ids"])
                   for r in records), default=1)
    limit = data_cfg.get("max_prompt_length")
    return max(1, min(longest, limit) if limit else longest)


def preflight_before_step_one(config: dict, model, tokenizer, datasets, ctx, events) -> PreflightResult:
    """The pre-flight of a fresh run: the worst micro-batch through the policy; the peak goes out as an info alert."""
    sampling = sampling_settings(config)
    result = run_memory_preflight(model, tokenizer, longest_prompt_tokens(datasets, tokenizer, config["data"]),
                                  sampling["max_completion_length"], config["training"]["per_device_train_batch_size"],
                                  sampling["temperature"], config, ctx.device)
    events.alert("info", "memory_preflight", result.message(), step=0)
    print(result.message(), flush=True)
    return result


def _is_oom(e: BaseException) -> bool:
    oom = getattr(torch, "OutOfMemoryError", None)
    text = str(e).lower()
    return (oom is not None and isinstance(e, oom)) or isinstance(e, MemoryError) or "out of memory" in text \
        or "can't allocate memory" in text or "failed to allocate" in text


def suggestion(config: dict) -> str:
    t, model = config["training"], config["model"]
    tips = [f"a smaller training.per_device_train_batch_size (now {t['per_device_train_batch_size']}) with a larger "
            f"gradient_accumulation_steps (now {t['gradient_accumulation_steps']}): the same completions per step"]
    if not model.get("gradient_checkpointing"):
        tips.append("model.gradient_checkpointing: true")
    if not (model.get("lora") or {}).get("enabled"):
        tips.append("LoRA (model.lora.enabled: true)")
    tips.append("a shorter max_completion_length")
    return "try " + "; or ".join(tips)


def run_memory_preflight(model, tokenizer, prompt_tokens: int, completion_tokens: int, rows: int, temperature: float,
                         config: dict, device: torch.device) -> PreflightResult:
    """Forward + backward of `rows` sequences of prompt_tokens + completion_tokens tokens; raises OutOfMemoryAtStart
    (a UserError with what to change) when they do not fit."""
    cuda = device.type == "cuda"
    pad = tokenizer.pad_token_id or 0
    filler = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else pad
    token = next((i for i in range(len(tokenizer)) if i not in (pad, filler)), filler)  # an ordinary token, not EOS
    ro = Rollout(torch.full((rows, prompt_tokens), token, dtype=torch.long, device=device),
                 torch.ones(rows, prompt_tokens, dtype=torch.long, device=device),
                 torch.full((rows, completion_tokens), token, dtype=torch.long, device=device),
                 torch.ones(rows, completion_tokens, dtype=torch.long, device=device),
                 torch.ones(rows, dtype=torch.bool, device=device))
    if cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    t0 = time.perf_counter()
    try:
        with torch.random.fork_rng(devices=[device] if cuda else []):
            # one pass over every row's prompt, as when no two rows of a micro-batch share one: the upper bound
            logps, entropy = completion_logps(model, ro, temperature, with_entropy=True, share_prompts=False)
            (logps.sum() + 0.0 * entropy.sum()).backward()
    except Exception as e:  # noqa: BLE001 - only an out-of-memory becomes the user's problem; the rest re-raises
        if not _is_oom(e):
            raise
        raise OutOfMemoryAtStart(
            f"out of memory before step 1: one training micro-batch of {rows} completions x ({prompt_tokens} prompt + "
            f"{completion_tokens} completion) tokens does not fit through a forward and backward pass on {device} "
            f"({type(e).__name__}). {suggestion(config)}.") from None
    finally:
        model.zero_grad(set_to_none=True)
    if cuda:
        torch.cuda.synchronize(device)
        peak = torch.cuda.max_memory_allocated(device) / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return PreflightResult(rows, prompt_tokens, completion_tokens, peak, time.perf_counter() - t0, device.type)
