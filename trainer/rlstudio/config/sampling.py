"""The sampling settings: one accessor that training, evaluation and serving all read, so a setting means the same
thing everywhere and an algorithm's own block never has to be consulted for how text is generated."""
from __future__ import annotations

SAMPLING_KEYS = ("max_completion_length", "temperature", "top_p", "top_k", "repetition_penalty", "min_p",
                 "generation_kwargs")


def sampling_settings(config: dict) -> dict:
    """TRL's names -> values, from the config's sampling settings (defaults filled by the schema)."""
    block = config["sampling"]
    return {k: block[k] for k in SAMPLING_KEYS}


def sampling_params(config: dict, do_sample: bool = True):
    """generation.rollout.SamplingParams for this config (imported here: config/ stays free of torch for validate)."""
    from rlstudio.generation.rollout import SamplingParams

    return SamplingParams(**sampling_settings(config), do_sample=do_sample)


def chat_template_kwargs(config: dict) -> dict | None:
    """TRL's chat_template_kwargs (in the grpo block for now): how prompts are rendered for training, eval and the
    warm start alike."""
    return (config.get("grpo") or {}).get("chat_template_kwargs")


def eval_num_generations(config: dict) -> int:
    """Completions per eval prompt: TRL's num_generations_eval; unset, num_generations when eval samples and 1 when
    it is greedy (every completion of a prompt would be the same)."""
    g = config.get("grpo") or {}
    if g.get("num_generations_eval"):
        return g["num_generations_eval"]
    return g.get("num_generations", 1) if (config.get("eval") or {}).get("do_sample") else 1
