#!/usr/bin/env bash
# Benchmarks normalization on GitHub's REST API description (npm `@octokit/openapi`).
#
#   scripts/bench.sh                 fetch if needed, then `one` and `all`
#   scripts/bench.sh fetch           fetch 23.0.2 and 18.2.0 into .bench-cache/ only
#   scripts/bench.sh one [FILE]      a/b/c/d timing on one file (default: api.github.com.json
#                                    of 23.0.2); ITERS=N sets the iterations (default 11)
#   scripts/bench.sh all [VERSION]   snapshot every generated/*.json of VERSION (default
#                                    23.0.2, 11–78 MB each) and report each file
#
# The cache is .bench-cache/ at the repository root (gitignored), or $DRIFTGUARD_BENCH_CACHE.
# Layout: .bench-cache/<version>/package/generated/*.json, extracted from `npm pack`.
# A benchmark, not a test: CI does not run it. Do not run it while another heavy job
# (the fuzzer, a cold build) shares the 2 cores, or the figures mean little.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$DG_ROOT"

PACKAGE="@octokit/openapi"
VERSIONS=(23.0.2 18.2.0)
CACHE="${DRIFTGUARD_BENCH_CACHE:-$DG_ROOT/.bench-cache}"
ITERS="${ITERS:-11}"

generated_dir() {
  echo "$CACHE/$1/package/generated"
}

fetch_version() {
  local version=$1 dir
  dir="$CACHE/$version"
  if [[ -f "$(generated_dir "$version")/api.github.com.json" ]]; then
    echo "cached: $PACKAGE@$version ($(generated_dir "$version"))"
    return 0
  fi
  need npm "install Node.js and npm"
  mkdir -p "$CACHE"
  local tarball="$CACHE/octokit-openapi-$version.tgz"
  if [[ ! -f "$tarball" ]]; then
    echo "fetching: $PACKAGE@$version (npm pack)"
    # npm pack verifies the registry's integrity hash; it prints the file name it wrote.
    local written
    written="$(cd "$CACHE" && npm pack --silent "$PACKAGE@$version" 2>/dev/null | tail -n 1)"
    if [[ -z "$written" || ! -f "$CACHE/$written" ]]; then
      echo "error: npm pack $PACKAGE@$version wrote no tarball" >&2
      return 1
    fi
    if [[ "$CACHE/$written" != "$tarball" ]]; then
      mv "$CACHE/$written" "$tarball"
    fi
  fi
  rm -rf "$dir.partial"
  mkdir -p "$dir.partial"
  tar -xzf "$tarball" -C "$dir.partial"
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
  echo "extracted: $(generated_dir "$version") ($(find "$(generated_dir "$version")" -name '*.json' | wc -l) JSON files)"
}

cmd_fetch() {
  banner "fetch: $PACKAGE ${VERSIONS[*]} into $CACHE"
  for v in "${VERSIONS[@]}"; do
    fetch_version "$v"
  done
}

bench() {
  cargo bench -q -p driftguard-core --bench normalize -- "$@"
}

cmd_one() {
  local file=${1:-"$(generated_dir 23.0.2)/api.github.com.json"}
  [[ -f "$file" ]] || fetch_version 23.0.2
  file="$(cd "$(dirname "$file")" && pwd)/$(basename "$file")"
  banner "bench: one file, $ITERS iterations"
  bench --iters "$ITERS" "$file"
}

cmd_all() {
  local version=${1:-23.0.2}
  fetch_version "$version"
  banner "bench: every generated/*.json of $PACKAGE@$version"
  bench --all "$(generated_dir "$version")"
}

main() {
  need cargo "install Rust with rustup"
  local cmd=${1:-default}
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    fetch) cmd_fetch ;;
    one) cmd_one "$@" ;;
    all) cmd_all "$@" ;;
    default) cmd_fetch; cmd_one; cmd_all ;;
    -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) echo "error: unknown command '$cmd' (fetch | one [FILE] | all [VERSION])" >&2; exit 2 ;;
  esac
}

main "$@"
