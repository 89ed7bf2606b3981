// The conformance runner of the wasm build: conformance/README.md, step by step, through the
// package's public API (the Node build). It mirrors the Rust runner (conformance/runner):
// the same discovery order, structural checks, inputs, comparisons and failure messages.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const VECTORS = join(ROOT, "conformance", "vectors");

const FORMATS = ["auto", "openapi", "swagger", "json-schema", "mcp", "samples", "snapshot", "package"];
const INPUT_FORMS = ["base64", "json", "samples", "text"];
const NORMALIZE_MEMBERS = ["description", "expect", "format", "inputs"];
const DIFF_MEMBERS = ["description", "expect", "format", "new", "old", "policy", "today"];
const RENDER_MEMBERS = ["description", "expect", "format", "options", "report"];
const RENDER_OPTIONS = ["color", "fail_on", "file", "tool_version"];
const RENDER_FORMATS = ["text", "json", "markdown", "github", "junit", "sarif"];
const CHANGE_MEMBERS = ["path", "pointer", "position", "rule", "severity"];

/** Every `*.json` below `dir`, relative with `/`, sorted by code point. */
export function discover(dir = VECTORS) {
  const found = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".json")) found.push(relative(dir, p).split(sep).join("/"));
    }
  };
  walk(dir);
  // Code-point order (JS's default sort compares UTF-16 units; equal for the BMP).
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The kind of a vector from its first folder. */
export function kindOf(rel) {
  const parts = rel.split("/");
  if (parts.length < 2) throw new Error("a vector must live in a kind folder (normalize/, diff/ or render/)");
  if (!["normalize", "diff", "render"].includes(parts[0])) {
    throw new Error(`unknown vector kind ${JSON.stringify(parts[0])} (the first folder below vectors/ must be normalize, diff or render)`);
  }
  return parts[0];
}

/**
 * Strict JSON with duplicate keys rejected (two JSON readers disagreeing about a vector
 * would defeat its purpose). Returns JSON.parse's value once the text is known clean.
 */
