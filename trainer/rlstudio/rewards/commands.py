"""The `rewards` subcommands of the CLI (declared in cli.py): `rewards test` (one JSON request in, one JSON response out) and
`rewards worker` (the editor's long-lived JSON-lines worker)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def rewards_main(args) -> int:
    """Exit 0 when the test ran (failing rewards are results, not errors); 2 when the request could not run."""
    if args.rewards_command == "worker":
        from rlstudio.rewards.worker import main

        return main()
    from rlstudio.rewards.testing import run_reward_test

    try:
        text = sys.stdin.read() if args.input == "-" else Path(args.input).read_text(encoding="utf-8")
    except OSError as e:
        print(f"{args.input}: {e.strerror}", file=sys.stderr)
        return 2
    try:
        request = json.loads(text)
    except json.JSONDecodeError as e:
        print(f"{'<stdin>' if args.input == '-' else args.input}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}",
              file=sys.stderr)
        return 2
    response = run_reward_test(request)
    body = json.dumps(response, ensure_ascii=False, indent=1)
    if args.output == "-":
        print(body)
    else:
        Path(args.output).write_text(body + "\n", encoding="utf-8")
    if "error" in response:
        print(response["error"]["message"], file=sys.stderr)
        return 2
    return 0
