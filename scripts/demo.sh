#!/usr/bin/env bash
# DriftGuard demo on the bundled contracts in examples/contracts/.
#
#   scripts/demo.sh     build the example CLI (debug build: the inputs are small) and tell
#                       the two stories:
#
#   1. petstore v1 → v2: an OpenAPI change with breaking, dangerous and safe parts;
#   2. postmark-mcp: 1.0.15 → 1.0.16 is the real incident (the tool catalog did not
#      change; only the server version moved — the code behind the tools changed), and
#      1.0.16 → 1.0.16-poisoned is what a catalog-level attack looks like (a new `bcc`
#      parameter and a description carrying hidden instructions).
#
# Each step prints the command, the classified report and the exit code the CI gate
# would see (0 nothing at or above the threshold, 1 something is). Needs cargo (rustup).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$DG_ROOT"
need cargo "install Rust with rustup"

C=examples/contracts
banner "build: the example CLI (cargo build -p driftguard-core --example driftguard)"
cargo build -q -p driftguard-core --example driftguard
CLI="${CARGO_TARGET_DIR:-$DG_ROOT/target}/debug/examples/driftguard"

step() {
  local title=$1; shift
  banner "$title"
  printf '$ driftguard %s\n\n' "$*"
  local rc=0
  "$CLI" "$@" || rc=$?
  printf '\n(exit %s)\n' "$rc"
  if [[ $rc -eq 2 ]]; then
    echo "error: the demo command failed" >&2
    exit 2
  fi
}

banner "snapshot: the canonical form and digest of a contract (first 12 lines)"
printf '$ driftguard snapshot %s | head -12\n\n' "$C/petstore-v1.yaml"
"$CLI" snapshot "$C/petstore-v1.yaml" | head -12
step "diff: petstore v1 → v2 (fails the default gate: breaking changes)" \
  diff "$C/petstore-v1.yaml" "$C/petstore-v2.yaml"
step "diff: postmark-mcp 1.0.15 → 1.0.16 (the real incident: identical tools, new code)" \
  diff "$C/postmark-mcp-1.0.15.json" "$C/postmark-mcp-1.0.16.json" --fail-on dangerous
step "diff: postmark-mcp 1.0.16 → poisoned catalog (hidden instructions, a new bcc)" \
  diff "$C/postmark-mcp-1.0.16.json" "$C/postmark-mcp-1.0.16-poisoned.json"
step "diff: the same change as a Markdown PR comment" \
  diff "$C/postmark-mcp-1.0.16.json" "$C/postmark-mcp-1.0.16-poisoned.json" --format markdown
banner "done: more formats with --format json|github|junit|sarif; rules with 'driftguard rules'"
