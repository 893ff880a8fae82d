"""The policy and PPO's critic as one module (TRL's PolicyAndValueWrapper): one forward gives the policy's logits and
the critic's values, so one DDP wrapper averages the gradients of both over processes, whichever critic shape the
config chose (a separate Critic model, or a SharedValueHead on the policy's last hidden state). A value head left
outside the DDP module would keep each process's own gradient and the replicas would drift apart."""
from __future__ import annotations

import torch
from torch import nn


class PolicyAndValue(nn.Module):
    """Exactly one of critic / value_head. Parameters register policy first, then the critic or the head."""

    def __init__(self, policy: nn.Module, critic: nn.Module | None = None, value_head: nn.Module | None = None):
        super().__init__()
        if (critic is None) == (value_head is None):
            raise ValueError("PolicyAndValue takes a separate critic or a shared value head, not both or neither")
        self.policy, self.critic, self.value_head = policy, critic, value_head

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, position_ids: torch.Tensor,
                completion_length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits predicting the last completion_length tokens and the values of the states before them (TRL:
        full_value[:, context_length - 1 : -1]); both [B, T, ...] sliced as PPO reads them."""
        T = completion_length
        shared = self.value_head is not None
        out = self.policy(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                          use_cache=False, output_hidden_states=shared)
        logits = out.logits[:, -T - 1:-1, :]
        if shared:
            values = self.value_head(out.hidden_states[-1][:, -T - 1:-1])
        else:
            values = self.critic.values(input_ids, attention_mask, position_ids)[:, -T - 1:-1]
        return logits, values
