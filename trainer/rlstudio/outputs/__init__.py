"""What a run leaves for people and the editor: events.jsonl, TensorBoard/W&B, best model, summaries, plots, progress lines."""
