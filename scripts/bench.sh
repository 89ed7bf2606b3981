#!/usr/bin/env bash
# Benchmarks on GitHub's REST API description (npm `@octokit/openapi`).
#
#   scripts/bench.sh                 fetch if needed, then `one`, `all`, `diff`, `oasdiff`
#   scripts/bench.sh fetch           fetch 23.0.2 and 18.2.0 into .bench-cache/ only
#   scripts/bench.sh one [FILE]      normalize: a/b/c/d timing on one file (default:
#                                    api.github.com.json of 23.0.2); ITERS=N (default 11)
#   scripts/bench.sh all [VERSION]   snapshot every generated/*.json of VERSION (default
#                                    23.0.2, 11–78 MB each) and report each file
#   scripts/bench.sh diff            diff 18.2.0 → 23.0.2: interleaved timing (wall and CPU
#                                    medians of DIFF_ITERS, default 7) vs serde_json, peak RSS
#                                    (/usr/bin/time -v), glibc malloc and mimalloc (preloaded,
#                                    when libmimalloc.so.2 is installed: apt-get install
#                                    libmimalloc2.0), changes per severity and rule
#   scripts/bench.sh watch [ARGS]    `driftguard watch` under load: 1,000 HTTP surfaces on
#                                    127.0.0.1 at a 60 s interval, one watcher (SQLite):
#                                    idle CPU and RSS over 2 intervals, change-to-alert time
#                                    (driftguard-py/bench/watch_load.py; ARGS passed on, e.g.
#                                    --smoke; needs driftguard-py/.venv with driftguard)
#   scripts/bench.sh oasdiff         when `go` exists: go install oasdiff at a pinned
#                                    version, time `oasdiff breaking` on the same pair
#                                    (median of 3) against our CLI, compare per topic
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
DIFF_ITERS="${DIFF_ITERS:-7}"
# oasdiff, pinned: installs from the Go module proxy with `go install`.
OASDIFF_VERSION="${OASDIFF_VERSION:-v1.36.0}"
MIMALLOC_SO="${MIMALLOC_SO:-/usr/lib/x86_64-linux-gnu/libmimalloc.so.2}"

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

# The pair every diff figure is about.
diff_pair() {
  fetch_version 18.2.0 >&2
  fetch_version 23.0.2 >&2
  OLD="$(generated_dir 18.2.0)/api.github.com.json"
  NEW="$(generated_dir 23.0.2)/api.github.com.json"
}

# Builds the diff bench and the example CLI (release); sets BENCH_BIN and CLI_BIN.
build_diff_binaries() {
  BENCH_BIN="$(cargo bench -q -p driftguard-core --bench diff --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "diff":
        print(m["executable"])')"
  [[ -x "$BENCH_BIN" ]] || { echo "error: could not build the diff bench" >&2; return 1; }
  cargo build -q --release -p driftguard-core --example driftguard
  CLI_BIN="$DG_ROOT/target/release/examples/driftguard"
}

# peak_rss_kb CMD...: runs CMD (stdout to /dev/null) under /usr/bin/time -v; prints
# "MAX_RSS_KB WALL_SECONDS".
peak_rss_kb() {
  local log
  log="$(mktemp)"
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || true
  awk -F': ' '/Maximum resident set size/ {rss = $2}
    /Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; wall = s}
    END {print rss + 0, wall + 0}' "$log"
  rm -f "$log"
}

# run_stats N CMD...: runs CMD N times (stdout to /dev/null) under /usr/bin/time; prints
# "MEDIAN_WALL_MS MEDIAN_CPU_MS" (CPU = user + system, all threads: on a shared machine
# it moves less than the wall clock).
run_stats() {
  local n=$1; shift
  local i log walls=() cpus=()
  log="$(mktemp)"
  for ((i = 0; i < n; i++)); do
    /usr/bin/time -f '%e %U %S' -o "$log" "$@" >/dev/null 2>&1 || true
    # The last line: a failing exit status adds a line before it (ours exits 1 here).
    walls+=("$(tail -n 1 "$log" | awk '{printf "%d", $1 * 1000}')")
    cpus+=("$(tail -n 1 "$log" | awk '{printf "%d", ($2 + $3) * 1000}')")
  done
  rm -f "$log"
  echo "$(median "${walls[@]}") $(median "${cpus[@]}")"
}