export function readVectorText(text) {
  let i = 0;
  const fail = (m) => {
    throw new Error(`not valid JSON: ${m} at offset ${i}`);
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const string = () => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail("unterminated string");
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = (pointer) => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const keys = new Set();
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a key");
        const key = string();
        if (keys.has(key)) {
          throw new Error(`duplicate key ${JSON.stringify(key)} in the object at ${pointer || "the root"}`);
        }
        keys.add(key);
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        value(`${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (let n = 0; ; n++) {
        value(`${pointer}/${n}`);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return void i++;
        else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return void string();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail("unexpected character");
    i += m[0].length;
  };
  value("");
  ws();
  if (i !== text.length) fail("trailing characters");
  return JSON.parse(text);
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const show = (v) => {
  const s = JSON.stringify(v) ?? "undefined";
  return [...s].length <= 240 ? s : `${[...s].slice(0, 240).join("")}…`;
};

function checkInput(at, input, errors) {
  if (!isObject(input) || Object.keys(input).length !== 1) {
    errors.push(`${at} must be an object with exactly one member (${INPUT_FORMS.join(", ")})`);
    return;
  }
  const [form, value] = Object.entries(input)[0];
  if (!INPUT_FORMS.includes(form)) errors.push(`${at}: unknown input form ${JSON.stringify(form)}`);
  if ((form === "text" || form === "base64") && typeof value !== "string") errors.push(`${at}/${form} must be a string`);
  if (form === "base64" && typeof value === "string" && !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value)) {
    errors.push(`${at}/base64 must be standard padded base64`);
  }
  if (form === "samples" && !Array.isArray(value)) errors.push(`${at}/samples must be an array`);
}

function unknownMembers(obj, allowed, at, errors) {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) errors.push(`${at}: unknown member ${JSON.stringify(k)} (allowed: ${allowed.join(", ")})`);
  }
}

const isCode = (c) => typeof c === "string" && /^E_[A-Z0-9_]+$/.test(c);

/** The structural rules of conformance/vector.schema.json; every problem is listed. */
export function checkStructure(kind, v) {
  const errors = [];
  if (!isObject(v)) return ["a vector must be a JSON object"];
  if (typeof v.description !== "string" || !v.description.trim() || v.description.includes("\n")) {
    errors.push(v.description === undefined ? "/description is required" : "/description must be a non-empty one-line string");
  }
  const format = v.format ?? "auto";
  if (kind !== "render" && !FORMATS.includes(format)) errors.push(`/format must be one of ${FORMATS.join(", ")}`);
  const expect = v.expect;
  const one = isObject(expect) && Object.keys(expect).length === 1;
  if (kind === "normalize") {
    unknownMembers(v, NORMALIZE_MEMBERS, "/", errors);
    if (!Array.isArray(v.inputs) || v.inputs.length === 0) errors.push("/inputs must be a non-empty array");
    else v.inputs.forEach((input, n) => checkInput(`/inputs/${n}`, input, errors));
    if (!one) errors.push("/expect must be an object with exactly one member: `snapshot` or `error`");
    else if ("error" in expect) {
      if (!isCode(expect.error)) errors.push(`/expect/error must be a code like "E_PARSE", got ${show(expect.error)}`);
    } else if ("snapshot" in expect) {
      const s = expect.snapshot;
      if (isObject(s)) {
        if ("source" in s) errors.push("/expect/snapshot must not contain `source`");
        for (const r of ["digest", "format", "kind", "meta", "schemas", "surface"]) {
          if (!(r in s)) errors.push(`/expect/snapshot lacks \`${r}\``);
        }
      } else if (s !== null) errors.push("/expect/snapshot must be an object or null");
    } else errors.push("/expect must have the member `snapshot` or `error`");
  } else if (kind === "diff") {
    unknownMembers(v, DIFF_MEMBERS, "/", errors);
    for (const side of ["old", "new"]) {
      if (!(side in v)) errors.push(`/${side} is required`);
      else checkInput(`/${side}`, v[side], errors);
    }
    if ("policy" in v && !isObject(v.policy)) errors.push("/policy must be an object (the policy document as JSON)");
    if ("today" in v && !(typeof v.today === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v.today))) {
      errors.push(`/today must be a date written YYYY-MM-DD, got ${show(v.today)}`);
    }
    if (!one) errors.push("/expect must be an object with exactly one member: `changes` or `error`");
    else if ("error" in expect) {
      if (!isCode(expect.error)) errors.push(`/expect/error must be a code like "E_PARSE", got ${show(expect.error)}`);
    } else if ("changes" in expect) {
      if (!Array.isArray(expect.changes)) errors.push("/expect/changes must be an array of changes");
      else {
        expect.changes.forEach((c, n) => {
          const at = `/expect/changes/${n}`;
          if (!isObject(c)) return errors.push(`${at} must be an object`);
          unknownMembers(c, CHANGE_MEMBERS, at, errors);
          for (const r of ["pointer", "rule", "severity"]) if (!(r in c)) errors.push(`${at} lacks \`${r}\``);
          for (const [k, val] of Object.entries(c)) {
            const ok =
              k === "severity" ? ["safe", "dangerous", "breaking"].includes(val)
              : k === "position" ? ["input", "output", "surface"].includes(val)
              : k === "rule" ? typeof val === "string" && val !== ""
              : k === "pointer" ? typeof val === "string" && (val === "" || val.startsWith("/"))
              : typeof val === "string";
            if (!ok) errors.push(`${at}/${k} has an invalid value ${show(val)}`);
          }
        });
      }
    } else errors.push("/expect must have the member `changes` or `error`");
  } else {
    unknownMembers(v, RENDER_MEMBERS, "/", errors);
    if (!isObject(v.report)) errors.push("/report must be an object (a report document)");
    if (!RENDER_FORMATS.includes(v.format)) errors.push(`/format must be one of ${RENDER_FORMATS.join(", ")}`);
    if ("options" in v) {
      if (!isObject(v.options)) errors.push("/options must be an object");
      else {
        unknownMembers(v.options, RENDER_OPTIONS, "/options", errors);
        for (const [k, val] of Object.entries(v.options)) {
          const ok =
            k === "color" ? typeof val === "boolean"
            : k === "file" ? val === null || typeof val === "string"
            : k === "fail_on" ? ["breaking", "dangerous", "safe", "never"].includes(val)
            : typeof val === "string";
          if (!ok) errors.push(`/options/${k} has an invalid value ${show(val)}`);
        }
      }
    }
    if (!one || !("output" in expect)) errors.push("/expect must be an object with exactly one member: `output`");
    else if (expect.output !== null && typeof expect.output !== "string") errors.push("/expect/output must be a string or null");
  }
  return errors;
}

