"""The decode loop of a keyed-sampling generate(), run here without generate()'s per-step machinery.

A training rollout is one case of generate(): greedy over keyed noise (keyed_sampling), a reserved KV cache, the
sampling warpers and an end-of-sequence stop, nothing else. For a small model on CPU a decode step's forward is a few
milliseconds, and generate()'s own work around it (input preparation, the growing input and mask, the logits-processor
list, the stopping criteria, the argmax over a -inf vocabulary) is about a fifth of each step. On the tiny model (64
rows x 128 new tokens, one thread, reserved cache) this loop takes 0.75 s CPU where generate() takes 0.81 s (medians
of 6 alternating runs). It computes the same thing: the same forward inputs (the uncached prompt tokens, then one
token per step, with generate()'s positions and mask), the same float32 last-position logits, the same warpers and
keyed draw, finished rows padded and the loop ended when every row has finished. It is used only where nothing else
of generate() would apply (can_decode_here); everything else goes through generate()."""
from __future__ import annotations

import torch

from rlstudio.generation.keyed_sampling import KeyedSampler
from rlstudio.generation.positions import left_padded_positions
from rlstudio.generation.reserved_cache import ReservedLayer
from rlstudio.generation.shared_prompt import is_sharded

# GenerationConfig fields that leave a greedy decode with our processors as it is: ids, switches of what generate()
# returns, the cache switch, and the sampling warpers (generate() applies them only with do_sample, which the keyed
# path turns off; keyed_sampling_processors applies the run's own).
NEUTRAL_SETTINGS = {
    "bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id", "use_cache", "output_attentions",
    "output_hidden_states", "output_scores", "output_logits", "return_dict_in_generate", "_from_model_config",
    "transformers_version", "do_sample", "temperature", "top_p", "top_k", "min_p", "typical_p", "epsilon_cutoff",
    "eta_cutoff", "top_h", "max_length", "max_new_tokens", "num_beams", "num_return_sequences",
}


def can_decode_here(model, cache, extra_kwargs: dict, repetition_penalty: float) -> bool:
    """Whether generate() would do no more than this loop: a reserved cache, a model that is not sharded, no generate()
    settings beyond the sampling ones (generation_kwargs' extras, a repetition penalty), and no setting in the model's
    own generation config that adds a logits processor or a stopping rule (a checkpoint's default repetition penalty,
    suppressed tokens, stop strings, ...)."""
    if cache is None or not all(isinstance(layer, ReservedLayer) for layer in cache.layers):
        return False
    if is_sharded(model):  # generate() keeps sharded processes stepping together (synced_gpus); this loop does not
        return False
    if extra_kwargs or repetition_penalty != 1.0 or getattr(model.config, "is_encoder_decoder", False):
        return False
    config = getattr(model, "generation_config", None)
    if config is None:
        return False
    beams = (getattr(config, "num_beams", 1) or 1, getattr(config, "num_return_sequences", 1) or 1)
    return set(config.to_diff_dict()) <= NEUTRAL_SETTINGS and beams == (1, 1)


@torch.no_grad()
def keyed_decode(model, prompt_ids: torch.Tensor, prompt_mask: torch.Tensor, cache, max_new_tokens: int,
                 processors: list, eos: list[int], pad_id: int) -> torch.Tensor:
    """[B, t] generated ids (t <= max_new_tokens: the loop ends when every row has an end-of-sequence token), rows
    padded after theirs, as generate(...)[:, P:] with logits_processor=processors and do_sample False. processors:
    keyed_sampling_processors' list, its KeyedSampler last. cache: holds the first cache.get_seq_length() prompt
    positions (or none)."""
    *warpers, sampler = processors
    assert isinstance(sampler, KeyedSampler), "keyed_decode draws with the keyed sampler, which must come last"
    B, P = prompt_ids.shape
    sequence = prompt_ids.new_full((B, P + max_new_tokens), pad_id)
    sequence[:, :P] = prompt_ids
    attention = prompt_mask.new_ones((B, P + max_new_tokens))
    attention[:, :P] = prompt_mask
    positions = left_padded_positions(prompt_mask)
    eos_ids = torch.tensor(eos, dtype=prompt_ids.dtype, device=prompt_ids.device)
    unfinished = torch.ones(B, dtype=torch.bool, device=prompt_ids.device)
    cached = cache.get_seq_length()
    inputs, input_positions = prompt_ids[:, cached:], positions[:, cached:]
    for t in range(max_new_tokens):
        logits = model(input_ids=inputs, attention_mask=attention[:, :P + t], position_ids=input_positions,
                       cache=cache, use_cache=True, logits_to_keep=1).logits
        scores = logits[:, -1].to(dtype=torch.float32, copy=True)
        for warper in warpers:
            scores = warper(sequence[:, :P + t], scores)
        tokens = sampler.draw(scores, t).masked_fill_(~unfinished, pad_id)
        sequence[:, P + t] = tokens
        unfinished &= ~torch.isin(tokens, eos_ids)
        if not bool(unfinished.any()):
            return sequence[:, P:P + t + 1]
        inputs, input_positions = tokens.unsqueeze(1), input_positions[:, -1:] + 1
    return sequence[:, P:]
