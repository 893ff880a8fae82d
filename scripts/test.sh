#!/usr/bin/env bash
# `npm test`: bootstraps what is missing, then runs every layer of tests:
#   1. schema types are fresh, TypeScript compiles, bundles build
#   2. extension logic unit tests (node's test runner)
#   3. trainer tests (pytest, CPU)
#   4. webview tests in headless Chromium
#   5. end-to-end in real VS Code (code-server) driven by Playwright
# Set RLSTUDIO_TEST_ONLY=unit,python,webview,e2e to run a subset while developing; add `fast` to skip the trainer
# tests marked slow (the long learning and multi-process runs), e.g. RLSTUDIO_TEST_ONLY=unit,python,fast.
# RLSTUDIO_PYTEST_WORKERS sets the pytest worker processes (default: one per core, at most 4).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
ONLY=${RLSTUDIO_TEST_ONLY:-unit,python,webview,e2e}
want() { [[ ",$ONLY," == *",$1,"* ]]; }
T0=$SECONDS
section() { printf '\n=== %s (%ss) ===\n' "$*" $((SECONDS - T0)); }

section "bootstrap"
bash scripts/bootstrap.sh node
want python && bash scripts/bootstrap.sh python
want webview && bash scripts/bootstrap.sh chromium
want e2e && bash scripts/bootstrap.sh e2e

section "schemas and build"
node scripts/gen-types.mjs --check
npx tsc -p .
npx tsc -p webview
node scripts/build.mjs

if want unit; then
  section "extension unit tests"
  node --test --test-reporter=spec out/test/unit/
fi

if want python; then
  section "trainer tests (pytest)"
  # one worker per core: each test runs torch on one thread, so two cores finish the layer in about half the time;
  # --dist loadfile keeps a file's tests (and its module fixtures, such as a built model) on one worker
  workers=${RLSTUDIO_PYTEST_WORKERS:-$(nproc 2>/dev/null || echo 2)}
  (( workers > 4 )) && workers=4
  marks=(); want fast && marks=(-m "not slow")
  .venv/bin/python -m pytest trainer/tests -q -p no:cacheprovider -n "$workers" --dist loadfile "${marks[@]}"
fi

if want webview; then
  section "webview tests (headless Chromium)"
  node --test --test-reporter=spec --test-concurrency=1 out/test/webview/
fi

if want e2e; then
  section "end-to-end in VS Code (code-server)"
  node --test --test-reporter=spec --test-concurrency=1 out/test/e2e/
fi

section "all tests passed"
