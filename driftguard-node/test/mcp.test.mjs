// MCP capture with the official SDK against real servers from npm at pinned versions
// (test/fixtures/mcp-servers/package-lock.json): server-everything over stdio, Streamable
// HTTP and legacy SSE on 127.0.0.1, server-filesystem over stdio. The captures must equal
// the committed real captures (conformance/fixtures/mcp) and classify exactly as the
// real-* diff vectors say. Then the failure modes: hung, crashing, garbage-speaking,
// missing servers — clear errors within the deadline, process groups reaped.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { createServer } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { DriftGuardError, captureMcpHttp, captureMcpStdio, capture, diff, load } from 'driftguard';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = join(HERE, '..', '..');
const SERVERS = join(HERE, 'fixtures', 'mcp-servers');
const FIXTURES = join(REPO, 'conformance', 'fixtures', 'mcp');
const BIN = join(HERE, '..', 'dist', 'cli.js');
const node = process.execPath;
// Each server version is installed on its own (its own package-lock.json), as the
// committed captures were: a shared tree would resolve transitive versions differently.
const server = (short, pkg, v) => join(SERVERS, `${short}-${v}`, 'node_modules', '@modelcontextprotocol', pkg, 'dist', 'index.js');
const everything = (v) => server('everything', 'server-everything', v);
const filesystem = (v) => server('filesystem', 'server-filesystem', v);
const fixture = (name) => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
const vector = (name) => JSON.parse(readFileSync(join(REPO, 'conformance', 'vectors', 'diff', 'mcp', `${name}.json`), 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'driftguard-mcp-'));
const children = new Set();

after(() => {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(tmp, { recursive: true, force: true });
});

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The changes of `report` projected on the members the vector names, in order. */
function assertChanges(report, expected) {
  const actual = report.changes.map((c, i) => {
    const e = expected[i] ?? {};
    return Object.fromEntries(Object.keys(e).map((k) => [k, c[k]]));
  });
  assert.equal(report.changes.length, expected.length, `expected ${expected.length} changes, got ${report.changes.length}`);
  assert.deepEqual(actual, expected);
}

async function rejectsWith(promise, code, message) {
  const t = Date.now();
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof DriftGuardError, String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
  return Date.now() - t;
}

function cli(args) {
  return new Promise((resolve) => {
    const child = execFile(node, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, code: error ? error.code : 0 }),
    );
    child.stdin.end();
  });
}

it('the pinned servers are installed (npm ci in each test/fixtures/mcp-servers/*)', () => {
  for (const p of [everything('2026.1.14'), everything('2026.1.26'), filesystem('2025.1.14'), filesystem('2026.8.31')]) {
    assert.ok(existsSync(p), `${p} is missing`);
  }
});

