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

STAGES=(fmt clippy purity test wasm doc browser)

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

# Compile check of the browser build, linting the wasm-only bindings the host clippy skips.
stage_wasm() {
  cargo clippy -p driftguard-wasm --target wasm32-unknown-unknown -- -D warnings
}

# The browser package: driftguard-wasm/build.sh (wasm + viewer), then under `node --test`:
# the JS API, every conformance vector through the Node build, the viewer's end-to-end tests
# in headless Chromium, and the 13 MB GitHub pair in the viewer (tests/fetch-github-pair.sh
# fetches it with npm pack when the bench cache lacks it). Needs what `.ci/run`'s
# install_browser installs: wasm-bindgen (Cargo.lock's version), npm ci, /usr/bin/chromium.
stage_browser() {
  local dir="$DG_ROOT/driftguard-wasm" log="$LOG_DIR/browser.log" rc=0
  need node "install Node.js 20+"
  need wasm-bindgen "cargo install wasm-bindgen-cli --version =<Cargo.lock's wasm-bindgen>"
  if [[ ! -x "$dir/node_modules/.bin/wasm-opt" ]]; then
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
  "$dir/build.sh"
  (cd "$dir" && node --test --test-reporter=tap --test-concurrency=1 \
    tests/api.test.mjs tests/conformance.test.mjs tests/e2e.test.mjs tests/large.test.mjs) \
    2>&1 | tee "$log" || rc=$?
  # node --test's own totals, over every file.
  local passed failed
  passed="$(awk '/^# pass /{print $3}' "$log" | tail -n 1)"
  failed="$(awk '/^# fail /{print $3}' "$log" | tail -n 1)"
  if [[ -z "$passed" || -z "$failed" ]]; then
    echo "error: node --test printed no totals" >&2
    return 1
  fi
  tally "$passed" "$failed"
  return "$rc"
}

stage_doc() {
  RUSTDOCFLAGS="-Dwarnings" cargo doc -p driftguard-core --no-deps
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
