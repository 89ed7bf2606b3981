// The JavaScript API of the Node build: inputs, options, errors with codes, determinism,
// byte identity with the native CLI, the TypeScript declarations, and the viewer's sources.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";

const require = createRequire(import.meta.url);
const dg = require("../dist/node/driftguard_wasm.js");
const HERE = new URL("..", import.meta.url).pathname;
const ROOT = join(HERE, "..");
const CONTRACTS = join(ROOT, "examples", "contracts");
const file = (name) => readFileSync(join(CONTRACTS, name));

const CORE_CODES = [
  "E_PARSE", "E_ENCODING", "E_TOO_DEEP", "E_TOO_LARGE", "E_REF_UNRESOLVED", "E_REF_EXTERNAL",
  "E_REF_CYCLE", "E_UNSUPPORTED_FORMAT", "E_INVALID", "E_SNAPSHOT_VERSION", "E_CONFIG",
];

function throwsCode(fn, code, message) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, "a DriftGuardError is an Error");
    assert.equal(e.name, "DriftGuardError");
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test("error codes: the core's, then E_USAGE", () => {
  assert.deepEqual(dg.errorCodes(), [...CORE_CODES, "E_USAGE"]);
});

test("parse: string and bytes give the same snapshot; JSON and YAML the same digest", () => {
  const yaml = file("petstore-v1.yaml");
  const a = dg.parse(yaml);
  const b = dg.parse(yaml.toString("utf8"));
  assert.deepEqual(a, b);
  assert.equal(a.kind, "openapi");
  assert.match(a.digest, /^sha256:[0-9a-f]{64}$/);
  const asJson = JSON.stringify(a);
  assert.equal(dg.parse(asJson, { format: "snapshot" }).digest, a.digest);
  assert.equal(dg.snapshot(yaml), `${JSON.stringify(a, null, 2)}\n`);
  assert.equal(dg.snapshotFormat(), "driftguard.snapshot/1");
});

test("errors carry the core's code and location", () => {
  throwsCode(() => dg.parse('{"openapi": "3.0.3",\n "paths": '), "E_PARSE", /line 2/);
  try {
    dg.parse('{"openapi": "3.0.3",\n "paths": ');
  } catch (e) {
    assert.equal(e.line, 2);
    assert.equal(typeof e.column, "number");
  }
  throwsCode(() => dg.parse(new Uint8Array([0x7b, 0xff, 0x7d])), "E_ENCODING");
  throwsCode(() => dg.parse("[1, 2, 3]"), "E_UNSUPPORTED_FORMAT");
  throwsCode(() => dg.parse("a: *x\n"), "E_PARSE");
  throwsCode(() => dg.parse("[".repeat(100_000)), "E_TOO_DEEP");
  throwsCode(() => dg.parse(new Uint8Array(0)), "E_PARSE", /empty document/);
  // A YAML alias bomb (10^10 nodes) ends in E_TOO_LARGE, quickly.
  let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (let i = 0, prev = "a"; i < 9; prev = `b${i}`, i++) bomb += `b${i}: &b${i} [${Array(10).fill(`*${prev}`).join(", ")}]\n`;
  const start = Date.now();
  throwsCode(() => dg.parse(bomb), "E_TOO_LARGE", /alias expansion/);
  assert.ok(Date.now() - start < 10_000);
  throwsCode(
    () => dg.parse(JSON.stringify({ openapi: "3.0.3", info: { title: "t", version: "1" }, paths: { "/a": { get: { responses: { 200: { $ref: "other.yaml#/x" } } } } } })),
    "E_REF_EXTERNAL",
  );
  throwsCode(() => dg.parse('{"format": "driftguard.snapshot/99", "kind": "openapi"}', { format: "snapshot" }), "E_SNAPSHOT_VERSION");
  throwsCode(() => dg.diff(file("petstore-v1.yaml"), file("petstore-v2.yaml"), { policy: 'profile = "paranoid"' }), "E_CONFIG");
  throwsCode(() => dg.diff(file("petstore-v1.yaml"), file("petstore-v2.yaml"), { policy: { profile: "paranoid" } }), "E_CONFIG");
});

test("bad arguments are E_USAGE errors, never crashes", () => {
  throwsCode(() => dg.parse(42), "E_USAGE", /input must be a string or a Uint8Array/);
  throwsCode(() => dg.parse(undefined), "E_USAGE");
  throwsCode(() => dg.parse("{}", { format: "yaml" }), "E_USAGE", /unknown input format "yaml"/);
  throwsCode(() => dg.parse("{}", { fromat: "openapi" }), "E_USAGE", /unknown field `fromat`/);
  throwsCode(() => dg.parse("{}", []), "E_USAGE");
  throwsCode(() => dg.diff("{}", "{}", { failOn: "sometimes" }), "E_USAGE");
  throwsCode(() => dg.render({ changes: 1 }, "markdown"), "E_INVALID");
  throwsCode(() => dg.render("{}", "html"), "E_USAGE", /unknown output format "html"/);
  throwsCode(() => dg.render(7, "json"), "E_USAGE");
  throwsCode(() => dg.rulesText("yaml"), "E_USAGE");
  throwsCode(() => dg.snapshotSamples({}), "E_USAGE");
  throwsCode(() => dg.cli("diff"), "E_USAGE");
});

