#!/usr/bin/env bash
# The GitHub Action's logic (action.yml runs it; tools/docs/tests/test_action.py runs it
# locally with a fake GITHUB_* environment). Inputs arrive as DG_* variables:
#
#   DG_COMMAND    diff (default) | check
#   DG_OLD        diff: the approved contract (file, snapshot or URL); empty with DG_BASE_REF
#   DG_NEW        diff: the contract as it is now
#   DG_BASE_REF   diff: with DG_OLD empty, the old contract is DG_NEW as of this git ref
#   DG_FAIL_ON    diff: breaking (default) | dangerous | safe | never
#   DG_POLICY     diff: a policy file (TOML or JSON)
#   DG_CONFIG     check: the configuration (default driftguard.toml)
#   DG_SURFACES   check: surface names, space-separated (default: every surface)
#   DG_SARIF      true | false (default): write SARIF (diff only) for code scanning
#   DG_SARIF_FILE where to write it (default driftguard.sarif)
#   DG_SUMMARY    true (default) | false: the Markdown report into $GITHUB_STEP_SUMMARY
#   DG_CLI        the driftguard command (default: `driftguard` on PATH)
#
# Writes workflow annotations (`--format github`) to stdout, the Markdown report to
# $GITHUB_STEP_SUMMARY, outputs (exit-code, sarif-file, breaking, dangerous, safe) to
# $GITHUB_OUTPUT. Exit status: 0 nothing at or above the threshold, 1 something is,
# 2 bad input or a contract that could not be read (also reported as an ::error).
set -uo pipefail

command=${DG_COMMAND:-diff}
fail_on=${DG_FAIL_ON:-breaking}
sarif=${DG_SARIF:-false}
sarif_file=${DG_SARIF_FILE:-driftguard.sarif}
summary=${DG_SUMMARY:-true}
tmp=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/driftguard-action.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Workflow-command escaping of a message (%, CR, LF).
escape() {
  local s=$1
  s=${s//'%'/'%25'}
  s=${s//$'\r'/'%0D'}
  s=${s//$'\n'/'%0A'}
  printf '%s' "$s"
}

output() {
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

add_summary() {
  if [[ $summary == true && -n ${GITHUB_STEP_SUMMARY:-} ]]; then
    cat >>"$GITHUB_STEP_SUMMARY"
  else
    cat >/dev/null
  fi
}

# fail MESSAGE: an input or setup error: annotation, summary, exit 2.
fail() {
  echo "::error title=DriftGuard::$(escape "$1")"
  printf '## DriftGuard\n\n**Error:** %s\n' "$1" | add_summary
  output exit-code 2
  exit 2
}

case $command in diff | check) ;; *) fail "command must be diff or check, got '$command'" ;; esac
case $fail_on in breaking | dangerous | safe | never) ;;
  *) fail "fail-on must be breaking, dangerous, safe or never, got '$fail_on'" ;;
esac
case $sarif in true | false) ;; *) fail "sarif must be true or false, got '$sarif'" ;; esac
case $summary in true | false) ;; *) fail "summary must be true or false, got '$summary'" ;; esac

read -r -a cli <<<"${DG_CLI:-driftguard}"
if [[ ${#cli[@]} -eq 0 ]] || ! command -v "${cli[0]}" >/dev/null 2>&1; then
  fail "the driftguard command '${DG_CLI:-driftguard}' was not found: install it in an earlier step (pip install, npm install) or set the 'driftguard' input"
fi

args=()
title=""
if [[ $command == diff ]]; then
  new=${DG_NEW:-}
  [[ -n $new ]] || fail "diff needs the 'new' input (the contract as it is now)"
  old=${DG_OLD:-}
  if [[ -z $old ]]; then
    [[ -n ${DG_BASE_REF:-} ]] || fail "diff needs the 'old' input or 'base-ref'"
    old="$tmp/base/$(basename "$new")"
    mkdir -p "$tmp/base"
    if ! git show "${DG_BASE_REF}:./$new" >"$old" 2>"$tmp/git.err"; then
      fail "cannot read $new at ${DG_BASE_REF}: $(head -n 1 "$tmp/git.err")"
    fi
    title="\`$new\` at \`${DG_BASE_REF}\` → \`$new\`"
  else
    title="\`$old\` → \`$new\`"
  fi
  args=(diff "$old" "$new" --fail-on "$fail_on")
  [[ -z ${DG_POLICY:-} ]] || args+=(--policy "$DG_POLICY")
  never=(diff "$old" "$new" --fail-on never)
  [[ -z ${DG_POLICY:-} ]] || never+=(--policy "$DG_POLICY")
else
  read -r -a surfaces <<<"${DG_SURFACES:-}"
  args=(check "${surfaces[@]}" --config "${DG_CONFIG:-driftguard.toml}")
  never=("${args[@]}")
  title="check of \`${DG_CONFIG:-driftguard.toml}\`"
fi

# 1. Annotations on stdout; this run decides the exit status.
"${cli[@]}" "${args[@]}" --format github 2>"$tmp/err"
rc=$?
cat "$tmp/err" >&2
output exit-code "$rc"
if [[ $rc -ge 2 ]]; then
  msg=$(grep -m 1 . "$tmp/err" || true)
  echo "::error title=DriftGuard::$(escape "${msg:-driftguard exited with status $rc}")"
  printf '## DriftGuard: %s\n\n**Error** (exit %s):\n\n```text\n%s\n```\n' \
    "$title" "$rc" "$(cat "$tmp/err")" | add_summary
  exit "$rc"
fi

# 2. The Markdown report into the job summary (the same judgement, never failing).
if [[ $summary == true && -n ${GITHUB_STEP_SUMMARY:-} ]]; then
  {
    printf '## DriftGuard: %s\n\n' "$title"
    "${cli[@]}" "${never[@]}" --format markdown 2>/dev/null
    echo
    if [[ $rc -eq 1 ]]; then
      if [[ $command == diff ]]; then
        printf '**Failed:** changes at or above `%s`.\n' "$fail_on"
      else
        printf '**Failed:** drift that fails the policy.\n'
      fi
    else
      printf '**Passed.**\n'
    fi
  } >>"$GITHUB_STEP_SUMMARY"
fi

# 3. Counts (diff) and SARIF.
if [[ $command == diff ]]; then
  if "${cli[@]}" "${never[@]}" --format json >"$tmp/report.json" 2>/dev/null; then
    for sev in breaking dangerous safe; do
      output "$sev" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"][sys.argv[2]])' "$tmp/report.json" "$sev")"
    done
  fi
  if [[ $sarif == true ]]; then
    if ! mkdir -p "$(dirname "$sarif_file")" ||
      ! "${cli[@]}" "${never[@]}" --format sarif >"$sarif_file" 2>"$tmp/err"; then
      echo "::error title=DriftGuard::$(escape "cannot write the SARIF file $sarif_file: $(grep -m 1 . "$tmp/err")")"
      output exit-code 2
      exit 2
    fi
    output sarif-file "$sarif_file"
  fi
elif [[ $sarif == true ]]; then
  echo "::warning title=DriftGuard::$(escape "SARIF is written by diff only; check reports annotations and the summary")"
fi
exit "$rc"
