#!/usr/bin/env bash
# Benchmarks (never part of npm test): bench.sh trainer | vs-trl | runstore | dashboard | rewards | inference | all
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
what=${1:-all}
build_ts() { bash scripts/bootstrap.sh node; npx tsc -p . ; node scripts/build.mjs; }
case "$what" in
  trainer) bash scripts/bootstrap.sh python; .venv/bin/python -m rlstudio.bench "${@:2}" ;;
  vs-trl) bash scripts/bootstrap.sh python; .venv/bin/python -m rlstudio.benchmarks.vs_trl "${@:2}" ;;
  runstore) build_ts; node out/test/bench/runstore.bench.js "${@:2}" ;;
  dashboard) build_ts; bash scripts/bootstrap.sh chromium; node out/test/bench/dashboard.bench.js "${@:2}" ;;
  rewards) build_ts; bash scripts/bootstrap.sh python; node out/test/bench/rewards.bench.js "${@:2}" ;;
  inference) build_ts; bash scripts/bootstrap.sh python; node out/test/bench/inference.bench.js "${@:2}" ;;
  all) bash "$0" trainer; bash "$0" runstore; bash "$0" dashboard; bash "$0" rewards; bash "$0" inference ;;
  *) echo "usage: npm run bench[:trainer|:vs-trl|:runstore|:dashboard|:rewards|:inference]" >&2; exit 2 ;;
esac
