#!/usr/bin/env bash
# Builds the wasm package and the diff viewer: the one build command of driftguard-wasm.
#
#   driftguard-wasm/build.sh
#
# Writes (all under driftguard-wasm/dist/, gitignored):
#   web/     ES module for browsers and bundlers (wasm-bindgen --target web) + .d.ts
#   node/    CommonJS module for Node (wasm-bindgen --target nodejs) + .d.ts
#   viewer/  the static diff viewer: index.html, its script, worker, styles and the web
#            build; serve the folder with any static file server
#
# Needs: the wasm32-unknown-unknown target (rustup), `wasm-bindgen` at exactly the version
# of the wasm-bindgen crate in Cargo.lock (cargo install wasm-bindgen-cli --version =X.Y.Z),
# and `npm ci` run in driftguard-wasm/ (wasm-opt from the npm package `binaryen`: Debian's
# older binaryen writes modules that fail to load).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DIST="$HERE/dist"
PROFILE=wasm-release
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WASM="$TARGET_DIR/wasm32-unknown-unknown/$PROFILE/driftguard_wasm.wasm"
WASM_OPT="$HERE/node_modules/.bin/wasm-opt"

die() { echo "error: $*" >&2; exit 2; }

# The CLI must match the crate exactly: wasm-bindgen refuses (or worse, miscompiles) otherwise.
want="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' "$ROOT/Cargo.lock")"
[[ -n "$want" ]] || die "no wasm-bindgen crate in Cargo.lock"
command -v wasm-bindgen >/dev/null 2>&1 ||
  die "wasm-bindgen not found: cargo install wasm-bindgen-cli --version =$want"
have="$(wasm-bindgen --version | awk '{print $2}')"
[[ "$have" == "$want" ]] ||
  die "wasm-bindgen $have does not match the crate ($want): cargo install wasm-bindgen-cli --version =$want"
[[ -x "$WASM_OPT" ]] || die "wasm-opt not found: run npm ci in driftguard-wasm/"

echo "==> cargo build -p driftguard-wasm --target wasm32-unknown-unknown --profile $PROFILE"
(cd "$ROOT" && cargo build -p driftguard-wasm --target wasm32-unknown-unknown --profile "$PROFILE")

rm -rf "$DIST.partial"
mkdir -p "$DIST.partial"
for target in web nodejs; do
  out="$DIST.partial/${target/nodejs/node}"
  echo "==> wasm-bindgen --target $target"
  wasm-bindgen --target "$target" --out-dir "$out" "$WASM"
  # The features rustc enables by default for wasm32 (wasm-opt must not lower them).
  "$WASM_OPT" -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    -o "$out/driftguard_wasm_bg.wasm.opt" "$out/driftguard_wasm_bg.wasm"
  mv "$out/driftguard_wasm_bg.wasm.opt" "$out/driftguard_wasm_bg.wasm"
done
# driftguard-wasm/package.json says "type": "module"; the Node build is CommonJS.
printf '{\n  "type": "commonjs"\n}\n' >"$DIST.partial/node/package.json"

echo "==> viewer"
mkdir -p "$DIST.partial/viewer/pkg"
cp "$HERE"/viewer/*.html "$HERE"/viewer/*.js "$HERE"/viewer/*.css "$DIST.partial/viewer/"
cp "$DIST.partial/web/driftguard_wasm.js" "$DIST.partial/web/driftguard_wasm.d.ts" "$DIST.partial/web/driftguard_wasm_bg.wasm" \
  "$DIST.partial/viewer/pkg/"

rm -rf "$DIST"
mv "$DIST.partial" "$DIST"

size() { stat -c %s "$1"; }
raw="$(size "$WASM")"
opt="$(size "$DIST/web/driftguard_wasm_bg.wasm")"
gz="$(gzip -9 -c "$DIST/web/driftguard_wasm_bg.wasm" | wc -c)"
printf '==> built %s\n' "$DIST"
printf '    wasm: %d bytes after wasm-opt -Oz (%d before, %d gzipped)\n' "$opt" "$raw" "$gz"
printf '    viewer: %s (open index.html through a static server)\n' "$DIST/viewer"
