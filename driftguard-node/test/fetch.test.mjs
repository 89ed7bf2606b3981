// The fetch layer against a real HTTP server on 127.0.0.1 (node:http, ephemeral port):
// bodies, 500s, hangs, stalled bodies, garbage, size limits, redirect chains, `${ENV}`
// headers that never leak, endpoint sampling — through the API and the CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { DriftGuardError, diff, fetchUrl, load, loadSamples, sampleEndpoint } from 'driftguard';

const BIN = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const PETSTORE_1 = fileURLToPath(new URL('../../examples/contracts/petstore-v1.yaml', import.meta.url));
const PETSTORE_2 = fileURLToPath(new URL('../../examples/contracts/petstore-v2.yaml', import.meta.url));
const SECRET = 'tok-3f9a-very-secret';
const tmp = mkdtempSync(join(tmpdir(), 'driftguard-fetch-'));

let base = '';
let otherBase = '';
let counter = 0;
const sockets = new Set();
const servers = [];

function listen(handler) {
  const server = createServer(handler);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
}

before(async () => {
  // A second origin: reports whether the user's header followed a redirect to it.
  otherBase = await listen((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ type: 'object', title: req.headers.authorization ? 'LEAKED' : 'no header' }));
  });
  base = await listen((req, res) => {
    const url = new URL(req.url, 'http://x');
    const p = url.pathname;
    if (p === '/petstore.yaml') return res.end(readFileSync(PETSTORE_1));
    if (p === '/petstore-v2.yaml') return res.end(readFileSync(PETSTORE_2));
    if (p === '/500') {
      res.statusCode = 500;
      return res.end('boom');
    }
    if (p === '/hang') return; // never answers
    if (p === '/stall') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.write('{"type": "obj'); // then nothing
    }
    if (p === '/garbage') return res.end('this is not JSON or YAML: {[');
    if (p === '/big') {
      res.writeHead(200, { 'content-length': String(2 * 1024 * 1024) });
      return res.end(Buffer.alloc(2 * 1024 * 1024, 0x20));
    }
    if (p === '/big-chunked') {
      res.writeHead(200);
      for (let i = 0; i < 64; i++) res.write(Buffer.alloc(64 * 1024, 0x20));
      return res.end();
    }
    if (p === '/reset') return req.socket.destroy();
    const hop = /^\/redirect\/(\d+)$/.exec(p);
    if (hop) {
      const n = Number(hop[1]);
      res.statusCode = 302;
      res.setHeader('location', n > 1 ? `/redirect/${n - 1}` : '/petstore.yaml');
      return res.end();
    }
    if (p === '/elsewhere') {
      res.statusCode = 307;
      res.setHeader('location', `${otherBase}/schema.json`);
      return res.end();
    }
    if (p === '/auth') {
      if (req.headers.authorization !== `Bearer ${SECRET}`) {
        res.statusCode = 401;
        return res.end(`you sent ${req.headers.authorization}`);
      }
      return res.end(JSON.stringify({ type: 'object', properties: { id: { type: 'integer' } } }));
    }
    if (p === '/samples') {
      counter++;
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify(counter % 2 ? { id: counter, name: `n${counter}` } : { id: counter, tags: ['a'] }));
    }
    res.statusCode = 404;
    res.end();
  });
});

after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function rejectsWith(promise, code, message) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof DriftGuardError, String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    assert.ok(!e.message.includes(SECRET), 'the secret leaked into an error');
    return true;
  });
}

function cli(args, env = {}) {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, code: error ? error.code : 0 }),
    );
    child.stdin.end();
  });
}

