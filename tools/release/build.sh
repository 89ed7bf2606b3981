#!/usr/bin/env bash
# Builds the release artifacts of the published packages — built and checked in CI, never
# published — into target/release-artifacts/:
#   driftguard-core-V.crate          cargo package -p driftguard-core (verified: the packaged
#                                    crate is built on its own, from its crates.io dependencies)
#   driftguard-V-cp310-abi3-*.whl    maturin build --release (the abi3 wheel)
#   driftguard-V.tar.gz              maturin sdist
#   driftguard-V.tgz                 npm pack driftguard-node (needs `scripts/test.sh node`'s build)
#   driftguard-wasm-V.tgz            npm pack driftguard-wasm (needs driftguard-wasm/build.sh)
# tools/release/test_release.py checks what is inside. Set DG_PACKAGE_NO_VERIFY=1 to skip the
# crate's verification build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OUT="$ROOT/target/release-artifacts"
rm -rf "$OUT"
mkdir -p "$OUT"
version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)"
: "${version:?no [workspace.package] version in Cargo.toml}"
echo "version $version"

need() {
  if [[ ! -e $1 ]]; then
    echo "error: $1 is missing: $2" >&2
    exit 2
  fi
}

# `--allow-dirty`: CI checkouts are clean, a developer's tree may not be; the list of
# packaged files is checked by the test either way.
verify=()
[[ -z ${DG_PACKAGE_NO_VERIFY:-} ]] || verify=(--no-verify)
cargo package -p driftguard-core --allow-dirty "${verify[@]}"
cp "target/package/driftguard-core-$version.crate" "$OUT/"

maturin=driftguard-py/.venv/bin/maturin
need "$maturin" "bash driftguard-py/ci/install.sh"
"$maturin" build --release --manifest-path driftguard-py/Cargo.toml --out "$OUT"
"$maturin" sdist --manifest-path driftguard-py/Cargo.toml --out "$OUT"

need driftguard-node/dist/cli.js "scripts/test.sh node (npm ci, napi build, tsc)"
(cd driftguard-node && npm pack --silent --pack-destination "$OUT" >/dev/null)
need driftguard-wasm/dist/web "driftguard-wasm/build.sh (scripts/test.sh browser)"
(cd driftguard-wasm && npm pack --silent --pack-destination "$OUT" >/dev/null)
ls -l "$OUT"
