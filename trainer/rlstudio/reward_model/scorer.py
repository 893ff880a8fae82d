"""A trained reward model as a reward function with TRL's signature, so PPO and GRPO weight it like any other:
reward_model(prompts, completions, **columns) -> list[float], the sequence-classification score of prompt +
completion tokenised exactly as the model was trained (rlstudio.reward_model.pairs.sequence_ids)."""
from __future__ import annotations

from pathlib import Path

import torch

from rlstudio.reward_model.pairs import sequence_ids


class RewardModelFunction:
    def __init__(self, path: str | Path, device: str | torch.device = "cpu", batch_size: int = 16,
                 trust_remote_code: bool = False, name: str = "reward_model"):
        from transformers import AutoModelForSequenceClassification

        from rlstudio.models.policy import load_tokenizer, pick_dtype, quiet_transformers

        quiet_transformers()
        self.device = torch.device(device)
        self.tokenizer = load_tokenizer(str(path), trust_remote_code)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            str(path), num_labels=1, dtype=pick_dtype("auto", self.device), trust_remote_code=trust_remote_code)
        if self.model.config.pad_token_id is None:
            self.model.config.pad_token_id = self.tokenizer.pad_token_id
        self.model.to(self.device).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.batch_size = batch_size
        self.__name__ = name  # reward functions are named by __name__ in metrics (rewards/<name>/mean)

    @torch.no_grad()
    def __call__(self, prompts, completions, **kwargs) -> list[float]:
        rows = []
        for prompt, completion in zip(prompts, completions):
            if isinstance(completion, list) and not isinstance(prompt, list):
                prompt = [{"role": "user", "content": prompt}]
            rows.append(sequence_ids(self.tokenizer, prompt, completion))
        scores: list[float] = []
        pad = self.tokenizer.pad_token_id
        for i in range(0, len(rows), self.batch_size):
            chunk = rows[i:i + self.batch_size]
            width = max(len(r) for r in chunk)
            ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for j, r in enumerate(chunk):
                ids[j, :len(r)] = torch.tensor(r, dtype=torch.long)
                mask[j, :len(r)] = 1
            logits = self.model(input_ids=ids.to(self.device), attention_mask=mask.to(self.device), use_cache=False).logits
            scores.extend(logits.squeeze(-1).float().cpu().tolist())
        return scores