describe('fetchUrl', () => {
  it('returns the body', async () => {
    assert.deepEqual(await fetchUrl(`${base}/petstore.yaml`), readFileSync(PETSTORE_1));
  });
  it('a 500 is E_FETCH naming the status', async () => {
    await rejectsWith(fetchUrl(`${base}/500`), 'E_FETCH', /^GET http:\/\/127\.0\.0\.1:\d+\/500: HTTP 500 Internal Server Error$/);
  });
  it('a server that never answers is E_TIMEOUT within the deadline', async () => {
    const t = Date.now();
    await rejectsWith(fetchUrl(`${base}/hang`, { timeoutMs: 300 }), 'E_TIMEOUT', /no complete response within 0\.3 s/);
    assert.ok(Date.now() - t < 3000);
  });
  it('a body that stalls is E_TIMEOUT', async () => {
    await rejectsWith(fetchUrl(`${base}/stall`, { timeoutMs: 300 }), 'E_TIMEOUT');
  });
  it('a closed connection is E_FETCH', async () => {
    await rejectsWith(fetchUrl(`${base}/reset`), 'E_FETCH');
  });
  it('a refused connection is E_FETCH', async () => {
    const server = createServer();
    const port = await new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));
    await new Promise((r) => server.close(r));
    await rejectsWith(fetchUrl(`http://127.0.0.1:${port}/x`), 'E_FETCH', /ECONNREFUSED/);
  });
  it('bodies over the limit are E_TOO_LARGE, declared or streamed', async () => {
    await rejectsWith(fetchUrl(`${base}/big`, { maxBytes: 1024 * 1024 }), 'E_TOO_LARGE', /exceeds the limit of 1048576 bytes/);
    await rejectsWith(fetchUrl(`${base}/big-chunked`, { maxBytes: 1024 * 1024 }), 'E_TOO_LARGE');
    assert.equal((await fetchUrl(`${base}/big-chunked`)).length, 4 * 1024 * 1024);
  });
  it('follows 5 redirects, not 6', async () => {
    assert.deepEqual(await fetchUrl(`${base}/redirect/5`), readFileSync(PETSTORE_1));
    await rejectsWith(fetchUrl(`${base}/redirect/6`), 'E_REDIRECTS', /more than 5 redirects/);
  });
  it('${VAR} headers: expanded, never shown, never sent to another origin', async () => {
    const env = { DG_TEST_TOKEN: SECRET };
    const body = await fetchUrl(`${base}/auth`, { headers: { Authorization: 'Bearer ${DG_TEST_TOKEN}' }, env });
    assert.equal(load(body).kind, 'json-schema');
    await rejectsWith(fetchUrl(`${base}/auth`, { headers: { Authorization: 'Bearer ${DG_UNSET_VAR_X}' }, env }), 'E_ENV', /DG_UNSET_VAR_X/);
    await rejectsWith(fetchUrl(`${base}/auth`, { headers: { Authorization: `Bearer ${SECRET}x` } }), 'E_FETCH', /HTTP 401/);
    const moved = await fetchUrl(`${base}/elsewhere`, { headers: { Authorization: 'Bearer ${DG_TEST_TOKEN}' }, env });
    assert.equal(JSON.parse(moved.toString()).title, 'no header');
  });
  it('sampleEndpoint collects N payloads; garbage is E_PARSE', async () => {
    counter = 0;
    const samples = await sampleEndpoint(`${base}/samples`, { samples: 3, intervalMs: 5 });
    assert.deepEqual(samples, [{ id: 1, name: 'n1' }, { id: 2, tags: ['a'] }, { id: 3, name: 'n3' }]);
    await rejectsWith(sampleEndpoint(`${base}/garbage`, { samples: 1 }), 'E_PARSE', /sample 1 .* is not JSON/);
  });
});

