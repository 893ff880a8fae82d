#!/usr/bin/env bash
# npm run demo: the tiny built-in model learns arithmetic word problems with GRPO on CPU (a few minutes).
# Writes the data, config and run under demo/ (git-ignored). Extra arguments go to `python -m rlstudio demo`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/bootstrap.sh python
# One intra-op thread: the tiny model gains nothing from a second one, and two threads on a busy 2-core machine
# are many times slower than one.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
exec .venv/bin/python -m rlstudio demo --out "${RLSTUDIO_DEMO_DIR:-demo}" "$@"
