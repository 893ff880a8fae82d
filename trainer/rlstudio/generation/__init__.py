"""Generation: sampling completions (keyed per completion, so torchrun and resume stay exact) and their log-probs."""