describe('CLI over HTTP', () => {
  it('capture URL prints exactly what `snapshot FILE` prints; --document the body; -o a file', async () => {
    const fromUrl = await cli(['capture', `${base}/petstore.yaml`]);
    const fromFile = await cli(['snapshot', PETSTORE_1]);
    assert.equal(fromUrl.code, 0, fromUrl.stderr);
    assert.equal(fromUrl.stderr, '');
    assert.equal(fromUrl.stdout, fromFile.stdout);
    const doc = await cli(['capture', `${base}/petstore.yaml`, '--document']);
    assert.equal(doc.stdout, readFileSync(PETSTORE_1, 'utf8'));
    const out = join(tmp, 'snap.json');
    const written = await cli(['capture', `${base}/petstore.yaml`, '-o', out]);
    assert.equal(written.stdout, '');
    assert.equal(readFileSync(out, 'utf8'), fromFile.stdout);
  });
  it('diff takes URLs (fetched first) with the same output as files', async () => {
    const urls = await cli(['diff', `${base}/petstore.yaml`, `${base}/petstore-v2.yaml`, '--format', 'markdown']);
    const files = await cli(['diff', PETSTORE_1, PETSTORE_2, '--format', 'markdown']);
    assert.equal(urls.code, 1);
    assert.equal(urls.stdout, files.stdout);
  });
  it('errors: error[CODE]: message, exit 2, no secret', async () => {
    let r = await cli(['capture', `${base}/500`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error\[E_FETCH\]: GET http:\/\/127\.0\.0\.1:\d+\/500: HTTP 500 Internal Server Error\n$/);
    r = await cli(['capture', `${base}/hang`, '--timeout', '0.3']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error\[E_TIMEOUT\]: /);
    r = await cli(['capture', `${base}/garbage`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error\[E_PARSE\]: /);
    r = await cli(['capture', `${base}/auth`, '--header', 'Authorization: Bearer ${DG_TEST_TOKEN}'], { DG_TEST_TOKEN: `${SECRET}-wrong` });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /HTTP 401/);
    assert.ok(!r.stderr.includes(SECRET) && !r.stdout.includes(SECRET));
    r = await cli(['capture', `${base}/auth`, '--header', 'Authorization: Bearer ${DG_TEST_TOKEN}'], { DG_TEST_TOKEN: SECRET });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(SECRET));
    r = await cli(['capture', `${base}/auth`, '--header', 'Authorization: Bearer ${DG_NOT_SET_ANYWHERE}']);
    assert.equal(r.stderr, 'error[E_ENV]: environment variable DG_NOT_SET_ANYWHERE (used in header Authorization) is not set\n');
    r = await cli(['diff', `${base}/500`, PETSTORE_2]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error\[E_FETCH\]: .*HTTP 500/);
    r = await cli(['capture', `${base}/redirect/6`]);
    assert.match(r.stderr, /^error\[E_REDIRECTS\]: /);
  });
  it('capture --endpoint samples N payloads: same snapshot as loadSamples; --document the array', async () => {
    counter = 0;
    const r = await cli(['capture', '--endpoint', `${base}/samples`, '--samples', '3', '--interval-ms', '5']);
    assert.equal(r.code, 0, r.stderr);
    const payloads = [{ id: 1, name: 'n1' }, { id: 2, tags: ['a'] }, { id: 3, name: 'n3' }];
    assert.equal(r.stdout, loadSamples(payloads).toString());
    counter = 0;
    const d = await cli(['capture', '--endpoint', `${base}/samples`, '--samples', '3', '--interval-ms', '0', '--document']);
    assert.deepEqual(JSON.parse(d.stdout), payloads);
  });
  it('usage errors name the problem and exit 2', async () => {
    const r = await cli(['capture']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: capture needs exactly one of SOURCE, --mcp-stdio, --mcp-http URL, --endpoint URL, --package SPEC\n\nusage: driftguard capture/);
    const h = await cli(['capture', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^usage: driftguard capture SOURCE/);
  });
});

describe('API diff over fetched bodies', () => {
  it('classifies the petstore pair fetched over HTTP like the files', async () => {
    const r1 = diff(await fetchUrl(`${base}/petstore.yaml`), await fetchUrl(`${base}/petstore-v2.yaml`));
    const r2 = diff(readFileSync(PETSTORE_1), readFileSync(PETSTORE_2));
    assert.deepEqual(r1.toJSON(), r2.toJSON());
  });
});
