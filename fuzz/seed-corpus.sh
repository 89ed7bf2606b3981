#!/usr/bin/env bash
# Builds the seed corpora in fuzz/corpus/<target>/. Idempotent: files are named by hash.
#   parse_normalize  the bundled example contracts, every input of every conformance
#                    vector, and a handful of hostile shapes;
#   diff             pairs of related documents (the example stories, neighbouring
#                    vectors of one area) as SELECTOR OLD \0 NEW;
#   policy           policy documents in TOML and JSON.
set -euo pipefail
FUZZ="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$FUZZ")"
CORPUS="$FUZZ/corpus"
mkdir -p "$CORPUS/parse_normalize" "$CORPUS/diff" "$CORPUS/policy"

python3 - "$ROOT" "$CORPUS" <<'PY'
import base64, glob, hashlib, json, os, sys

root, corpus = sys.argv[1], sys.argv[2]
counts = {}

def add(data, target="parse_normalize"):
    if isinstance(data, str):
        data = data.encode("utf-8")
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(corpus, target, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        counts[target] = counts.get(target, 0) + 1

def read(path):
    with open(path, "rb") as f:
        return f.read()

by_area = {}

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
    area = os.path.basename(os.path.dirname(path))
    for item in vector.get("inputs", []) if isinstance(vector, dict) else []:
        if isinstance(item, dict) and "json" in item:
            by_area.setdefault(area, []).append(json.dumps(item["json"]).encode("utf-8"))
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

# diff: SELECTOR OLD \0 NEW. Selector bits: profile (mod 3), schema position, 0x40 policy,
# 0x80 today.
C = os.path.join(root, "examples", "contracts")
stories = [
    ("petstore-v1.yaml", "petstore-v2.yaml"),
    ("postmark-mcp-1.0.15.json", "postmark-mcp-1.0.16.json"),
    ("postmark-mcp-1.0.16.json", "postmark-mcp-1.0.16-poisoned.json"),
]
for old, new in stories:
    if os.path.exists(os.path.join(C, old)) and os.path.exists(os.path.join(C, new)):
        for selector in (0x01, 0x43, 0x80 | 0x05):
            add(bytes([selector]) + read(os.path.join(C, old)) + b"\0" + read(os.path.join(C, new)), "diff")
for area, docs in sorted(by_area.items()):
    for a, b in zip(docs, docs[1:]):
        add(bytes([0x01]) + a + b"\0" + b, "diff")

# policy: TOML and JSON documents.
policies = [
    "",
    'profile = "strict"\nfail_on = "dangerous"\nschema_position = "both"\n',
    '[overrides]\n"enum-value-added" = "safe"\n\n[[ignore]]\nrule = "operation-removed"\n'
    'location = "DELETE /pets/*"\nreason = "retired"\nexpires = 2026-12-31\n',
    '{"profile": "lenient", "overrides": {"mcp-tool-added": "breaking"}, "ignore": '
    '[{"rule": "mcp-tool-parameter-added", "location": "tool sendEmail \u203a **", "reason": "ok"}]}',
    '[[ignore]]\nrule = "*"\nlocation = "**/**/[a-"\nreason = ""\n',
]
for p in policies:
    add(p, "policy")

for target in ("parse_normalize", "diff", "policy"):
    print("seed corpus %-16s %4d new, %5d total" % (
        target, counts.get(target, 0), len(os.listdir(os.path.join(corpus, target)))))
PY
