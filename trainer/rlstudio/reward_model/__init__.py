"""Reward models: a Bradley-Terry model trained on preference pairs (`python -m rlstudio reward-model train`), saved as
an AutoModelForSequenceClassification folder, and scored as a TRL-signature reward function."""
