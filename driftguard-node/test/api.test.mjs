// The JavaScript API: error codes (every code of the core arrives as DriftGuardError.code),
// the ESM and CommonJS entries, plain objects, reports and rendering.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import * as dg from 'driftguard';
import dgDefault from 'driftguard';

const { CORE_ERROR_CODES, DriftGuardError, Report, Snapshot, coreErrorCodes, diff, load, loadFile, loadSamples, render, rules } = dg;
const require = createRequire(import.meta.url);
const examples = new URL('../../examples/contracts/', import.meta.url);

function codeOf(call) {
  try {
    call();
  } catch (e) {
    assert.ok(e instanceof DriftGuardError, `not a DriftGuardError: ${e}`);
    assert.ok(e instanceof Error);
    assert.equal(typeof e.message, 'string');
    return e.code;
  }
  return null;
}

// One input per code of the core, through the public API.
const CASES = {
  E_PARSE: () => load('{"a": 1} x'),
  E_ENCODING: () => load(Buffer.from([0x7b, 0xff, 0x7d])),
  E_TOO_DEEP: () => load('['.repeat(300) + ']'.repeat(300)),
  E_TOO_LARGE: () => load('{"type":"string"}', { maxBytes: 4 }),
  E_REF_UNRESOLVED: () => load({ type: 'object', properties: { a: { $ref: '#/$defs/missing' } } }),
  E_REF_EXTERNAL: () => load({ type: 'object', properties: { a: { $ref: 'https://example.com/x.json' } } }),
  E_REF_CYCLE: () => load({ $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' }),
  E_UNSUPPORTED_FORMAT: () => load('[1, 2]'),
  E_INVALID: () => load({ openapi: '3.1.0', info: { title: 'x', version: '1' }, paths: 'nope' }),
  E_SNAPSHOT_VERSION: () => load({ format: 'driftguard.snapshot/99', kind: 'json-schema', meta: {}, schemas: {}, surface: { root: true } }),
  E_CONFIG: () => diff({ type: 'string' }, { type: 'string' }, { policy: { profile: 'paranoid' } }),
};

test('the list of codes is the core list, in its order', () => {
  assert.deepEqual(coreErrorCodes(), [...CORE_ERROR_CODES]);
  assert.equal(CORE_ERROR_CODES.length, 11);
  assert.deepEqual(Object.keys(CASES), [...CORE_ERROR_CODES]);
});

for (const [code, call] of Object.entries(CASES)) {
  test(`${code} arrives as DriftGuardError.code`, () => {
    assert.equal(codeOf(call), code);
  });
}

test('error messages point at the location', () => {
  assert.throws(() => load('{"a": 1} x'), { code: 'E_PARSE', message: 'trailing characters at line 1, column 10' });
  assert.throws(() => load({ openapi: '3.1.0', info: { title: 'x', version: '1' }, paths: 'nope' }), {
    code: 'E_INVALID',
    message: '`paths` must be an object, found a string at /paths',
  });
});

test('plain objects: too deep (or cyclic) is E_TOO_DEEP with a pointer; non-JSON values are E_INVALID', () => {
  const deep = {};
  let c = deep;
  for (let i = 0; i < 300; i++) c = c.x = {};
  assert.throws(() => load(deep), { code: 'E_TOO_DEEP', message: /^nesting deeper than the limit of 256 levels at (\/x){257}$/ });
  const cyclic = { type: 'object' };
  cyclic.properties = { self: cyclic };
  assert.equal(codeOf(() => load(cyclic)), 'E_TOO_DEEP');
  assert.throws(() => load({ type: 'number', maximum: NaN }), { code: 'E_INVALID', message: /non-finite number.*at \/maximum$/ });
  assert.throws(() => load({ type: 'string', default: 10n }), { code: 'E_INVALID', message: /BigInt.*\/default$/ });
  assert.throws(() => load({ type: 'string', default: new Date(0) }), { code: 'E_INVALID', message: /Date/ });
  assert.throws(() => load(undefined), { code: 'E_INVALID' });
  // undefined members are skipped, as JSON.stringify skips them.
  assert.equal(load({ type: 'string', title: undefined }).digest, load('{"type": "string"}').digest);
});

test('text, bytes, YAML and plain objects of one document have one digest', () => {
  const text = '{"type": "object", "properties": {"id": {"type": ["integer", "null"]}}}';
  const yaml = 'properties:\n  id:\n    anyOf: [{type: integer}, {type: "null"}]\ntype: object\n';
  const digests = [load(text), load(Buffer.from(text)), load(new TextEncoder().encode(yaml)), load(JSON.parse(text))].map((s) => s.digest);
  assert.equal(new Set(digests).size, 1);
  assert.match(digests[0], /^sha256:[0-9a-f]{64}$/);
  const s = load(text);
  assert.ok(s instanceof Snapshot);
  assert.equal(load(s), s);
  assert.equal(s.kind, 'json-schema');
  assert.equal(s.toJSON().digest, s.digest);
  assert.ok(s.toString().endsWith('}\n'));
  assert.deepEqual(JSON.parse(s.toString()), s.toJSON());
});

test('diff: the petstore example, exact counts, threshold and rendering', () => {
  const report = diff(readFileSync(new URL('petstore-v1.yaml', examples)), readFileSync(new URL('petstore-v2.yaml', examples)));
  assert.ok(report instanceof Report);
  assert.deepEqual(report.summary, { breaking: 3, dangerous: 5, safe: 8 });
  assert.equal(report.changes.length, 16);
  assert.equal(report.maxSeverity, 'breaking');
  assert.equal(report.failed, true);
  assert.equal(report.failOn, 'breaking');
  const first = report.changes[0];
  assert.equal(first.rule, 'operation-removed');
  assert.equal(first.severity, 'breaking');
  assert.equal(first.position, 'surface');
  assert.equal(first.path, 'DELETE /store/orders/{orderId}');
  assert.ok(report.render('text').startsWith('3 breaking, 5 dangerous, 8 safe\n'));
  assert.deepEqual(JSON.parse(report.render('json')), report.toJSON());
  // A report read back from its JSON renders the same bytes.
  for (const f of ['text', 'markdown', 'github', 'junit', 'sarif']) {
    assert.equal(render(report.toJSON(), f), report.render(f), f);
    assert.equal(render(report.render('json'), f), report.render(f), f);
  }
  const lenient = diff(readFileSync(new URL('petstore-v1.yaml', examples)), readFileSync(new URL('petstore-v2.yaml', examples)), { failOn: 'never' });
  assert.equal(lenient.failed, false);
  assert.throws(() => report.render('html'), { code: 'E_INVALID', message: /unknown output format "html"/ });
});

test('diff: a policy as TOML or as an object, ignores with reasons', () => {
  const a = { type: 'object', properties: { a: { type: 'string' } } };
  const b = { type: 'object', properties: { a: { type: 'integer' } } };
  assert.deepEqual(diff(a, b).summary, { breaking: 1, dangerous: 0, safe: 0 });
  const toml = 'fail_on = "never"\n[[ignore]]\nrule = "type-changed"\nlocation = "/surface/root/**"\nreason = "migration ticket 42"\n';
  const r1 = diff(a, b, { policy: toml });
  const r2 = diff(a, b, {
    policy: { fail_on: 'never', ignore: [{ rule: 'type-changed', location: '/surface/root/**', reason: 'migration ticket 42' }] },
  });
  for (const r of [r1, r2]) {
    assert.equal(r.changes.length, 0);
    assert.equal(r.ignored.length, 1);
    assert.equal(r.ignored[0].reason, 'migration ticket 42');
    assert.equal(r.ignored[0].change.rule, 'type-changed');
    assert.equal(r.failOn, 'never');
  }
  assert.throws(() => diff(a, b, { policy: 'profile = 3' }), { code: 'E_CONFIG' });
  assert.throws(() => diff(a, b, { today: '2026-13-01' }), { code: 'E_CONFIG' });
});

test('loadSamples infers a schema; loadFile reads files; snapshots of different kinds do not compare', () => {
  const s = loadSamples([{ id: 1, name: 'a' }, { id: 2 }]);
  assert.equal(s.kind, 'samples');
  assert.equal(loadFile(new URL('petstore-v1.yaml', examples).pathname).kind, 'openapi');
  assert.throws(() => loadFile('/nonexistent/driftguard.json'), { code: 'E_FETCH' });
  assert.throws(() => diff(s, { type: 'string' }), { code: 'E_UNSUPPORTED_FORMAT' });
});

test('rules(): the registry, 198 rules with unique ids', () => {
  const all = rules();
  assert.equal(all.length, 198);
  assert.equal(new Set(all.map((r) => r.id)).size, 198);
  const r = all.find((x) => x.id === 'property-added-required');
  assert.equal(r.input.standard, 'breaking');
  assert.equal(r.output.standard, 'safe');
});

test('ESM and CommonJS entries expose the same objects (one addon)', () => {
  const cjs = require('driftguard');
  for (const name of ['load', 'diff', 'render', 'rules', 'Snapshot', 'Report', 'DriftGuardError', 'captureMcpStdio', 'capture']) {
    assert.equal(typeof dg[name], 'function', name);
    assert.equal(dg[name], cjs[name], name);
  }
  assert.equal(dgDefault.load, load);
  const fromCjs = cjs.load('{"type": "string"}');
  assert.ok(fromCjs instanceof Snapshot);
  assert.equal(dg.version, '0.1.0');
  assert.equal(dg.SNAPSHOT_FORMAT, 'driftguard.snapshot/1');
});
