"""`python -m rlstudio serve`: a long-lived inference process speaking JSON lines over stdio (schemas/serve-protocol)."""
