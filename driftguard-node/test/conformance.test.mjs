// Every conformance vector through the public JavaScript API, compared exactly as the
// Rust runner (conformance/runner) compares: normalize → the full snapshot value and its
// digest, diff → the exact list of changes, render → the exact bytes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { diff, DriftGuardError, load, loadSamples, render } from 'driftguard';

import { discover, firstDifference, inputBytes, readVector } from './vectors.mjs';

const files = discover();

test('the vectors are all found (556 at the time of writing, never fewer than 500)', () => {
  assert.ok(files.length >= 500, `found ${files.length}`);
  for (const f of files) assert.match(f, /^(normalize|diff|render)\//);
});

/** A call that must fail with `code`. */
function expectCode(call, code, what) {
  let result;
  try {
    result = call();
  } catch (e) {
    assert.ok(e instanceof DriftGuardError, `${what}: threw ${e} instead of a DriftGuardError`);
    assert.equal(e.code, code, `${what}: expected ${code}, got ${e.code}: ${e.message}`);
    return;
  }
  assert.fail(`${what}: expected error ${code}, got a result (${result?.constructor?.name})`);
}

/** Each way the binding can be handed an input: bytes always; plain values for json/samples. */
function loaders(input, format) {
  const o = format === undefined ? {} : { format };
  if ('samples' in input) return [['samples', () => loadSamples(input.samples)]];
  const out = [['bytes', () => load(inputBytes(input), o)]];
  if ('json' in input) out.push(['plain object', () => load(input.json, o)]);
  if ('text' in input) out.push(['string', () => load(input.text, o)]);
  return out;
}

function checkSnapshot(expected, snapshot, what) {
  const actual = snapshot.toJSON();
  const d = firstDifference(expected, actual);
  assert.equal(d, null, `${what}: snapshot differs at ${d}`);
  const digest = `sha256:${createHash('sha256').update(snapshot.canonicalBytes()).digest('hex')}`;
  assert.equal(snapshot.digest, digest, `${what}: digest is not the SHA-256 of the canonical bytes`);
  assert.equal(actual.digest, digest);
}

function runNormalize(v) {
  const expect = v.expect;
  if ('snapshot' in expect) {
    assert.notEqual(expect.snapshot, null, 'expectation is {"snapshot": null}: bless it with the Rust runner');
    // The expectation must itself be a snapshot the core reads back (its digest is checked).
    load(expect.snapshot, { format: 'snapshot' });
  }
  v.inputs.forEach((input, i) => {
    for (const [how, call] of loaders(input, v.format)) {
      const what = `input ${i} (${how})`;
      if ('error' in expect) expectCode(call, expect.error, what);
      else checkSnapshot(expect.snapshot, call(), what);
    }
  });
}

function project(change, expected) {
  const out = {};
  for (const k of Object.keys(expected)) if (k in change) out[k] = change[k];
  return out;
}

function runDiff(v) {
  const options = {};
  if (v.format !== undefined) options.format = v.format;
  if (v.policy !== undefined) options.policy = v.policy;
  if (v.today !== undefined) options.today = v.today;
  const side = (input) => ('samples' in input ? loadSamples(input.samples) : inputBytes(input));
  const call = () => diff(side(v.old), side(v.new), options);
  if ('error' in v.expect) {
    expectCode(call, v.expect.error, 'diff');
    return;
  }
  const report = call();
  const actual = report.changes;
  const expected = v.expect.changes;
  const line = (c) => `${c.rule} ${c.severity} ${c.pointer} (${c.position ?? '?'})`;
  const same = actual.length === expected.length && actual.every((c, i) => firstDifference(expected[i], project(c, expected[i])) === null);
  assert.ok(
    same,
    `changes differ: expected ${expected.length}, got ${actual.length}\n  expected:\n    ${expected.map(line).join('\n    ')}\n  actual:\n    ${actual.map(line).join('\n    ')}`,
  );
  // The plain-object path gives the same report.
  if ('json' in v.old && 'json' in v.new) {
    const again = diff(v.old.json, v.new.json, options);
    assert.deepEqual(again.toJSON(), report.toJSON(), 'plain objects and bytes disagree');
  }
}

function runRender(v) {
  assert.equal(typeof v.expect.output, 'string', 'expectation is {"output": null}: bless it with the Rust runner');
  const o = v.options ?? {};
  const options = { toolVersion: o.tool_version ?? '' };
  if (o.color !== undefined) options.color = o.color;
  if (o.file !== undefined && o.file !== null) options.file = o.file;
  if (o.fail_on !== undefined) options.failOn = o.fail_on;
  const output = render(v.report, v.format, options);
  if (output !== v.expect.output) {
    const e = v.expect.output.split('\n');
    const a = output.split('\n');
    const n = e.findIndex((l, i) => l !== a[i]);
    assert.fail(`output differs at line ${n + 1}:\n  expected: ${JSON.stringify(e[n])}\n  actual:   ${JSON.stringify(a[n])}`);
  }
  // The report document read back from JSON text renders the same.
  assert.equal(render(JSON.stringify(v.report), v.format, options), output);
}

for (const rel of files) {
  test(rel, () => {
    const { kind, vector } = readVector(rel);
    if (kind === 'normalize') runNormalize(vector);
    else if (kind === 'diff') runDiff(vector);
    else runRender(vector);
  });
}