median() {
  printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

need_time() {
  [[ -x /usr/bin/time ]] || { echo "error: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
}

# calc EXPR [FORMAT]: floating-point arithmetic with awk (no bc needed).
calc() {
  awk "BEGIN {printf \"${2:-%.4f}\", $1}"
}

print_load() {
  echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB; load average: $(cut -d' ' -f1-3 /proc/loadavg) (at $(date -u +%H:%M:%S) UTC)"
}

cmd_diff() {
  need python3 "the script parses cargo's JSON messages with it"
  need_time
  diff_pair
  build_diff_binaries
  local input=$(($(stat -c %s "$OLD") + $(stat -c %s "$NEW")))
  local allocators=(glibc)
  if [[ -f "$MIMALLOC_SO" ]]; then
    allocators+=(mimalloc)
  else
    echo "note: $MIMALLOC_SO not found (apt-get install libmimalloc2.0): glibc malloc only"
  fi
  banner "diff bench: $PACKAGE 18.2.0 -> 23.0.2, api.github.com.json"
  print_load
  local alloc
  for alloc in "${allocators[@]}"; do
    banner "timing, allocator: $alloc"
    echo "\$ $(preload_prefix "$alloc")$BENCH_BIN --iters $DIFF_ITERS $OLD $NEW"
    with_allocator "$alloc" "$BENCH_BIN" --iters "$DIFF_ITERS" "$OLD" "$NEW"
  done
  banner "peak RSS (/usr/bin/time -v), input $input bytes (old + new)"
  printf '| %-10s | %-58s | %10s | %8s | %7s |\n' allocator run "peak MB" "x input" "wall s"
  printf '|%s|%s|%s|%s|%s|\n' "------------" "------------------------------------------------------------" "------------" "----------" "---------"
  for alloc in "${allocators[@]}"; do
    local rss wall
    # shellcheck disable=SC2046
    read -r rss wall < <(peak_rss_kb $(preload_env "$alloc") "$BENCH_BIN" --parse-only "$OLD" "$NEW")
    printf '| %-10s | %-58s | %10.1f | %7.2fx | %7.2f |\n' "$alloc" "serde_json parse both, held (bench --parse-only)" \
      "$(calc "$rss * 1024 / 1e6")" "$(calc "$rss * 1024 / $input")" "$wall"
    # shellcheck disable=SC2046
    read -r rss wall < <(peak_rss_kb $(preload_env "$alloc") "$CLI_BIN" diff "$OLD" "$NEW" --format json --today 2026-11-24)
    printf '| %-10s | %-58s | %10.1f | %7.2fx | %7.2f |\n' "$alloc" "end to end: driftguard diff OLD NEW --format json" \
      "$(calc "$rss * 1024 / 1e6")" "$(calc "$rss * 1024 / $input")" "$wall"
  done
  echo "target: end to end <= 4.0x the input bytes"
  echo
  echo "reproduce: /usr/bin/time -v $CLI_BIN diff $OLD $NEW --format json > /dev/null"
  echo "           /usr/bin/time -v env LD_PRELOAD=$MIMALLOC_SO $CLI_BIN diff $OLD $NEW --format json > /dev/null"
}

# preload_env ALLOCATOR: `env LD_PRELOAD=…` words for mimalloc, `env` for glibc.
preload_env() {
  if [[ $1 == mimalloc ]]; then echo "env LD_PRELOAD=$MIMALLOC_SO"; else echo "env"; fi
}

preload_prefix() {
  if [[ $1 == mimalloc ]]; then echo "LD_PRELOAD=$MIMALLOC_SO "; fi
}

with_allocator() {
  local alloc=$1; shift
  # shellcheck disable=SC2046
  $(preload_env "$alloc") "$@"
}

cmd_oasdiff() {
  if ! command -v go >/dev/null 2>&1; then
    echo "skipped: no Go toolchain, so no oasdiff comparison"
    return 0
  fi
  need python3 "the comparison script is Python"
  need_time
  diff_pair
  build_diff_binaries
  local gobin="$CACHE/go/bin" oasdiff
  oasdiff="$gobin/oasdiff"
  # A `go install`ed oasdiff says "version main" (no release ldflags): a stamp file
  # records which version this binary is.
  if [[ ! -x "$oasdiff" || "$(cat "$gobin/oasdiff.version" 2>/dev/null)" != "$OASDIFF_VERSION" ]]; then
    banner "go install github.com/oasdiff/oasdiff@$OASDIFF_VERSION"
    mkdir -p "$gobin"
    GOBIN="$gobin" go install "github.com/oasdiff/oasdiff@$OASDIFF_VERSION"
    echo "$OASDIFF_VERSION" >"$gobin/oasdiff.version"
  fi
  banner "oasdiff $OASDIFF_VERSION vs driftguard on $PACKAGE 18.2.0 -> 23.0.2"
  print_load
  local out="$CACHE/compare"
  mkdir -p "$out"
  local ours_cmd=("$CLI_BIN" diff "$OLD" "$NEW" --format json --today 2026-11-24)
  local theirs_cmd=("$oasdiff" breaking "$OLD" "$NEW" --format json --allow-external-refs=false)
  "${ours_cmd[@]}" >"$out/driftguard.json" || true
  "${theirs_cmd[@]}" >"$out/oasdiff-breaking.json"
  "$oasdiff" changelog "$OLD" "$NEW" --format json --allow-external-refs=false >"$out/oasdiff-changelog.json"
  local ours theirs ours_mi=""
  read -r -a ours < <(run_stats 3 "${ours_cmd[@]}")
  read -r -a theirs < <(run_stats 3 "${theirs_cmd[@]}")
  [[ -f "$MIMALLOC_SO" ]] && read -r -a ours_mi < <(run_stats 3 env LD_PRELOAD="$MIMALLOC_SO" "${ours_cmd[@]}")
  printf '| %-62s | %8s | %8s |\n' "run (whole process, median of 3)" "wall ms" "CPU ms"
  printf '|%s|%s|%s|\n' "----------------------------------------------------------------" "----------" "----------"
  printf '| %-62s | %8s | %8s |\n' "oasdiff breaking OLD NEW --format json" "${theirs[0]}" "${theirs[1]}"
  printf '| %-62s | %8s | %8s |\n' "driftguard diff OLD NEW --format json (glibc malloc)" "${ours[0]}" "${ours[1]}"
  [[ -n "${ours_mi[*]}" ]] && printf '| %-62s | %8s | %8s |\n' "driftguard diff OLD NEW --format json (mimalloc preloaded)" "${ours_mi[0]}" "${ours_mi[1]}"
  echo "speed ratio oasdiff / driftguard (glibc): wall $(calc "${theirs[0]} / ${ours[0]}" %.1f)x, CPU $(calc "${theirs[1]} / ${ours[1]}" %.1f)x   <- target >= 20x"
  [[ -n "${ours_mi[*]}" ]] && echo "speed ratio oasdiff / driftguard (mimalloc): wall $(calc "${theirs[0]} / ${ours_mi[0]}" %.1f)x, CPU $(calc "${theirs[1]} / ${ours_mi[1]}" %.1f)x"
  echo
  echo "reproduce: ${theirs_cmd[*]} > $out/oasdiff-breaking.json"
  echo "           ${ours_cmd[*]} > $out/driftguard.json"
  banner "what each found, per topic"
  python3 "$DG_ROOT/scripts/compare_oasdiff.py" "$out/driftguard.json" "$out/oasdiff-breaking.json" \
    --changelog "$out/oasdiff-changelog.json"
}

cmd_watch() {
  local py="$DG_ROOT/driftguard-py/.venv/bin/python"
  if [[ ! -x "$py" ]] || ! "$py" -c 'import driftguard.watch' 2>/dev/null; then
    echo "error: driftguard-py/.venv with driftguard is needed: bash driftguard-py/ci/install.sh && (cd driftguard-py && .venv/bin/maturin develop --release)" >&2
    return 2
  fi
  banner "watch load: $*"
  "$py" "$DG_ROOT/driftguard-py/bench/watch_load.py" "$@"
}

main() {
  need cargo "install Rust with rustup"
  local cmd=${1:-default}
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    fetch) cmd_fetch ;;
    one) cmd_one "$@" ;;
    all) cmd_all "$@" ;;
    diff) cmd_diff ;;
    oasdiff) cmd_oasdiff ;;
    watch) cmd_watch "$@" ;;
    default) cmd_fetch; cmd_one; cmd_all; cmd_diff; cmd_oasdiff ;;
    -h | --help) sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) echo "error: unknown command '$cmd' (fetch | one [FILE] | all [VERSION] | diff | oasdiff | watch [ARGS])" >&2; exit 2 ;;
  esac
}

main "$@"
