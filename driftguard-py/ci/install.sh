#!/usr/bin/env bash
# Installs what driftguard-py's build and tests need, idempotently (skips what is current):
#   driftguard-py/.venv         maturin, pytest, httpx, mcp, ruff, mypy  (ci/requirements.txt)
#   driftguard-py/.servers/time mcp-server-time, its own venv            (ci/requirements-time-server.txt)
#   driftguard-py/tests/servers/node_modules  @modelcontextprotocol/server-everything, two versions
#                                              (tests/servers/package-lock.json, `npm ci`)
# Every version is pinned. Called by .ci/run (install_python_pkg) and by scripts/test.sh python.
set -euo pipefail
PKG="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

apt_install() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "error: $* missing and not root to apt-get install it" >&2
    exit 2
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  apt_install python3-venv
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi

# venv DIR REQUIREMENTS: (re)creates DIR with exactly REQUIREMENTS unless already done.
venv() {
  local dir=$1 req=$2 stamp=$1/.driftguard-requirements
  if [[ -x $dir/bin/python ]] && cmp -s "$req" "$stamp"; then
    echo "ok: $dir is current"
    return 0
  fi
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check -r "$req"
  cp "$req" "$stamp"
  echo "installed: $dir"
}

venv "$PKG/.venv" "$PKG/ci/requirements.txt"
venv "$PKG/.servers/time" "$PKG/ci/requirements-time-server.txt"

servers=$PKG/tests/servers
if [[ -d $servers/node_modules ]] && cmp -s "$servers/package-lock.json" "$servers/node_modules/.driftguard-lock"; then
  echo "ok: $servers/node_modules is current"
else
  (cd "$servers" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$servers/package-lock.json" "$servers/node_modules/.driftguard-lock"
  echo "installed: $servers/node_modules"
fi
