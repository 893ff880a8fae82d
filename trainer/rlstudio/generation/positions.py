"""Position ids of left-padded rows: what generate() assigns them, so a later forward scores the tokens it sampled."""
from __future__ import annotations

import torch


def left_padded_positions(mask: torch.Tensor) -> torch.Tensor:
    """[B, L] attention mask (left padding 0) -> positions counting from 0 at each row's first token, 0 on padding."""
    return (mask.cumsum(1) - 1).clamp(min=0)
