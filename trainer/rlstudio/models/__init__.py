"""Models: the policy (any HF causal LM, LoRA, builtin:tiny) and the frozen KL reference."""
