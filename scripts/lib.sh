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

DG_PASSED=0
DG_FAILED=0
DG_CURRENT_STAGE=""
DG_STAGE_TIMES=()

# banner TEXT: a visible stage header.
banner() {
  printf '\n%s==> %s%s\n' "$DG_BOLD" "$*" "$DG_OFF"
}

# run_stage NAME FUNCTION [ARGS...]: runs one stage with a banner and its duration.
run_stage() {
  local name=$1; shift
  DG_CURRENT_STAGE=$name
  banner "stage: $name"
  local start=$SECONDS
  "$@"
  local took=$((SECONDS - start))
  DG_STAGE_TIMES+=("$(printf '%-10s %4ss' "$name" "$took")")
  printf '%s<== %s ok (%ss)%s\n' "$DG_GREEN" "$name" "$took" "$DG_OFF"
  DG_CURRENT_STAGE=""
}

# tally_cargo_log FILE: adds the counts of every `test result:` line in a cargo test log.
tally_cargo_log() {
  local p f
  read -r p f < <(awk '/^test result: /{
      for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) }
    } END { print p + 0, f + 0 }' "$1")
  DG_PASSED=$((DG_PASSED + p))
  DG_FAILED=$((DG_FAILED + f))
}

# tally PASSED FAILED: adds counts from a runner that is not cargo (pytest, node --test…).
tally() {
  DG_PASSED=$((DG_PASSED + $1))
  DG_FAILED=$((DG_FAILED + $2))
}

# Prints which stage failed when a command exits non-zero under `set -e`.
dg_on_exit() {
  local rc=$?
  if [[ $rc -ne 0 && -n "$DG_CURRENT_STAGE" ]]; then
    printf '\n%sFAILED in stage: %s (exit %s)%s\n' "$DG_RED" "$DG_CURRENT_STAGE" "$rc" "$DG_OFF" >&2
  fi
}
trap dg_on_exit EXIT

# need COMMAND [HINT]: fails with a clear message when a tool is missing.
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "error: \`$1\` is not installed${2:+ ($2)}" >&2
    exit 2
  fi
}
