"""Evaluation on held-out prompts: greedy (or sampled) completions scored by the run's reward functions, plus an
accuracy where the dataset carries a reference answer. Metrics are prefixed eval_."""
from __future__ import annotations

import torch

from rlstudio.data.answers import answers_match, extract_answer_tag, extract_boxed
from rlstudio.data.datasets import column_names, render_prompt
from rlstudio.rewards import score_completions
from rlstudio.generation.rollout import SamplingParams, generate, tokenize_prompts


def answer_correct(completion: str, reference: str) -> bool:
    answer = extract_answer_tag(completion)
    if answer is None:
        answer = extract_boxed(completion)
    return answer is not None and answers_match(answer, str(reference))


@torch.no_grad()
def evaluate(model, tokenizer, records, data_cfg: dict, reward_funcs, params: SamplingParams, device,
             batch_size: int = 64, num_samples: int = 4, num_generations: int = 1,
             chat_template_kwargs: dict | None = None) -> tuple[dict, list[dict]]:
    """(eval_ metrics, a few sample dicts). Sampling (params.do_sample) runs in a forked RNG so evaluation never
    shifts the training run's random stream (a run with eval and one without sample the same completions).
    num_generations: completions per prompt (TRL's num_generations_eval); the metrics average over all of them."""
    prompts_count = len(records)
    records = [r for r in records for _ in range(num_generations)]
    texts, ids_all, lengths, truncated = [], [], [], []
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(0)
        for start in range(0, len(records), batch_size):
            chunk = records[start:start + batch_size]
            prompts = [render_prompt(r, tokenizer, data_cfg, chat_template_kwargs) for r in chunk]
            p_ids, p_mask = tokenize_prompts(tokenizer, prompts, data_cfg.get("max_prompt_length"), device)
            ro = generate(model, tokenizer, p_ids, p_mask, params)
            for row, m, tr in zip(ro.completion_ids, ro.completion_mask, ro.truncated):
                ids = row[m.bool()].tolist()
                ids_all.append(ids)
                texts.append(tokenizer.decode(ids, skip_special_tokens=True))
                lengths.append(len(ids))
                truncated.append(bool(tr))
    scores = score_completions(reward_funcs, records, [r.prompt for r in records], texts, ids_all,
                               columns=column_names([records]))
    metrics = {
        "eval_reward": float(scores.total.mean()),
        "eval_reward_std": float(scores.total.std()) if len(records) > 1 else 0.0,
        "eval_completions/mean_length": sum(lengths) / max(len(lengths), 1),
        "eval_completions/clipped_ratio": sum(truncated) / max(len(truncated), 1),
        "eval_num_samples": float(prompts_count),
    }
    if num_generations > 1:  # TRL's frac_reward_zero_std over the eval groups
        stds = scores.total.view(-1, num_generations).std(dim=1)
        metrics["eval_frac_reward_zero_std"] = float(torch.isclose(stds, torch.zeros_like(stds)).float().mean())
    for k, v in scores.function_metrics().items():
        metrics["eval_" + k] = v
    with_ref = [(t, r.reference) for t, r in zip(texts, records) if r.reference not in (None, "")]
    if with_ref:
        metrics["eval_accuracy"] = sum(answer_correct(t, ref) for t, ref in with_ref) / len(with_ref)
    samples = []
    for i in range(min(num_samples, len(records))):
        samples.append({
            "group": i // num_generations, "index": i % num_generations,
            "prompt": render_prompt(records[i], tokenizer, data_cfg, chat_template_kwargs), "completion": texts[i],
            "rewards": {n: (None if v != v else float(v)) for n, v in zip(scores.names, scores.per_function[i].tolist())},
            "reward": float(scores.total[i]), "advantage": 0.0, "length": lengths[i], "truncated": truncated[i],
        })
    return metrics, samples
