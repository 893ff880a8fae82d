"""RL Studio trainer: GRPO fine-tuning of causal language models, driven by a JSON run config."""

__version__ = "0.1.0"
