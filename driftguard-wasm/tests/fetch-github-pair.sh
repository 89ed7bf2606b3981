#!/usr/bin/env bash
# Makes GitHub's REST API description (the reference workload: @octokit/openapi 18.2.0 and
# 23.0.2, generated/api.github.com.json, 11–13 MB each) available to the large viewer test.
#
#   driftguard-wasm/tests/fetch-github-pair.sh     prints the two paths, old then new
#
# Uses scripts/bench.sh's cache when it has them ($DRIFTGUARD_BENCH_CACHE or .bench-cache/);
# otherwise `npm pack`s each version (registry integrity checked by npm; ~30 MB each) into
# target/github-pair/ and extracts only that one file.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
CACHE="${DRIFTGUARD_BENCH_CACHE:-$ROOT/.bench-cache}"
OWN="$ROOT/target/github-pair"
FILE=package/generated/api.github.com.json

for version in 18.2.0 23.0.2; do
  if [[ -f "$CACHE/$version/$FILE" ]]; then
    echo "$CACHE/$version/$FILE"
    continue
  fi
  if [[ ! -f "$OWN/$version/$FILE" ]]; then
    mkdir -p "$OWN/$version"
    tarball="$(cd "$OWN" && npm pack --silent "@octokit/openapi@$version" 2>/dev/null | tail -n 1)"
    [[ -n "$tarball" && -f "$OWN/$tarball" ]] || { echo "error: npm pack @octokit/openapi@$version failed" >&2; exit 2; }
    tar -xzf "$OWN/$tarball" -C "$OWN/$version" "$FILE"
    rm -f "$OWN/$tarball"
  fi
  echo "$OWN/$version/$FILE"
done
