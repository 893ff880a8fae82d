"""TRL 1.16's model settings of the GRPO block, applied to the policy and to a reference copy alike:
disable_dropout and cast_lm_head_to_fp32 (as GRPOTrainer.__init__ applies them)."""
from __future__ import annotations

import types

import torch


def disable_dropout(model: torch.nn.Module) -> None:
    """Every nn.Dropout's p set to 0 (TRL's disable_dropout_in_model; LoRA's dropout modules are nn.Dropout too)."""
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0


def _fp32_linear(self, hidden_states):
    return torch.nn.functional.linear(hidden_states.to(torch.float32), self.weight.to(torch.float32),
                                      None if self.bias is None else self.bias.to(torch.float32))


def _to_dtype_hook(dtype):
    def hook(module, args, output):
        return output.to(dtype)
    return hook


def cast_lm_head_to_fp32(model) -> None:
    """The language-model head in float32 with float32 logits (TRL's cast_lm_head_to_fp32). A tied head shares its
    weight with the input embeddings, which then return their output in the model's dtype, as TRL does. The forward
    is a method bound to the head, so a deep copy (the reference) computes with its own weights."""
    head = model.get_output_embeddings()
    if head is None or not isinstance(head, torch.nn.Linear):
        raise ValueError("grpo.cast_lm_head_to_fp32: the model has no linear language-model head to cast "
                         f"(found {type(head).__name__}); a LoRA adapter on lm_head is not supported either (as in TRL)")
    original = head.weight.dtype
    head.float()
    head.forward = types.MethodType(_fp32_linear, head)
    if getattr(model.config, "tie_word_embeddings", False) and original != torch.float32:
        model.get_input_embeddings().register_forward_hook(_to_dtype_hook(original))


def apply_model_settings(model, g: dict) -> None:
    """g: the config's grpo block."""
    if g.get("disable_dropout"):
        disable_dropout(model)
    if g.get("cast_lm_head_to_fp32"):
        cast_lm_head_to_fp32(model)
