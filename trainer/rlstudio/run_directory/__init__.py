"""The run directory: claiming it, atomic writes, checkpoints with manifests, and finding the one to resume."""
