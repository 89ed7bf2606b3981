// Every conformance vector through the Node build of the wasm package, one test each.
// Run: node --test tests/conformance.test.mjs   (after ./build.sh)
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { VECTORS, discover, firstDifference, readVectorText, runFile } from "./vectors.mjs";

const require = createRequire(import.meta.url);
const dg = require("../dist/node/driftguard_wasm.js");

const files = discover();

test("vectors are discovered in every kind folder", () => {
  const kinds = new Set(files.map((f) => f.split("/")[0]));
  assert.deepEqual([...kinds].sort(), ["diff", "normalize", "render"]);
  assert.ok(files.length >= 556, `only ${files.length} vectors found`);
});

test("the runner's own checks catch what they must", () => {
  assert.throws(() => readVectorText('{"a": 1, "b": {"c": 1, "c": 2}}'), /duplicate key "c" in the object at \/b/);
  assert.throws(() => readVectorText("{} x"), /trailing characters/);
  assert.equal(firstDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] }), "at /a/1/b: expected 2, got 3");
  assert.equal(firstDifference({ a: null }, {}), "at /a: member missing, expected null");
});

test("a wrong expectation of each kind fails (the runner is not vacuous)", () => {
  const dir = mkdtempSync(join(tmpdir(), "dg-vectors-"));
  try {
    const mutate = (rel, edit) => {
      const v = JSON.parse(readFileSync(join(VECTORS, rel), "utf8"));
      edit(v);
      mkdirSync(join(dir, rel, ".."), { recursive: true });
      writeFileSync(join(dir, rel), JSON.stringify(v));
      return runFile(dg, rel, dir);
    };
    const diff = files.find((f) => f.startsWith("diff/") && f.includes("operation-removed"));
    let out = mutate(diff, (v) => (v.expect.changes[0].severity = "safe"));
    assert.match(out.join("\n"), /changes differ: expected 1, got 1/);
    out = mutate(diff, (v) => (v.expect = { error: "E_PARSE" }));
    assert.match(out.join("\n"), /expected error E_PARSE, got a report/);
    const norm = files.find(
      (f) => f.startsWith("normalize/openapi/") && JSON.parse(readFileSync(join(VECTORS, f), "utf8")).expect.snapshot,
    );
    out = mutate(norm, (v) => (v.expect.snapshot.meta.title = "not the title"));
    assert.match(out.join("\n"), /snapshot differs: at \/meta\/title|not a valid snapshot document/);
    out = mutate("render/markdown-empty.json", (v) => (v.expect.output += "x"));
    assert.match(out.join("\n"), /output differs at line/);
    out = mutate("render/markdown-empty.json", (v) => (v.extra = 1));
    assert.match(out.join("\n"), /malformed vector: \/: unknown member "extra"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const rel of files) {
  test(rel, () => {
    const failures = runFile(dg, rel);
    assert.equal(failures.length, 0, failures.join("\n"));
  });
}
