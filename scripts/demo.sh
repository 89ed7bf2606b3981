#!/usr/bin/env bash
# DriftGuard demo on the bundled contracts in examples/contracts/.
#
#   scripts/demo.sh            build the example CLI (release), snapshot every contract,
#                              and diff the pairs of the story
#   scripts/demo.sh FILE...    snapshot these files instead (and diff them if two)
#   DEMO_RAW=1 scripts/demo.sh also list the raw JSON-Pointer differences of each pair
#
# For each contract it prints the kind, the digest and what the snapshot holds. Then, for
# the pairs the story is about — petstore v1 → v2, postmark-mcp 1.0.15 → 1.0.16 (the real
# incident: same tools, only the version moved) and 1.0.16 → 1.0.16-poisoned (a
# catalog-level attack) — it runs `driftguard diff`, the classifier's judged report
# (breaking / dangerous / safe, with rule ids and locations), and its exit code
# (0 nothing at or above the threshold `breaking`, 1 otherwise).
#
# Needs: cargo (rustup) and python3. Snapshots are written to target/demo/.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$DG_ROOT"
need cargo "install Rust with rustup"
need python3

CONTRACTS=examples/contracts
OUT="$DG_ROOT/target/demo"
mkdir -p "$OUT"

if [[ $# -gt 0 ]]; then
  FILES=("$@")
else
  FILES=(
    "$CONTRACTS/petstore-v1.yaml"
    "$CONTRACTS/petstore-v2.yaml"
    "$CONTRACTS/postmark-mcp-1.0.15.json"
    "$CONTRACTS/postmark-mcp-1.0.16.json"
    "$CONTRACTS/postmark-mcp-1.0.16-poisoned.json"
  )
fi

if [[ ! -f driftguard-core/examples/driftguard.rs ]]; then
  echo "error: the example CLI (driftguard-core/examples/driftguard.rs) is missing" >&2
  exit 2
fi

banner "build: the example CLI (cargo build --release -p driftguard-core --example driftguard)"
cargo build --release -q -p driftguard-core --example driftguard

cli() {
  cargo run --release -q -p driftguard-core --example driftguard -- "$@"
}

banner "snapshot: each contract"
failed=0
SNAPSHOTS=()
for f in "${FILES[@]}"; do
  name="$(basename "$f")"
  snap="$OUT/${name%.*}.snapshot.json"
  err="$OUT/${name%.*}.stderr"
  if cli snapshot "$f" >"$snap" 2>"$err"; then
    SNAPSHOTS+=("$snap")
  else
    rc=$?
    printf '%-36s FAILED (exit %s): %s\n' "$name" "$rc" "$(head -c 400 "$err")"
    failed=1
    rm -f "$snap"
  fi
done

if [[ ${#SNAPSHOTS[@]} -gt 0 ]]; then
  python3 "$DG_ROOT/scripts/demo_summary.py" ${DEMO_RAW:+--raw} "${SNAPSHOTS[@]}"
fi

# The judged diffs: the pairs of the story, or the two files given.
PAIRS=()
if [[ $# -eq 2 ]]; then
  PAIRS=("$1 $2")
elif [[ $# -eq 0 ]]; then
  PAIRS=(
    "$CONTRACTS/petstore-v1.yaml $CONTRACTS/petstore-v2.yaml"
    "$CONTRACTS/postmark-mcp-1.0.15.json $CONTRACTS/postmark-mcp-1.0.16.json"
    "$CONTRACTS/postmark-mcp-1.0.16.json $CONTRACTS/postmark-mcp-1.0.16-poisoned.json"
  )
fi
for pair in "${PAIRS[@]}"; do
  read -r old new <<<"$pair"
  banner "diff: $(basename "$old") -> $(basename "$new")"
  echo "\$ driftguard diff $old $new"
  rc=0
  cli diff "$old" "$new" || rc=$?
  case $rc in
    0) echo "(exit 0: nothing at or above the fail-on threshold, breaking)" ;;
    1) echo "(exit 1: changes at or above the fail-on threshold, breaking: a CI gate fails here)" ;;
    *) echo "(exit $rc: input or usage error)"; failed=1 ;;
  esac
done

if [[ $failed -ne 0 ]]; then
  echo
  echo "Some contracts could not be snapshotted (see above)." >&2
  exit 1
fi
echo
echo "Snapshots written to ${OUT#"$DG_ROOT"/}/. Other report formats: driftguard diff OLD NEW --format markdown|json|github|junit|sarif"
