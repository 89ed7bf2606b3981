// Real packages from the real registries (npm, PyPI), pinned: the Node fetch layer
// resolves, downloads, verifies and extracts them, and the core's package diff gives
// exactly the expected rules — no `package-code-suspicious` on these real releases.
// Needs the network to registry.npmjs.org and pypi.org (as CI's installs do).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { REPO } from './vectors.mjs';

const require = createRequire(import.meta.url);
const pkg = require('../dist/package/index.js');
const { load, diff } = require('../dist/api.js');

const cacheDir = mkdtempSync(join(tmpdir(), 'driftguard-pkg-real-'));
after(() => rmSync(cacheDir, { recursive: true, force: true }));
const options = { cacheDir, timeoutMs: 60_000 };

const snapshot = (doc) => load(Buffer.from(pkg.packageDocumentText(doc)), { format: 'package' });
const summary = (report) => report.changes.map((c) => `${c.rule} ${c.severity} ${c.pointer}`);

describe('real packages, pinned', () => {
  it('@modelcontextprotocol/server-everything 2026.1.14 → 2026.1.26: version and files, no suspicious code', async () => {
    const [a, b] = await pkg.comparePackages(
      'npm:@modelcontextprotocol/server-everything@2026.1.14',
      'npm:@modelcontextprotocol/server-everything@2026.1.26',
      options,
    );
    assert.equal(a.integrity, 'sha512-UqOnsjMxCXSJ1y89FDKgBoE7kmeqoVPKzLexPd2BssH/IJyq8YPqAJvPyn4+EmRUJfpnzjouU4X0B2WzxzUowQ==');
    assert.equal(b.integrity, 'sha512-RIEXAQuKZeXZqFzJMqLDlzmMmG5sjq2uhS/VqzF4HIZ3w1V73YcWf+UXkxJueJuHMBO3Z8ceBrQ5wI6o/plZ+Q==');
    // Texts of exactly the code files that differ, on both sides.
    const texts = (d) => d.files.filter((f) => 'text' in f).map((f) => f.path);
    const changedCode = [
      'dist/server/index.js',
      'dist/server/roots.js',
      'dist/tools/index.js',
      'dist/tools/trigger-elicitation-request.js',
      'dist/transports/streamableHttp.js',
    ];
    assert.deepEqual(texts(a), changedCode);
    assert.deepEqual(texts(b), [
      ...changedCode.slice(0, 3),
      'dist/tools/simulate-research-query.js',
      'dist/tools/trigger-elicitation-request-async.js',
      'dist/tools/trigger-elicitation-request.js',
      'dist/tools/trigger-sampling-request-async.js',
      'dist/transports/streamableHttp.js',
    ]);
    const report = diff(snapshot(a), snapshot(b));
    assert.deepEqual(summary(report), [
      'package-file-changed safe /surface/files/dist~1docs~1features.md',
      'package-file-changed safe /surface/files/dist~1server~1index.js',
      'package-file-changed safe /surface/files/dist~1server~1roots.js',
      'package-file-changed safe /surface/files/dist~1tools~1index.js',
      'package-file-added safe /surface/files/dist~1tools~1simulate-research-query.js',
      'package-file-added safe /surface/files/dist~1tools~1trigger-elicitation-request-async.js',
      'package-file-changed safe /surface/files/dist~1tools~1trigger-elicitation-request.js',
      'package-file-added safe /surface/files/dist~1tools~1trigger-sampling-request-async.js',
      'package-file-changed safe /surface/files/dist~1transports~1streamableHttp.js',
      'package-version-changed dangerous /surface/version',
    ]);
    // The receipts: added lines of the reviewed files (20 shown, the rest counted).
    const roots = report.changes.find((c) => c.pointer === '/surface/files/dist~1server~1roots.js');
    assert.equal(roots.after.added.length, 1);
    const added = report.changes.find((c) => c.pointer === '/surface/files/dist~1tools~1simulate-research-query.js');
    assert.equal(added.after.added.length + added.after.addedMore, 249);
  });

  it('mcp-server-time 2026.10.10 → 2026.10.19 (wheels): the conformance vector\'s snapshots and rules', async () => {
    const [a, b] = await pkg.comparePackages('pypi:mcp-server-time==2026.10.10', 'pypi:mcp-server-time==2026.10.19', options);
    assert.equal(a.integrity, 'sha256:32983d5193af219359ccdac46c558bed75f9c930360e7437cc040a73984cc17c');
    assert.equal(b.integrity, 'sha256:5c099a001c6ca78260bda419f2e9b2aabee1adc4fe6ca56d8959871ad8da58a1');
    const vector = JSON.parse(
      readFileSync(join(REPO, 'conformance/vectors/diff/package/real-mcp-server-time-2026.10.10-2026.10.19.json'), 'utf8'),
    );
    assert.equal(snapshot(a).digest, load(Buffer.from(JSON.stringify(vector.old.json)), { format: 'package' }).digest);
    assert.equal(snapshot(b).digest, load(Buffer.from(JSON.stringify(vector.new.json)), { format: 'package' }).digest);
    const report = diff(snapshot(a), snapshot(b));
    assert.deepEqual(summary(report), [
      'package-file-changed safe /surface/files/mcp_server_time~1server.py',
      'package-version-changed dangerous /surface/version',
      'package-dependency-changed safe /surface/dependencies/requires-dist/mcp',
    ]);
    const server = report.changes[0];
    assert.equal(server.after.added.length + server.after.addedMore, 126);
  });

  it('a whole capture (every code text) reviews the same way: still no package-code-suspicious', async () => {
    const a = await pkg.capturePackage('npm:@modelcontextprotocol/server-everything@2026.1.14', options);
    const b = await pkg.capturePackage('npm:@modelcontextprotocol/server-everything@2026.1.26', options);
    assert.equal(a.files.filter((f) => 'text' in f).length, 33);
    const rules = new Set(diff(snapshot(a), snapshot(b)).changes.map((c) => c.rule));
    assert.deepEqual([...rules].sort(), ['package-file-added', 'package-file-changed', 'package-version-changed']);
  });
});
