"""Loading the policy (any HF causal LM by local path or hub id, or builtin:tiny), LoRA, and the reference model."""
from __future__ import annotations

import contextlib
import copy
from pathlib import Path

import torch

from rlstudio.models.tiny import resolve_builtin


def quiet_transformers() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def pick_dtype(name: str, device: torch.device) -> torch.dtype:
    if name == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[name]


def load_tokenizer(path: str, trust_remote_code: bool = False):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok


def _from_pretrained(path: str, dtype: torch.dtype, trust_remote_code: bool):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(path, dtype=dtype, trust_remote_code=trust_remote_code)


def load_policy(model_cfg: dict, device: torch.device, weights_from: Path | None = None):
    """(model, tokenizer, dtype, source path). weights_from: a checkpoint's model/ folder (full weights or adapter)."""
    quiet_transformers()
    source = resolve_builtin(model_cfg["name_or_path"])
    dtype = pick_dtype(model_cfg.get("dtype", "auto"), device)
    trust = model_cfg.get("trust_remote_code", False)
    lora = model_cfg.get("lora") or {}
    if weights_from is not None and not lora.get("enabled"):
        model = _from_pretrained(str(weights_from), dtype, trust)
    else:
        model = _from_pretrained(source, dtype, trust)
    tokenizer = load_tokenizer(str(weights_from) if weights_from is not None else source, trust)
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    if model_cfg.get("gradient_checkpointing"):
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.config.use_cache = False
    if lora.get("enabled"):
        model = attach_lora(model, lora, weights_from, model_cfg.get("gradient_checkpointing", False))
    model.to(device)
    model.train()
    return model, tokenizer, dtype, source


def attach_lora(model, lora: dict, adapter_from: Path | None = None, gradient_checkpointing: bool = False):
    from peft import LoraConfig, PeftModel, get_peft_model

    if gradient_checkpointing:  # frozen embeddings: checkpointed blocks need an input that requires grad
        model.enable_input_require_grads()
    if adapter_from is not None:
        return PeftModel.from_pretrained(model, str(adapter_from), is_trainable=True)
    target = lora.get("target_modules", "all-linear")
    cfg = LoraConfig(
        r=lora.get("r", 16),
        lora_alpha=lora.get("lora_alpha", 32),
        lora_dropout=lora.get("lora_dropout", 0.05),
        target_modules=target,
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, cfg)


def is_peft(model) -> bool:
    return hasattr(model, "disable_adapter") and hasattr(model, "peft_config")


class Reference:
    """Where reference log-probs come from when beta > 0: a frozen copy, or the LoRA policy with adapters off."""

    def __init__(self, model=None, policy=None):
        self.model = model
        self.policy = policy  # set for LoRA: use policy.disable_adapter()

    @contextlib.contextmanager
    def active(self):
        if self.policy is not None:
            with self.policy.disable_adapter():
                yield self.policy
        else:
            yield self.model


def frozen_copy(model, device):
    """An eval-mode, gradient-free copy of model on device (the reference when it is the policy at the start of RL)."""
    ref = copy.deepcopy(model)
    ref.to(device)
    ref.eval()
    for p in ref.parameters():
        p.requires_grad_(False)
    return ref


def load_frozen(path: str | Path, model_cfg: dict, device, dtype):
    """A frozen model loaded from a folder, exactly as load_policy loads a full model (same loader, same dtype)."""
    return frozen_copy(_from_pretrained(str(path), dtype, model_cfg.get("trust_remote_code", False)), device)


def count_parameters(model) -> tuple[int, int]:
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return total, trainable
