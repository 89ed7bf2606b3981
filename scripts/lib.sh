# shellcheck shell=bash
# Shared helpers for scripts/*.sh: stage banners, timing, and a pass/fail tally.
# Source it; do not run it.

DG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DG_ROOT

# Colour only on a terminal and outside CI.
if [[ -t 1 && -z "${CI:-}" ]]; then
  DG_BOLD=$'\e[1m'; DG_RED=$'\e[31m'; DG_GREEN=$'\e[32m'; DG_OFF=$'\e[0m'
else
  DG_BOLD=""; DG_RED=""; DG_GREEN=""; DG_OFF=""
fi

DG_CURRENT_STAGE=""
DG_STAGE_TIMES=()
DG_FAILED_STAGES=()
# Counts are appended to a file (stages run in subshells); `dg_totals` sums them.
DG_TALLY_FILE="$(mktemp "${TMPDIR:-/tmp}/driftguard-tally.XXXXXX")"
export DG_TALLY_FILE

# banner TEXT: a visible stage header.
banner() {
  printf '\n%s==> %s%s\n' "$DG_BOLD" "$*" "$DG_OFF"
}

# run_stage NAME FUNCTION [ARGS...]: runs one stage in a subshell (with `set -e`), with a
# banner and its duration. A failed stage is recorded and the next one still runs, so
# one run shows every problem; the caller decides the exit status (`DG_FAILED_STAGES`).
run_stage() {
  local name=$1; shift
  DG_CURRENT_STAGE=$name
  banner "stage: $name"
  local start=$SECONDS rc
  set +e
  ( set -euo pipefail; "$@" )
  rc=$?
  set -e
  local took=$((SECONDS - start))
  if [[ $rc -eq 0 ]]; then
    DG_STAGE_TIMES+=("$(printf '%-10s ok       %4ss' "$name" "$took")")
    printf '%s<== %s ok (%ss)%s\n' "$DG_GREEN" "$name" "$took" "$DG_OFF"
  else
    DG_STAGE_TIMES+=("$(printf '%-10s FAILED   %4ss  (exit %s)' "$name" "$took" "$rc")")
    DG_FAILED_STAGES+=("$name")
    printf '%s<== %s FAILED (exit %s, %ss)%s\n' "$DG_RED" "$name" "$rc" "$took" "$DG_OFF"
  fi
  DG_CURRENT_STAGE=""
  return 0
}

# tally_cargo_log FILE: records the counts of every `test result:` line in a cargo test log.
tally_cargo_log() {
  awk '/^test result: /{
      for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) }
    } END { print p + 0, f + 0 }' "$1" >>"$DG_TALLY_FILE"
}

# tally PASSED FAILED: records counts from a runner that is not cargo (pytest, node --test…).
tally() {
  echo "$1 $2" >>"$DG_TALLY_FILE"
}

# dg_totals: prints "PASSED FAILED" summed over every tally so far.
dg_totals() {
  awk '{ p += $1; f += $2 } END { print p + 0, f + 0 }' "$DG_TALLY_FILE"
}

# Prints which stage failed when a command exits non-zero under `set -e`.
dg_on_exit() {
  local rc=$?
  if [[ $rc -ne 0 && -n "$DG_CURRENT_STAGE" ]]; then
    printf '\n%sFAILED in stage: %s (exit %s)%s\n' "$DG_RED" "$DG_CURRENT_STAGE" "$rc" "$DG_OFF" >&2
  fi
  rm -f "$DG_TALLY_FILE"
}
trap dg_on_exit EXIT

# need COMMAND [HINT]: fails with a clear message when a tool is missing.
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "error: \`$1\` is not installed${2:+ ($2)}" >&2
    exit 2
  fi
}
