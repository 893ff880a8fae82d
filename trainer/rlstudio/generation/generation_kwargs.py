"""TRL's `generation_kwargs` merged with the sampling settings: a key that is also a setting overrides it (as in
TRL), the sampling warpers go to keyed sampling (which applies them itself, in transformers' order), and the rest
goes to `generate` as it is (suppress_tokens, no_repeat_ngram_size, bad_words_ids, ...)."""
from __future__ import annotations

# transformers' sampling warpers, in the order its generate() applies them (GenerationMixin._get_logits_processor)
WARPER_KEYS = ("temperature", "top_h", "top_k", "top_p", "min_p", "typical_p", "epsilon_cutoff", "eta_cutoff")

# keys RL Studio sets itself: the group needs G independent samples of at most max_completion_length tokens
REFUSED = {
    "num_beams": "beam search returns the likeliest sequences, not G independent samples of a prompt",
    "num_return_sequences": "the G completions of a prompt are set by grpo.num_generations",
    "do_sample": "sampling is always on in training (eval.do_sample sets evaluation's)",
    "max_new_tokens": "set sampling.max_completion_length (the dr_grpo normaliser and the truncation mask read it)",
    "max_length": "set sampling.max_completion_length (the dr_grpo normaliser and the truncation mask read it)",
    "min_new_tokens": "RL Studio's completion mask ends at the first end-of-sequence token",
    "pad_token_id": "the tokenizer's pad token pads completions",
    "eos_token_id": "the completion mask ends at the tokenizer's and model's end-of-sequence tokens",
}


def refused_keys(generation_kwargs: dict | None) -> list[tuple[str, str]]:
    """(key, why) for each key RL Studio does not take from generation_kwargs (num_beams 1 is harmless)."""
    out = []
    for key, why in REFUSED.items():
        value = (generation_kwargs or {}).get(key)
        if key in (generation_kwargs or {}) and not (key == "num_beams" and value == 1):
            out.append((key, why))
    return out


def split_generation_kwargs(warpers: dict, repetition_penalty: float, generation_kwargs: dict | None
                            ) -> tuple[dict, float, dict]:
    """(warper settings, repetition_penalty, other generate() kwargs), generation_kwargs overriding the settings."""
    bad = refused_keys(generation_kwargs)
    if bad:
        raise ValueError("sampling.generation_kwargs: " + "; ".join(f"{k} is not accepted ({why})" for k, why in bad))
    rest = dict(generation_kwargs or {})
    rest.pop("num_beams", None)
    warpers = {**warpers, **{k: rest.pop(k) for k in WARPER_KEYS if k in rest}}
    repetition_penalty = rest.pop("repetition_penalty", repetition_penalty)
    return warpers, repetition_penalty, rest
