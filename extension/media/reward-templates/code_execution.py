"""Code-execution reward: runs the Python code in the completion's ```python block in a separate process with a time
limit and scores 1.0 when it prints the `expected_output` column, 0.0 when it prints something else, fails or runs
too long. The code runs as your user: use a container or sandbox for untrusted models."""
import re
import subprocess
import sys

TIMEOUT_S = 5
_CODE = re.compile(r"```(?:python)?\n(.*?)```", re.DOTALL)


def _text(completion) -> str:
    return completion if isinstance(completion, str) else completion[-1]["content"]


def _run(code: str) -> str | None:
    try:
        done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None
    return done.stdout if done.returncode == 0 else None


def code_execution(completions, expected_output=None, **kwargs):
    expected = expected_output or [None] * len(completions)
    out = []
    for c, want in zip(completions, expected):
        block = _CODE.search(_text(c))
        if want is None:
            out.append(None)
        elif block is None:
            out.append(0.0)
        else:
            printed = _run(block.group(1))
            out.append(1.0 if printed is not None and printed.strip() == str(want).strip() else 0.0)
    return out