/** Where `actual` first differs from `expected` (depth-first, members in key order). */
export function firstDifference(expected, actual, pointer = "") {
  const at = pointer || "the root";
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) {
      return `at ${at}: expected an array of ${expected.length} items, got ${actual.length} items (${show(expected)} vs ${show(actual)})`;
    }
    for (let n = 0; n < expected.length; n++) {
      const d = firstDifference(expected[n], actual[n], `${pointer}/${n}`);
      if (d) return d;
    }
    return null;
  }
  if (isObject(expected) && isObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const k of keys) {
      const p = `${pointer}/${k.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      if (!(k in actual)) return `at ${p}: member missing, expected ${show(expected[k])}`;
      if (!(k in expected)) return `at ${p}: unexpected member ${show(actual[k])}`;
      const d = firstDifference(expected[k], actual[k], p);
      if (d) return d;
    }
    return null;
  }
  if (expected === actual) return null;
  return `at ${at}: expected ${show(expected)}, got ${show(actual)}`;
}

/** The bytes an input form denotes (or the payloads of `samples`). */
function inputBytes(input) {
  const [form, value] = Object.entries(input)[0];
  switch (form) {
    case "json":
      return { bytes: Buffer.from(JSON.stringify(value), "utf8") };
    case "text":
      return { bytes: Buffer.from(value, "utf8") };
    case "base64":
      return { bytes: new Uint8Array(Buffer.from(value, "base64")) };
    case "samples":
      return { samples: value };
    default:
      throw new Error(`unknown input form ${JSON.stringify(form)}`);
  }
}

/** Runs `fn`, returning `{ok}` or `{error}` (a DriftGuardError must carry `.code`). */
function attempt(fn) {
  try {
    return { ok: fn() };
  } catch (error) {
    if (typeof error?.code !== "string") throw error;
    return { error };
  }
}

function runNormalize(dg, v, failures) {
  const format = v.format ?? "auto";
  const produced = v.inputs.map((input) => {
    const { bytes, samples } = inputBytes(input);
    return attempt(() => (samples ? dg.snapshotSamples(samples) : dg.snapshot(bytes, { format })));
  });
  const expect = v.expect;
  if ("error" in expect) {
    const code = expect.error;
    if (!dg.errorCodes().includes(code) || code === "E_USAGE") {
      failures.push([null, `expected error code ${JSON.stringify(code)} is not a code of the core`]);
      return;
    }
    produced.forEach((p, n) => {
      if (p.error && p.error.code === code) return;
      if (p.error) failures.push([n, `expected error ${code}, got ${p.error.code}: ${p.error.message}`]);
      else failures.push([n, `expected error ${code}, got a snapshot`]);
    });
    return;
  }
  if (expect.snapshot === null) {
    failures.push([null, 'expectation is {"snapshot": null}; run with DRIFTGUARD_BLESS=1 to fill it in, then read the result']);
    return;
  }
  // The expectation must be a snapshot document whose stated digest matches its content.
  const self = attempt(() => dg.snapshot(JSON.stringify(expect.snapshot), { format: "snapshot" }));
  if (self.error) {
    failures.push([null, `expected snapshot is not a valid snapshot document (${self.error.code}): ${self.error.message}`]);
  }
  produced.forEach((p, n) => {
    if (p.error) return failures.push([n, `expected a snapshot, got error ${p.error.code}: ${p.error.message}`]);
    const d = firstDifference(expect.snapshot, JSON.parse(p.ok));
    if (d) return failures.push([n, `snapshot differs: ${d}`]);
    // The digest arrived intact: read back as a snapshot, the text checks out and is unchanged.
    const back = attempt(() => dg.snapshot(p.ok, { format: "snapshot" }));
    if (back.error) failures.push([n, `the snapshot does not read back (${back.error.code}): ${back.error.message}`]);
    else if (back.ok !== p.ok) failures.push([n, "the snapshot read back prints different bytes"]);
  });
}

const lineOf = (c) => `${c.rule ?? "?"} ${c.severity ?? "?"} ${c.pointer ?? "?"} (${c.position ?? "?"})`;

function runDiff(dg, v, failures) {
  const format = v.format ?? "auto";
  const options = {};
  if (v.policy !== undefined) options.policy = JSON.stringify(v.policy);
  if (v.today !== undefined) options.today = v.today;
  const old = inputBytes(v.old);
  const neu = inputBytes(v.new);
  const produced = attempt(() => {
    if (!old.samples && !neu.samples) return dg.diff(old.bytes, neu.bytes, { ...options, format });
    // `samples` payloads become snapshots first (as the Rust runner's snapshot_from_samples).
    const side = (s) => (s.samples ? dg.snapshotSamples(s.samples) : dg.snapshot(s.bytes, { format }));
    return dg.diff(side(old), side(neu), { ...options, format: "snapshot" });
  });
  if ("error" in v.expect) {
    const code = v.expect.error;
    if (!dg.errorCodes().includes(code) || code === "E_USAGE") failures.push([null, `expected error code ${JSON.stringify(code)} is not a code of the core`]);
    if (produced.error && produced.error.code === code) return;
    if (produced.error) failures.push([null, `expected error ${code}, got ${produced.error.code}: ${produced.error.message}`]);
    else failures.push([null, `expected error ${code}, got a report with ${produced.ok.changes.length} change(s)`]);
    return;
  }
  if (produced.error) {
    failures.push([null, `expected changes, got error ${produced.error.code}: ${produced.error.message}`]);
    return;
  }
  const actual = produced.ok.changes;
  const expected = v.expect.changes;
  const project = (a, e) => Object.fromEntries(Object.keys(e).filter((k) => k in a).map((k) => [k, a[k]]));
  const same = actual.length === expected.length && actual.every((a, n) => firstDifference(expected[n], project(a, expected[n])) === null);
  if (!same) {
    let m = `changes differ: expected ${expected.length}, got ${actual.length}\n    expected:`;
    for (const e of expected) m += `\n      ${lineOf(e)}`;
    m += "\n    actual:";
    for (const a of actual) m += `\n      ${lineOf(a)}  [${a.path}]`;
    failures.push([null, m]);
  }
}

function runRender(dg, v, failures) {
  const o = v.options ?? {};
  const options = { color: o.color ?? false, file: o.file ?? null, failOn: o.fail_on ?? "breaking", toolVersion: o.tool_version ?? "" };
  const produced = attempt(() => dg.render(JSON.stringify(v.report), v.format, options));
  if (produced.error) {
    failures.push([null, `/report is not a report: ${produced.error.code}: ${produced.error.message}`]);
    return;
  }
  if (v.expect.output === null) {
    failures.push([null, 'expectation is {"output": null}; run with DRIFTGUARD_BLESS=1 to fill it in, then read the result']);
    return;
  }
  if (produced.ok !== v.expect.output) {
    const e = v.expect.output.split("\n");
    const a = produced.ok.split("\n");
    let n = 0;
    while (n < e.length && n < a.length && e[n] === a[n]) n++;
    failures.push([null, `output differs at line ${n + 1}: expected ${show(e[n])}, got ${show(a[n])}`]);
  }
}

/** Reads, checks and runs one vector file; returns its failures as strings. */
export function runFile(dg, rel, dir = VECTORS) {
  const failures = [];
  try {
    const kind = kindOf(rel);
    const v = readVectorText(readFileSync(join(dir, rel), "utf8"));
    const errors = checkStructure(kind, v);
    if (errors.length) return errors.map((m) => `${rel}: malformed vector: ${m}`);
    if (kind === "normalize") runNormalize(dg, v, failures);
    else if (kind === "diff") runDiff(dg, v, failures);
    else runRender(dg, v, failures);
  } catch (e) {
    failures.push([null, String(e?.stack ?? e)]);
  }
  return failures.map(([n, m]) => (n === null ? `${rel}: ${m}` : `${rel} [input ${n}]: ${m}`));
}
