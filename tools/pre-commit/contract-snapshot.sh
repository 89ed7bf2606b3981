#!/usr/bin/env bash
# pre-commit hook `driftguard-snapshot` (.pre-commit-hooks.yaml): each contract file given
# must match its committed snapshot, `<dir>/<name>.snapshot.json` beside it
# (openapi.yaml → openapi.snapshot.json), byte for byte as `driftguard snapshot` writes it.
#
#   contract-snapshot.sh [--write] [--fail-on LEVEL] FILE...
#
# A missing or stale snapshot fails the hook and prints the classified changes
# (`driftguard diff SNAPSHOT FILE`) and the command that accepts them. With --write the
# hook writes the new snapshot itself (and still fails, as pre-commit hooks that change
# files do, so the snapshot is reviewed and added). With --fail-on LEVEL, a stale
# snapshot whose changes are all below LEVEL (breaking | dangerous | safe) passes with the
# report printed. The driftguard command is $DRIFTGUARD_CLI, default `driftguard`.
set -uo pipefail

write=false
fail_on=safe
files=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --write) write=true ;;
    --fail-on)
      fail_on=${2:-}
      shift
      ;;
    --fail-on=*) fail_on=${1#--fail-on=} ;;
    --) shift; files+=("$@"); break ;;
    -*) echo "error[E_USAGE]: unknown option $1" >&2; exit 2 ;;
    *) files+=("$1") ;;
  esac
  shift
done
case $fail_on in breaking | dangerous | safe) ;;
  *) echo "error[E_USAGE]: --fail-on must be breaking, dangerous or safe, got '$fail_on'" >&2; exit 2 ;;
esac

read -r -a cli <<<"${DRIFTGUARD_CLI:-driftguard}"
if ! command -v "${cli[0]}" >/dev/null 2>&1; then
  echo "error: the driftguard command '${cli[0]}' was not found on PATH (pip install driftguard, or set DRIFTGUARD_CLI)" >&2
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for file in "${files[@]}"; do
  case $file in *.snapshot.json) continue ;; esac
  dir=$(dirname "$file")
  base=$(basename "$file")
  snap="$dir/${base%.*}.snapshot.json"
  [[ $dir == . ]] && snap="${base%.*}.snapshot.json"
  if ! "${cli[@]}" snapshot "$file" >"$tmp/new" 2>"$tmp/err"; then
    echo "$file: $(cat "$tmp/err")" >&2
    status=1
    continue
  fi
  if [[ -f $snap ]] && cmp -s "$tmp/new" "$snap"; then
    continue
  fi
  if [[ ! -f $snap ]]; then
    echo "$file: no committed snapshot $snap"
  else
    echo "$file: differs from its snapshot $snap:"
    "${cli[@]}" diff "$snap" "$tmp/new" --fail-on never | sed 's/^/  /'
    if "${cli[@]}" diff "$snap" "$tmp/new" --fail-on "$fail_on" >/dev/null 2>&1; then
      echo "$file: every change is below $fail_on; passing (the snapshot is stale: update it)"
      continue
    fi
  fi
  if [[ $write == true ]]; then
    cp "$tmp/new" "$snap"
    echo "$file: wrote $snap: review it and git add it"
  else
    echo "$file: to accept: driftguard snapshot $file > $snap"
  fi
  status=1
done
exit "$status"
