#!/usr/bin/env bash
# Installs the documentation tools into tools/docs/.venv (mkdocs, pre-commit, pytest; every
# version pinned in tools/docs/requirements.txt), idempotently: skipped when the venv was
# built from this very requirements file. Called by .ci/run (install_docs) and by
# scripts/test.sh docs.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV=$DIR/.venv
REQ=$DIR/requirements.txt
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "error: python3-venv is missing and not root to apt-get install it" >&2
    exit 2
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
fi
if [[ -x $VENV/bin/python ]] && cmp -s "$REQ" "$VENV/.driftguard-requirements"; then
  echo "ok: $VENV is current"
  exit 0
fi
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"
cp "$REQ" "$VENV/.driftguard-requirements"
echo "installed: $VENV"
