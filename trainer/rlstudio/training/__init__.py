"""The training loop shared by every algorithm (resume, save, stop, eval, events) and what it runs on: processes, metrics, warm start."""
