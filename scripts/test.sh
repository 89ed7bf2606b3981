#!/usr/bin/env bash
# Runs every DriftGuard test: the one command CI runs (via .ci/run) and developers run.
#
#   scripts/test.sh              all stages, in order
#   scripts/test.sh test doc     only the named stages
#   scripts/test.sh --list       the stage names
#   FAIL_FAST=1 scripts/test.sh  stop at the first failed stage (default: run every stage,
#                                so one run shows every problem, then exit 1 if any failed)
#
# Each stage is a function `stage_<name>` registered in STAGES below. To add one (Python,
# Node, browser…), write the function, call `tally PASSED FAILED` (or `tally_cargo_log`)
# with its counts, and append its name to STAGES. Each stage runs in a subshell with
# `set -euo pipefail`: any failing command fails the stage. The last line printed is the total,
# `total: N passed, N failed`, after cargo test's own `test result:` lines.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$DG_ROOT"

STAGES=(fmt clippy purity test wasm doc node)

LOG_DIR="$DG_ROOT/target/test-logs"
mkdir -p "$LOG_DIR"

# The Python binding's Rust tests embed Python: put libpython on the loader path.
python_libdir() {
  python3 -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR") or "")'
}
if command -v python3 >/dev/null 2>&1; then
  PY_LIBDIR="$(python_libdir)"
  export LD_LIBRARY_PATH="${PY_LIBDIR}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

stage_fmt() {
  cargo fmt --all --check
}

stage_clippy() {
  cargo clippy --workspace --all-targets -- -D warnings
}

# The core must stay pure (no I/O, clock, threads, async, binding crates):
# driftguard-core/tests/purity.rs. Run first, on its own, so a violation is named early.
# Same package selection as `stage_test` (`--workspace`) so nothing is rebuilt twice.
stage_purity() {
  local log="$LOG_DIR/purity.log"
  cargo test --workspace --test purity 2>&1 | tee "$log"
}

stage_test() {
  local log="$LOG_DIR/cargo-test.log" rc=0
  # Every test binary runs even when one fails, and the counts are tallied either way.
  cargo test --workspace --no-fail-fast 2>&1 | tee "$log" || rc=$?
  tally_cargo_log "$log"
  if ! grep -q '^test result: ' "$log"; then
    echo "error: cargo test printed no test result" >&2
    return 1
  fi
  return "$rc"
}

# Compile check of the browser build (the wasm issue adds wasm-bindgen + a headless run).
stage_wasm() {
  cargo build -p driftguard-wasm --target wasm32-unknown-unknown
}

stage_doc() {
  RUSTDOCFLAGS="-Dwarnings" cargo doc -p driftguard-core --no-deps
}

# The npm package (driftguard-node): TypeScript strict build of the wrapper, then every
# `node --test` file — API and error codes, all conformance vectors, byte identity of the
# bin with the native example CLI, the fetch layer against a real HTTP server, real MCP
# servers (pinned, from npm), `npm pack` installed offline, README snippets. Needs what
# `.ci/run` installs (npm ci, the addon, the MCP servers).
stage_node() {
  need node "install Node.js 20 or newer"
  local dir="$DG_ROOT/driftguard-node" log="$LOG_DIR/node-test.log" rc=0
  if [[ ! -d "$dir/node_modules" ]] || ! compgen -G "$dir/driftguard.*.node" >/dev/null; then
    echo "error: the Node package is not set up: run .ci/run (or: cd driftguard-node && npm ci && npx napi build --platform --release)" >&2
    return 2
  fi
  # The native example CLI the bin is compared with byte for byte: the release build when
  # there is one (`cargo build --release -p driftguard-core --example driftguard`), else the
  # one `cargo test` built (stage `test` runs first), else a debug build now. Same code.
  local target="${CARGO_TARGET_DIR:-$DG_ROOT/target}"
  if [[ -z "${DRIFTGUARD_NATIVE_CLI:-}" ]]; then
    if [[ -x "$target/release/examples/driftguard" ]]; then
      DRIFTGUARD_NATIVE_CLI="$target/release/examples/driftguard"
    else
      [[ -x "$target/debug/examples/driftguard" ]] || cargo build -p driftguard-core --example driftguard
      DRIFTGUARD_NATIVE_CLI="$target/debug/examples/driftguard"
    fi
  fi
  export DRIFTGUARD_NATIVE_CLI
  echo "native example CLI: $DRIFTGUARD_NATIVE_CLI"
  (cd "$dir" && npx --no-install tsc -p tsconfig.json)
  (cd "$dir" && node --test --test-reporter=tap test/*.test.mjs) 2>&1 | tee "$log" || rc=$?
  local passed failed
  passed=$(awk '/^# pass /{print $3}' "$log" | tail -1)
  failed=$(awk '/^# fail /{print $3}' "$log" | tail -1)
  if [[ -z "$passed" || -z "$failed" ]]; then
    echo "error: node --test printed no summary" >&2
    tally 0 1
    return 1
  fi
  tally "$passed" "$failed"
  return "$rc"
}

main() {
  local selected=("$@")
  if [[ ${#selected[@]} -eq 1 && ${selected[0]} == --list ]]; then
    printf '%s\n' "${STAGES[@]}"
    return 0
  fi
  if [[ ${#selected[@]} -eq 0 ]]; then
    selected=("${STAGES[@]}")
  fi
  for s in "${selected[@]}"; do
    if ! declare -F "stage_$s" >/dev/null; then
      echo "error: unknown stage '$s' (stages: ${STAGES[*]})" >&2
      exit 2
    fi
  done
  need cargo "install Rust with rustup"
  local start=$SECONDS
  for s in "${selected[@]}"; do
    run_stage "$s" "stage_$s"
    if [[ ${#DG_FAILED_STAGES[@]} -gt 0 && -n "${FAIL_FAST:-}" ]]; then
      break
    fi
  done
  local passed failed
  read -r passed failed < <(dg_totals)
  banner "summary ($((SECONDS - start))s)"
  printf '  %s\n' "${DG_STAGE_TIMES[@]}"
  if [[ ${#DG_FAILED_STAGES[@]} -gt 0 ]]; then
    echo "failed stages: ${DG_FAILED_STAGES[*]}"
  fi
  # The last line, read by CI: the tests' totals over every stage that ran tests.
  echo "total: $passed passed, $failed failed"
  if [[ ${#DG_FAILED_STAGES[@]} -gt 0 || $failed -ne 0 ]]; then
    exit 1
  fi
}

main "$@"
