"""Errors in what the user gave (config, data, reward code, model path, run directory, checkpoint): their message
says everything needed to fix them, so the terminal shows the message alone and the traceback goes to trainer.log."""
from __future__ import annotations


# Exit codes of `python -m rlstudio train|resume` (documented in the README; the editor reads them).
EXIT_COMPLETED = 0  # max_steps reached or early stopping
EXIT_FAILED = 1  # the run started and then failed (events.jsonl has run_finished "failed" with the error)
EXIT_INVALID = 2  # refused before training: config, data, reward, model or checkpoint problem (nothing trained)
EXIT_REFUSED = 3  # the run directory is in use by a live process, or already holds a run (nothing written)
EXIT_STOPPED = 130  # stopped by SIGINT/SIGTERM after checkpointing: resumable


class UserError(Exception):
    """A problem with the user's input, not with RL Studio; the message names the file and line or the JSON path."""

    exit_code = EXIT_INVALID


class RunRefused(UserError):
    """The run directory belongs to a live process or already holds a run."""

    exit_code = EXIT_REFUSED