test("diff, render and maxSeverity", () => {
  const old = file("postmark-mcp-1.0.15.json");
  const neu = file("postmark-mcp-1.0.16-poisoned.json");
  const report = dg.diff(old, neu);
  assert.deepEqual(report.summary, { breaking: 3, dangerous: 4, safe: 0 });
  assert.equal(dg.maxSeverity(report), "breaking");
  assert.equal(dg.maxSeverity(dg.diff(old, old)), null);
  const json = dg.diffJson(old, neu);
  assert.deepEqual(JSON.parse(json), report);
  assert.equal(dg.render(report, "json"), json);
  assert.equal(dg.render(json, "json"), json);
  for (const format of ["text", "markdown", "github", "junit", "sarif"]) {
    const out = dg.render(json, format);
    assert.ok(out.endsWith("\n") && !out.endsWith("\n\n"), format);
    assert.equal(dg.render(report, format), out, `${format}: object and text render the same`);
  }
  // A policy that ignores the version move.
  const quiet = dg.diff(old, neu, { policy: { overrides: { "mcp-server-version-changed": "safe" } } });
  assert.deepEqual(quiet.summary, { breaking: 3, dangerous: 3, safe: 1 });
  // Determinism: the same inputs, the same bytes.
  assert.equal(dg.diffJson(old, neu), json);
});

test("rules: object and text", () => {
  const rules = dg.rules();
  assert.equal(rules.format, "driftguard.rules/1");
  assert.ok(rules.rules.length >= 182, `${rules.rules.length} rules`);
  assert.ok(rules.rules.some((r) => r.id === "operation-removed"));
  assert.equal(dg.rulesText("json"), `${JSON.stringify(rules, null, 2)}\n`);
  assert.match(dg.rulesText(), /operation-removed/);
});

test("samples: payloads → an inferred snapshot", () => {
  const s = JSON.parse(dg.snapshotSamples([{ id: 1, name: "a" }, { id: 2 }]));
  assert.equal(s.kind, "samples");
  assert.deepEqual(s.surface.root.required, ["id"]);
});

test("reveal: hidden runs, decoded tags", () => {
  assert.deepEqual(dg.reveal("ok\u200B\u{E0048}\u{E0069}!"), {
    segments: [{ text: "ok" }, { text: "\\u{200B}\\u{E0048}\\u{E0069}", hidden: true, decoded: "Hi" }, { text: "!" }],
    tags: "Hi",
  });
  assert.deepEqual(dg.reveal("plain <b>text</b>"), { segments: [{ text: "plain <b>text</b>" }] });
});

test("cli: the same bytes and exit codes as the native driftguard", (t) => {
  // The example CLI as `cargo build --release --example driftguard` or `cargo test` builds it.
  const native = [join(ROOT, "target", "release", "examples", "driftguard"), join(ROOT, "target", "debug", "examples", "driftguard")].find(existsSync);
  const files = { "old.yaml": file("petstore-v1.yaml"), "new.yaml": file("petstore-v2.yaml") };
  const runs = [
    ["diff", "old.yaml", "new.yaml"],
    ["diff", "old.yaml", "new.yaml", "--format", "markdown", "--fail-on", "never"],
    ["diff", "old.yaml", "new.yaml", "--format", "sarif"],
    ["snapshot", "old.yaml"],
    ["diff", "old.yaml"],
  ];
  for (const args of runs) {
    const out = dg.cli(args, files, "2026-01-01");
    assert.equal(typeof out.code, "number");
    if (!native) continue;
    const paths = args.map((a) => (a in files ? join(CONTRACTS, a === "old.yaml" ? "petstore-v1.yaml" : "petstore-v2.yaml") : a));
    let stdout = "";
    let code = 0;
    try {
      stdout = execFileSync(native, [...paths, ...(args[0] === "diff" && args.length > 2 ? ["--today", "2026-01-01"] : [])], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      stdout = e.stdout;
      code = e.status;
    }
    const expected = args.includes("sarif") ? stdout.replaceAll(join(CONTRACTS, "petstore-v2.yaml"), "new.yaml") : stdout;
    assert.equal(out.out, expected, args.join(" "));
    assert.equal(out.code, code, args.join(" "));
  }
  if (!native) t.diagnostic("native example not built: compared exit codes only");
});

test("TypeScript declarations name every export with its types", () => {
  const dts = readFileSync(join(HERE, "dist", "node", "driftguard_wasm.d.ts"), "utf8");
  for (const sig of [
    "export function parse(input: Input, opts?: ParseOptions | null): Snapshot;",
    "export function diff(before: Input, after: Input, opts?: DiffOptions | null): Report;",
    "export function render(report: Report | string, format: OutputFormat, opts?: RenderOptions | null): string;",
    "export function rules(): RulesDocument;",
    "export interface DriftGuardError extends Error",
  ]) {
    assert.ok(dts.includes(sig), `missing: ${sig}`);
  }
});

test("TypeScript strict: the declarations, a typed use of them, the viewer and its worker", () => {
  const tsc = join(HERE, "node_modules", "typescript", "bin", "tsc");
  for (const project of ["tsconfig.json", "tsconfig.worker.json"]) {
    try {
      execFileSync(process.execPath, [tsc, "-p", join(HERE, project)], { encoding: "utf8", stdio: "pipe" });
    } catch (e) {
      assert.fail(`tsc -p ${project}:\n${e.stdout}${e.stderr}`);
    }
  }
});

test("viewer sources use no HTML sink", () => {
  for (const name of ["viewer.js", "worker.js"]) {
    const src = readFileSync(join(HERE, "viewer", name), "utf8");
    for (const sink of ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "srcdoc"]) {
      assert.ok(!src.includes(sink), `${name} uses ${sink}`);
    }
  }
  const html = readFileSync(join(HERE, "viewer", "index.html"), "utf8");
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? "";
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self';/);
  assert.match(csp, /require-trusted-types-for 'script'/);
  assert.ok(!csp.includes("unsafe-inline") && !csp.includes("unsafe-eval"), csp);
});
