"""Side-by-side benchmarks: RL Studio against the trainer its users would otherwise run (TRL's GRPOTrainer)."""
