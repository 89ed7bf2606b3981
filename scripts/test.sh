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

STAGES=(fmt clippy purity test wasm doc python node browser docs)

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
    tests/api.test.mjs tests/conformance.test.mjs tests/e2e.test.mjs tests/large.test.mjs \
    tests/timeline.test.mjs tests/docs.test.mjs) \
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

# The Python package (driftguard-py): builds the abi3 wheel with maturin (release) and
# installs it into driftguard-py/.venv, builds the native example CLI the byte-identity
# tests compare with (dev profile), then ruff, stubtest (the .pyi against the built
# module), mypy (the package's own annotations) and pytest.
# driftguard-py/ci/install.sh (idempotent) provides the venv and the pinned MCP servers.
stage_python() {
  local pkg="$DG_ROOT/driftguard-py" log="$LOG_DIR/pytest.log" rc=0
  local venv="$pkg/.venv" wheels="$DG_ROOT/target/wheels-python"
  bash "$pkg/ci/install.sh"
  # The byte-identity reference: the example CLI in the dev profile (`cargo test` builds it
  # too); a release build would compile the core's dev-dependencies in release for nothing.
  cargo build -p driftguard-core --example driftguard
  rm -rf "$wheels"
  "$venv/bin/maturin" build --release --manifest-path "$pkg/Cargo.toml" --out "$wheels"
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall "$wheels"/driftguard-*.whl
  "$venv/bin/pip" check
  (cd "$pkg" && "$venv/bin/ruff" check . && "$venv/bin/ruff" format --check .)
  (cd "$pkg" && "$venv/bin/python" -m mypy.stubtest driftguard._driftguard)
  (cd "$pkg" && "$venv/bin/python" -m mypy python/driftguard)
  (cd "$pkg" && DRIFTGUARD_NATIVE_CLI="${CARGO_TARGET_DIR:-$DG_ROOT/target}/debug/examples/driftguard" \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider) 2>&1 | tee "$log" || rc=$?
  # pytest's closing line: "N passed, N failed, N errors in …s" (any part may be absent).
  awk '/ in [0-9.]+s/ && /(passed|failed|error)/ { p = 0; f = 0
      for (i = 2; i <= NF; i++) { w = $(i); gsub(/[,=]/, "", w)
        if (w == "passed") p = $(i-1); if (w == "failed" || w == "error" || w == "errors") f += $(i-1) }
      last = p " " f } END { print (last == "" ? "0 0" : last) }' "$log" >>"$DG_TALLY_FILE"
  if ! grep -qE ' passed| failed' "$log"; then
    echo "error: pytest printed no summary" >&2
    return 1
  fi
  return "$rc"
}

# The npm package (driftguard-node): TypeScript strict build of the wrapper, then every
# `node --test` file — API and error codes, all conformance vectors, byte identity of the
# bin with the native example CLI, the fetch layer against a real HTTP server, real MCP
# servers (pinned, from npm), `npm pack` installed offline, README snippets. Needs what
# `.ci/run` installs (npm ci, the addon, the MCP servers).
stage_node() {
  need node "install Node.js 20 or newer"
  local dir="$DG_ROOT/driftguard-node" log="$LOG_DIR/node-test.log" rc=0
  if [[ ! -d "$dir/node_modules" ]]; then
    echo "error: the Node package is not set up: run .ci/run (or: cd driftguard-node && npm ci)" >&2
    return 2
  fi
  # Always test this checkout: rebuild the addon (a no-op when nothing changed) and check
  # that regenerating the typings changed nothing (they are committed).
  (cd "$dir" && npx --no-install napi build --platform --release)
  if git -C "$DG_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    if ! git -C "$DG_ROOT" diff --exit-code -- driftguard-node/index.d.ts driftguard-node/index.js; then
      echo "error: regenerating the addon changed driftguard-node/index.d.ts or index.js; commit the regenerated files" >&2
      return 1
    fi
  fi
  # The native example CLI the bin is compared with byte for byte: always the dev build of
  # this checkout (a no-op after stage `test`, which built it). Never a leftover release
  # binary: a stale one made the comparison fail for the wrong reason.
  local target="${CARGO_TARGET_DIR:-$DG_ROOT/target}"
  if [[ -z "${DRIFTGUARD_NATIVE_CLI:-}" ]]; then
    cargo build -p driftguard-core --example driftguard
    DRIFTGUARD_NATIVE_CLI="$target/debug/examples/driftguard"
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

# The documentation site, the GitHub Action, the pre-commit hooks and the release artifacts
# (tools/docs/, tools/release/; runs after python, node and browser, whose builds it uses):
# the rule reference regenerated and compared (docs/rules.md must be current), the site
# built with `mkdocs build --strict` (broken links and anchors fail), the release artifacts
# built (cargo package with its verification build, the abi3 wheel and sdist, npm pack of
# both npm packages), then pytest: the docs' code blocks executed (the newcomer path), the
# action's script with a fake GITHUB_* environment, the hooks through `pre-commit try-repo`,
# the rule reference against the registry, one version everywhere, the artifacts' contents.
# tools/docs/install.sh (idempotent) provides tools/docs/.venv (mkdocs, pre-commit, pytest).
stage_docs() {
  local venv="$DG_ROOT/tools/docs/.venv" log="$LOG_DIR/docs.log" rc=0
  bash "$DG_ROOT/tools/docs/install.sh"
  cargo build -p driftguard-core --example driftguard
  cargo run -q -p driftguard-core --example rule_reference -- --check docs/rules.md
  "$DG_ROOT/tools/docs/build.sh"
  "$DG_ROOT/tools/release/build.sh"
  (cd "$DG_ROOT" && DRIFTGUARD_NATIVE_CLI="${CARGO_TARGET_DIR:-$DG_ROOT/target}/debug/examples/driftguard" \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider tools/docs/tests tools/release) 2>&1 | tee "$log" || rc=$?
  awk '/ in [0-9.]+s/ && /(passed|failed|error)/ { p = 0; f = 0
      for (i = 2; i <= NF; i++) { w = $(i); gsub(/[,=]/, "", w)
        if (w == "passed") p = $(i-1); if (w == "failed" || w == "error" || w == "errors") f += $(i-1) }
      last = p " " f } END { print (last == "" ? "0 1" : last) }' "$log" >>"$DG_TALLY_FILE"
  if ! grep -qE ' passed| failed' "$log"; then
    echo "error: pytest printed no summary" >&2
    return 1
  fi
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
