"""Run configuration: parse and validate *.rlstudio.json, the checks `validate` and `train` share, and settings read by every algorithm (sampling)."""