describe('real servers over stdio', () => {
  it('server-everything 2026.1.14 and 2026.1.26: captures equal the committed ones; diff = the real-* vector (2 dangerous)', async () => {
    const old = await captureMcpStdio({ command: node, args: [everything('2026.1.14'), 'stdio'] });
    const neu = await captureMcpStdio({ command: node, args: [everything('2026.1.26'), 'stdio'] });
    assert.deepEqual(old, fixture('server-everything-2026.1.14'));
    assert.deepEqual(neu, fixture('server-everything-2026.1.26'));
    assert.equal(neu.tools.length, 13);
    assert.equal(neu.prompts.length, 4);
    assert.equal(neu.resources.length, 7);
    assert.equal(neu.resourceTemplates.length, 2);
    const report = diff(old, neu);
    assertChanges(report, vector('real-server-everything-2026.1.14-to-2026.1.26').expect.changes);
    assert.deepEqual(
      report.changes.map((c) => `${c.severity} ${c.rule} ${c.path}`),
      ['dangerous mcp-capability-added server › capabilities › tasks', 'dangerous mcp-tool-added tool simulate-research-query'],
    );
    assert.deepEqual(report.summary, { breaking: 0, dangerous: 2, safe: 0 });
    assertChanges(diff(neu, old), vector('real-server-everything-2026.1.26-to-2026.1.14').expect.changes);
  });

  it('server-filesystem 2025.1.14 and 2026.8.31: captures equal the committed ones; diff = the real-* vector (90 changes)', async () => {
    const root = mkdtempSync(join(tmp, 'fsroot-'));
    const old = await captureMcpStdio({ command: node, args: [filesystem('2025.1.14'), root] });
    const neu = await captureMcpStdio({ command: node, args: [filesystem('2026.8.31'), root] });
    assert.deepEqual(old, fixture('server-filesystem-2025.1.14'));
    assert.deepEqual(neu, fixture('server-filesystem-2026.8.31'));
    assert.equal(old.tools.length, 11);
    assert.equal(neu.tools.length, 14);
    const report = diff(old, neu);
    const expected = vector('real-server-filesystem-2025.1.14-to-2026.8.31').expect.changes;
    assert.equal(expected.length, 90);
    assertChanges(report, expected);
    const added = report.changes.filter((c) => c.rule === 'mcp-tool-added').map((c) => c.path);
    assert.deepEqual(added.sort(), ['tool list_directory_with_sizes', 'tool read_media_file', 'tool read_text_file']);
  });

  it('the CLI capture prints the snapshot `driftguard snapshot` prints for the committed capture; --document the capture', async () => {
    const r = await cli(['capture', '--mcp-stdio', '--', node, everything('2026.1.26'), 'stdio']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const expected = await cli(['snapshot', join(FIXTURES, 'server-everything-2026.1.26.json')]);
    assert.equal(r.stdout, expected.stdout);
    const d = await cli(['capture', '--document', '--mcp-stdio', '--', node, everything('2026.1.26'), 'stdio']);
    assert.deepEqual(JSON.parse(d.stdout), fixture('server-everything-2026.1.26'));
    assert.ok(d.stdout.endsWith('}\n'));
  });

  it('follows nextCursor on every list (a paginating SDK server)', async () => {
    const doc = await captureMcpStdio({ command: node, args: [join(HERE, 'fixtures', 'paginated-server.mjs')] });
    assert.deepEqual(doc.tools.map((t) => t.name), ['tool-0', 'tool-1', 'tool-2', 'tool-3', 'tool-4']);
    assert.deepEqual(doc.prompts.map((p) => p.name), ['prompt-0', 'prompt-1', 'prompt-2']);
    assert.deepEqual(doc.resources.map((r) => r.uri), ['test://r/0', 'test://r/1', 'test://r/2', 'test://r/3']);
    assert.deepEqual(doc.resourceTemplates, []);
    assert.equal(doc.initialize.instructions, 'Pages of two.');
    assert.ok(!JSON.stringify(doc).includes('nextCursor'));
    const snapshot = await capture({ mcpStdio: { command: node, args: [join(HERE, 'fixtures', 'paginated-server.mjs')] } });
    assert.equal(snapshot.kind, 'mcp');
    assert.equal(snapshot.digest, load(doc, { format: 'mcp' }).digest);
  });
});

/** A free TCP port on 127.0.0.1 (server-everything reads PORT and cannot be given 0). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts server-everything in an HTTP mode; resolves when it says it listens. */
async function startHttp(version, mode) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(node, [everything(version), mode], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    children.add(child);
    const ok = await new Promise((resolve) => {
      let err = '';
      const timer = setTimeout(() => resolve(false), 15000);
      child.stderr.on('data', (d) => {
        err += d;
        if (/listening on port|running on port/i.test(err)) {
          clearTimeout(timer);
          resolve(true);
        }
        if (/EADDRINUSE|already in use/.test(err)) {
          clearTimeout(timer);
          resolve(false);
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (ok) return { port, child };
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  throw new Error(`server-everything ${version} ${mode} did not start`);
}

async function stop(child) {
  const exited = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    return;
  }
  await exited;
  children.delete(child);
}

describe('real servers over HTTP on 127.0.0.1', () => {
  let streamable;
  let sse;
  before(async () => {
    streamable = await startHttp('2026.1.26', 'streamableHttp');
    sse = await startHttp('2026.1.26', 'sse');
  });
  after(async () => {
    await stop(streamable.child);
    await stop(sse.child);
  });

  it('Streamable HTTP: the same catalog as over stdio (no changes)', async () => {
    const doc = await captureMcpHttp(`http://127.0.0.1:${streamable.port}/mcp`);
    assert.equal(doc.tools.length, 13);
    const report = diff(fixture('server-everything-2026.1.26'), doc);
    assert.deepEqual(report.changes, []);
    assert.equal(load(doc, { format: 'mcp' }).digest, load(fixture('server-everything-2026.1.26'), { format: 'mcp' }).digest);
  });

  it('legacy HTTP+SSE via the fallback: the same catalog', async () => {
    const doc = await captureMcpHttp(`http://127.0.0.1:${sse.port}/sse`);
    assert.equal(load(doc, { format: 'mcp' }).digest, load(fixture('server-everything-2026.1.26'), { format: 'mcp' }).digest);
  });

  it('--header with ${VAR} reaches the server (an authenticating proxy in front), never the output', async () => {
    const secret = 'mcp-token-5b1e-secret';
    const seen = [];
    const proxy = createServer((req, res) => {
      seen.push(req.headers.authorization === `Bearer ${secret}`);
      if (req.headers.authorization !== `Bearer ${secret}`) {
        res.writeHead(401).end('unauthorized');
        return;
      }
      const upstream = http.request(
        { host: '127.0.0.1', port: streamable.port, path: req.url, method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    const sockets = new Set();
    proxy.on('connection', (sock) => sockets.add(sock));
    await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${proxy.address().port}/mcp`;
    try {
      const doc = await captureMcpHttp(url, { headers: { Authorization: 'Bearer ${DG_MCP_TOKEN}' }, env: { DG_MCP_TOKEN: secret } });
      assert.equal(doc.tools.length, 13);
      assert.ok(seen.length > 0 && seen.every(Boolean), 'every request carried the header');
      await assert.rejects(captureMcpHttp(url, { headers: { Authorization: 'Bearer wrong' }, timeoutMs: 5000 }), (e) => {
        assert.equal(e.code, 'E_MCP');
        assert.ok(!e.message.includes(secret) && !e.message.includes('Bearer'));
        return true;
      });
      const r = await new Promise((resolve) => {
        const child = execFile(node, [BIN, 'capture', '--mcp-http', url, '--header', 'Authorization: Bearer ${DG_MCP_TOKEN}'], { env: { ...process.env, DG_MCP_TOKEN: secret }, encoding: 'utf8' }, (error, stdout, stderr) =>
          resolve({ stdout, stderr, code: error ? error.code : 0 }),
        );
        child.stdin.end();
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(load(r.stdout, { format: 'snapshot' }).digest, load(fixture('server-everything-2026.1.26'), { format: 'mcp' }).digest);
      assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret));
    } finally {
      for (const sock of sockets) sock.destroy();
      proxy.close();
    }
  });

  it('the CLI: capture --mcp-http prints the same snapshot as over stdio', async () => {
    const r = await cli(['capture', '--mcp-http', `http://127.0.0.1:${streamable.port}/mcp`]);
    assert.equal(r.code, 0, r.stderr);
    const expected = await cli(['snapshot', join(FIXTURES, 'server-everything-2026.1.26.json')]);
    assert.equal(r.stdout, expected.stdout);
  });
});

describe('servers that misbehave', () => {
  it('a server that never answers: E_TIMEOUT within the deadline; the process group (with a grandchild ignoring SIGTERM) is reaped', async () => {
    const pids = join(tmp, 'pids.json');
    const took = await rejectsWith(
      captureMcpStdio({ command: node, args: [join(HERE, 'fixtures', 'hang-with-grandchild.mjs'), pids] }, { timeoutMs: 1500 }),
      'E_TIMEOUT',
      /did not finish initialize within 1\.5 s \(still running\); last lines of its stderr:\n {2}\| hang fixture: started, will never answer/,
    );
    assert.ok(took < 6000, `took ${took} ms`);
    const { server, grandchild } = JSON.parse(readFileSync(pids, 'utf8'));
    assert.equal(alive(server), false, 'server still running');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(alive(grandchild), false, 'grandchild still running');
  });

  it('a server that exits at once: E_MCP with its exit status and stderr', async () => {
    await rejectsWith(
      captureMcpStdio({ command: node, args: ['-e', 'console.error("fatal: config missing"); process.exit(3)'] }),
      'E_MCP',
      /exited before the capture finished \(exit code 3\); last lines of its stderr:\n {2}\| fatal: config missing/,
    );
  });

  it('a server that crashes after initialize: E_MCP naming the signal-like exit code', async () => {
    await rejectsWith(
      captureMcpStdio({ command: node, args: [join(HERE, 'fixtures', 'crash-after-initialize.mjs')] }),
      'E_MCP',
      /exit code 139.*\n {2}\| crasher: segmentation fault \(simulated\) in tools\/list/s,
    );
  });

  it('a server that writes garbage on stdout: E_MCP at once, showing the line', async () => {
    const took = await rejectsWith(
      captureMcpStdio({ command: node, args: ['-e', 'console.log("Server ready on stdio!"); setInterval(() => {}, 1000)'] }, { timeoutMs: 20000 }),
      'E_MCP',
      /wrote something that is not JSON-RPC on stdout: "Server ready on stdio!"/,
    );
    assert.ok(took < 5000, `took ${took} ms`);
  });

  it('a command that does not exist: E_MCP failed to start', async () => {
    await rejectsWith(captureMcpStdio({ command: '/nonexistent/mcp-server' }), 'E_MCP', /failed to start: spawn \/nonexistent\/mcp-server ENOENT/);
  });

  it('--env values with an unset ${VAR}: E_ENV before anything starts', async () => {
    await rejectsWith(captureMcpStdio({ command: node, args: ['-e', ''], env: { TOKEN: '${DG_SURELY_UNSET}' } }), 'E_ENV', /DG_SURELY_UNSET/);
  });

  it('HTTP: a URL that is not an MCP server (HTML, 404) is E_MCP; one that hangs is E_TIMEOUT', async () => {
    const sockets = new Set();
    const server = createServer((req, res) => {
      if (req.url === '/hang') return;
      res.writeHead(req.url === '/html' ? 200 : 404, { 'content-type': 'text/html' });
      res.end('<html>not mcp</html>');
    });
    server.on('connection', (s) => sockets.add(s));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${server.address().port}`;
    try {
      await rejectsWith(captureMcpHttp(`${base}/html`, { timeoutMs: 5000 }), 'E_MCP', /Streamable HTTP failed .*HTTP\+SSE failed/s);
      await rejectsWith(captureMcpHttp(`${base}/missing`, { timeoutMs: 5000 }), 'E_MCP');
      const took = await rejectsWith(captureMcpHttp(`${base}/hang`, { timeoutMs: 800 }), 'E_TIMEOUT');
      assert.ok(took < 5000);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  it('the CLI reports MCP failures as error[CODE] with exit 2', async () => {
    const r = await cli(['capture', '--timeout', '1', '--mcp-stdio', '--', node, '-e', 'setInterval(() => {}, 1000)']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error\[E_TIMEOUT\]: MCP server ".*" did not finish initialize within 1 s/);
  });
});
