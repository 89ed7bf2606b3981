#!/usr/bin/env bash
# Builds the documentation site: target/docs-site/ (mkdocs build --strict: broken links
# and anchors fail). Installs tools/docs/.venv first when it is missing or stale.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$ROOT/tools/docs/install.sh" >/dev/null
cd "$ROOT"
exec tools/docs/.venv/bin/mkdocs build --strict --clean "$@"
