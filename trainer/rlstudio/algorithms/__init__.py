"""One file per algorithm (GRPO, PPO), each behind the interface in base.py that the training loop calls."""
