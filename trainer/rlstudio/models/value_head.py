"""PPO's critic: a causal-LM backbone with a scalar value head on its last hidden state, one value per position.

Two shapes (the `ppo.critic` config chooses):
  Critic          a separate model, stored as a Hugging Face AutoModelForSequenceClassification (num_labels 1): the
                  backbone plus a linear `score` head, as TRL's PPO value model is. Initialised from the policy's
                  weights (the head new) or from a trained reward model (head included); saved and loaded as a folder.
  SharedValueHead a linear head on the policy's own last hidden state (one backbone, one forward for logits and
                  values); saved as value_head.safetensors + value_head.json.
Never the mean of the LM logits: a value is a learned projection of the hidden state.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

HEAD_WEIGHTS, HEAD_CONFIG = "value_head.safetensors", "value_head.json"


def _sequence_classifier(path: str, dtype: torch.dtype, trust_remote_code: bool):
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(path, num_labels=1, dtype=dtype,
                                                              trust_remote_code=trust_remote_code)


def backbone_and_head(model) -> tuple[nn.Module, nn.Module]:
    """The transformer body and the `score` head of a *ForSequenceClassification model (what TRL's get_reward uses)."""
    backbone = getattr(model, getattr(model, "base_model_prefix", ""), None)
    head = getattr(model, "score", None)
    if backbone is None or not isinstance(head, nn.Module):
        raise ValueError(f"{type(model).__name__} has no backbone + `score` head: a PPO critic or reward model must be "
                         "a causal-LM architecture loadable as AutoModelForSequenceClassification")
    return backbone, head


class Critic(nn.Module):
    """A separate value model. values(): [B, L], one value per position of the given sequences."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.backbone, self.head = backbone_and_head(model)
        if model.config.num_labels != 1:
            raise ValueError(f"a critic has one output, this model has num_labels={model.config.num_labels}")

    @classmethod
    def load(cls, path: str | Path, device, dtype: torch.dtype, trust_remote_code: bool = False,
             pad_token_id: int | None = None) -> "Critic":
        """From a policy folder (backbone weights, a new head starting at 0), a reward-model folder or a saved critic
        (head kept)."""
        from rlstudio.models.policy import quiet_transformers

        quiet_transformers()
        model = _sequence_classifier(str(path), dtype, trust_remote_code)
        if _head_is_new(path):
            with torch.no_grad():  # V = 0 everywhere at first: a random head's noise would become advantage noise
                backbone_and_head(model)[1].weight.zero_()
        if model.config.pad_token_id is None and pad_token_id is not None:
            model.config.pad_token_id = pad_token_id
        critic = cls(model)
        critic.to(device)
        critic.train()
        return critic

    def values(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, position_ids: torch.Tensor) -> torch.Tensor:
        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                               use_cache=False, return_dict=True).last_hidden_state
        return self.head(hidden).squeeze(-1).float()

    def save(self, folder: str | Path) -> None:
        self.model.save_pretrained(str(folder), safe_serialization=True)


def _head_is_new(path: str | Path) -> bool:
    """A causal-LM folder (the policy) has no trained score head: AutoModelForSequenceClassification makes one."""
    try:
        arch = json.loads((Path(path) / "config.json").read_text()).get("architectures") or []
    except (OSError, ValueError):
        return False
    return not any(a.endswith("ForSequenceClassification") for a in arch)


class SharedValueHead(nn.Module):
    """A scalar head on the policy's last hidden state (the shared-backbone critic)."""

    def __init__(self, hidden_size: int, dtype: torch.dtype = torch.float32):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear = nn.Linear(hidden_size, 1, dtype=dtype)
        with torch.no_grad():  # V = 0 everywhere at first, as the separate critic's new head
            self.linear.weight.zero_()
            self.linear.bias.zero_()

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.linear(hidden.to(self.linear.weight.dtype)).squeeze(-1).float()

    def save(self, folder: str | Path) -> None:
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        save_file({k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}, str(folder / HEAD_WEIGHTS))
        (folder / HEAD_CONFIG).write_text(json.dumps({"hidden_size": self.hidden_size,
                                                      "dtype": str(self.linear.weight.dtype).removeprefix("torch.")}))

    @classmethod
    def load(cls, folder: str | Path, device) -> "SharedValueHead":
        from safetensors.torch import load_file

        folder = Path(folder)
        try:
            meta = json.loads((folder / HEAD_CONFIG).read_text())
        except (OSError, ValueError) as e:
            raise ValueError(f"{folder / HEAD_CONFIG}: not a saved value head ({e})") from e
        head = cls(int(meta["hidden_size"]), getattr(torch, meta.get("dtype", "float32")))
        head.load_state_dict(load_file(str(folder / HEAD_WEIGHTS)))
        return head.to(device)


def hidden_size_of(model) -> int:
    config = model.config
    return int(getattr(config, "hidden_size", None) or config.get_text_config().hidden_size)
