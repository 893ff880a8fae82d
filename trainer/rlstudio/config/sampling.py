"""The sampling settings: one accessor that training, evaluation and serving all read, so a setting means the same
thing everywhere and an algorithm's own block never has to be consulted for how text is generated."""
from __future__ import annotations

SAMPLING_KEYS = ("max_completion_length", "temperature", "top_p", "top_k", "repetition_penalty", "min_p",
                 "generation_kwargs")


def sampling_settings(config: dict) -> dict:
    """TRL's names -> values, from the config's sampling settings (defaults filled by the schema)."""
    block = config["grpo"]
    return {k: block[k] for k in SAMPLING_KEYS}


def sampling_params(config: dict, do_sample: bool = True):
    """generation.rollout.SamplingParams for this config (imported here: config/ stays free of torch for validate)."""
    from rlstudio.generation.rollout import SamplingParams

    return SamplingParams(**sampling_settings(config), do_sample=do_sample)
