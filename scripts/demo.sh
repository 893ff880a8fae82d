#!/usr/bin/env bash
# npm run demo: the tiny built-in model learns arithmetic word problems with GRPO on CPU (a few minutes).
# Writes the data, config and run under demo/ (git-ignored). Extra arguments go to `python -m rlstudio demo`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/bootstrap.sh python
# The thread count is the demo's own (GRPO 2, PPO 1: what its README figures were measured with) unless
# OMP_NUM_THREADS is set; on a busy machine OMP_NUM_THREADS=1 is faster.
exec .venv/bin/python -m rlstudio demo --out "${RLSTUDIO_DEMO_DIR:-demo}" "$@"
