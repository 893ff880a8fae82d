"""A pre-imported `python -m rlstudio` for tests that start the trainer many times (the crash test kills it ~20 times).

Importing torch + transformers costs 5-10 s on the shared 2-core machine; this process pays it once, then forks one
child per request that runs exactly what `python -m rlstudio <argv>` runs (rlstudio.cli.main) in a fresh process
with its own pid, so the test can SIGKILL a real trainer process at any moment.

Protocol (one JSON object per line): stdin {"argv": [...], "log": path} -> stdout {"pid": N};
stdin {"wait": N} -> stdout {"pid": N, "status": <waitpid status>, "exit_code": int | null, "signal": int | null}.
"""
from __future__ import annotations

import json
import os
import sys
import traceback

import torch  # noqa: F401 - the point of this process: import once, fork many times
import transformers  # noqa: F401

import rlstudio.cli
import rlstudio.training.loop  # noqa: F401 - and everything the training loop imports


def _warm_up() -> None:
    """transformers imports the model class, tokenizer and generation code lazily on first use: use them once."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, get_scheduler  # noqa: F401

    from rlstudio.models.policy import quiet_transformers
    from rlstudio.models.tiny import tiny_model_dir

    quiet_transformers()
    folder = str(tiny_model_dir())
    model = AutoModelForCausalLM.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    ids = torch.tensor([tokenizer("1 + 1", add_special_tokens=False)["input_ids"]])
    model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=2, do_sample=True,
                   pad_token_id=tokenizer.eos_token_id)


def _child(argv: list[str], fd: int) -> None:
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)
    code = 1
    try:
        code = rlstudio.cli.main(argv)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:  # noqa: BLE001 - what the interpreter does for `python -m rlstudio`: traceback, exit 1
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    _warm_up()
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        request = json.loads(line)
        if "argv" in request:
            # opened before the fork: a child killed at once still leaves its (empty) log for the caller to read
            fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            pid = os.fork()
            if pid == 0:
                _child(request["argv"], fd)
            os.close(fd)
            reply = {"pid": pid}
        else:
            pid, status = os.waitpid(request["wait"], 0)
            reply = {"pid": pid, "status": status,
                     "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                     "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
