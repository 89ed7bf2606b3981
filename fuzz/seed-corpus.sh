#!/usr/bin/env bash
# Builds the seed corpus of fuzz target parse_normalize in fuzz/corpus/parse_normalize/:
# the bundled example contracts, every input of every conformance vector, and a handful
# of hostile shapes. Idempotent: files are named by content hash.
set -euo pipefail
FUZZ="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$FUZZ")"
OUT="$FUZZ/corpus/parse_normalize"
mkdir -p "$OUT"

python3 - "$ROOT" "$OUT" <<'PY'
import base64, glob, hashlib, json, os, sys

root, out = sys.argv[1], sys.argv[2]
count = 0

def add(data):
    global count
    if isinstance(data, str):
        data = data.encode("utf-8")
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(out, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        count += 1

# Bundled demo contracts.
for path in sorted(glob.glob(os.path.join(root, "examples", "contracts", "*"))):
    if path.endswith((".json", ".yaml", ".yml")):
        with open(path, "rb") as f:
            add(f.read())

# Conformance vector inputs (whatever exists today).
for path in sorted(glob.glob(os.path.join(root, "conformance", "vectors", "**", "*.json"), recursive=True)):
    try:
        with open(path, encoding="utf-8") as f:
            vector = json.load(f)
    except (OSError, ValueError):
        continue
    for item in vector.get("inputs", []) if isinstance(vector, dict) else []:
        if not isinstance(item, dict):
            continue
        if "json" in item:
            add(json.dumps(item["json"]))
        if "text" in item and isinstance(item["text"], str):
            add(item["text"])
        if "base64" in item and isinstance(item["base64"], str):
            try:
                add(base64.b64decode(item["base64"]))
            except ValueError:
                pass
        if "samples" in item and isinstance(item["samples"], list):
            add("\n".join(json.dumps(s) for s in item["samples"]))

# Small hostile and edge shapes (the fuzzer grows the big ones itself).
hostile = [
    "",
    "\xef\xbb\xbf{}",
    "[" * 300 + "]" * 300,
    "a: &a [*a]",
    "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n",
    '{"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/x"}}}}}}',
    '{"$ref": "#"}',
    '{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}',
    '{"$ref": "http://169.254.169.254/latest/meta-data/"}',
    '{"type": "object", "properties": {"n": {"$ref": "#"}}}',
    '{"swagger": "2.0", "paths": {"/p": {"post": {"parameters": [{"in": "body", "name": "b", "schema": {"$ref": "#/definitions/X"}}], "responses": {"200": {"description": "ok"}}}}}, "definitions": {"X": {"type": "object"}}}',
    '{"tools": [{"name": "t", "inputSchema": {"type": "object"}}]}',
    '{"initialize": {"serverInfo": {"name": "s", "version": "1"}}, "tools": []}',
    '{"a": 1, "a": 2}',
    '{"n": 1e999}',
    "{\"s\": \"\\ud800\"}",
    '{"type": ["integer", "null"], "nullable": true, "exclusiveMaximum": true, "maximum": 5}',
    '{"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"required": ["a"]}]}',
    '{"format": "driftguard.snapshot/1", "kind": "mcp", "surface": {}}',
    '{"x": 1}\n{"x": "a"}\n{"y": [1, 2]}\n',
]
for h in hostile:
    add(h)
add(b"{\"a\": \"\xff\"}")
print("seed corpus: %d new file(s) in %s (%d total)" % (count, out, len(os.listdir(out))))
PY
