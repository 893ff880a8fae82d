"""Names TRL's GRPOConfig no longer has, and settings RL Studio moved, with what replaced them: a config carried over
gets this in its located error instead of 'check the spelling'."""
from __future__ import annotations

REMOVED = {
    ("grpo", "max_prompt_length"): "TRL removed max_prompt_length from GRPOConfig; RL Studio cuts prompts with "
                                   "data.max_prompt_length (move it there)",
    ("grpo", "use_liger_loss"): "TRL replaced use_liger_loss with TrainingArguments' use_liger_kernel; RL Studio "
                                "computes the GRPO loss itself and has no Liger kernel, so delete it",
    ("grpo", "wandb_log_unique_prompts"): "TRL renamed wandb_log_unique_prompts to log_unique_prompts; RL Studio "
                                          "logs sampled groups through logging.num_completions_to_log, so delete it",
}
for _key in ("max_completion_length", "temperature", "top_p", "top_k", "repetition_penalty"):
    REMOVED[("grpo", _key)] = (f"{_key} moved to sampling.{_key}: one sampling block serves every algorithm, "
                               f"the evaluation and the inference panel")


def removed_hint(path: tuple, key: str) -> str | None:
    """What replaced `key` in the block at `path` (a JSON path of the config), or None for an unknown name."""
    return REMOVED.get(tuple(str(p) for p in path) + (key,))
