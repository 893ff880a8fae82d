"""Training prompts: datasets read into records, the shapes they come in, seeded mixing, answer comparison."""
