// `driftguard approve` and `driftguard check` end to end: the bin as a real process, a
// real HTTP server on 127.0.0.1 whose OpenAPI document changes between approve and
// check, a file surface, the real server-everything swapped between two published
// versions (test/fixtures/mcp-servers, pinned), a secret header that appears nowhere,
// and the Python CLI (driftguard-py/.venv, when installed) writing the same lock bytes
// and printing the same check output.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = join(HERE, '..', '..');
const BIN = join(HERE, '..', 'dist', 'cli.js');
const PYTHON_CLI = join(REPO, 'driftguard-py', '.venv', 'bin', 'driftguard');
const everything = (v) =>
  join(HERE, 'fixtures', 'mcp-servers', `everything-${v}`, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const NOW = '2026-11-24T00:00:00Z';
const TOKEN = 's3cr3t-token';

const V1 = {
  openapi: '3.0.3',
  info: { title: 'Pets', version: '1.0.0' },
  paths: {
    '/pets': {
      get: {
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer' } }],
        responses: {
          200: {
            description: 'ok',
            content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Pet' } } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Pet: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'integer' }, name: { type: 'string' }, tag: { type: 'string' } } },
    },
  },
};

function v2() {
  const doc = structuredClone(V1);
  doc.info.version = '2.0.0';
  doc.paths['/pets'].get.parameters[0].required = true;
  delete doc.components.schemas.Pet.properties.tag;
  return doc;
}

const state = { document: V1, requests: [] };
let base;
const server = createServer((req, res) => {
  state.requests.push(req.headers);
  if (req.url === '/private') {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end('unauthorized');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state.document));
  } else if (req.url === '/error') {
    res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
  } else {
    res.writeHead(404).end('not found');
  }
});

const dirs = [];
function tmp() {
  const d = mkdtempSync(join(tmpdir(), 'driftguard-lock-'));
  dirs.push(d);
  return d;
}

before(async () => {
  base = await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
});
after(() => {
  server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function run(file, args, cwd, env = {}) {
  const full = { ...process.env, DRIFTGUARD_NOW: NOW, ...env };
  if (!('TOKEN' in env)) delete full.TOKEN;
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: full, encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out: stdout, err: stderr });
    });
  });
}
const dg = (args, cwd, env) => run(process.execPath, [BIN, ...args], cwd, env);

function writeConfig(dir, url) {
  writeFileSync(
    join(dir, 'spec.json'),
    JSON.stringify({ openapi: '3.0.3', info: { title: 'Spec', version: '1' }, paths: { '/a': { get: { responses: { 200: { description: 'ok' } } } } } }),
  );
  writeFileSync(
    join(dir, 'driftguard.toml'),
    `[[surface]]\nname = "spec"\nfile = "spec.json"\n\n[[surface]]\nname = "api"\nurl = "${url}"\nheaders = { Authorization = "Bearer \${TOKEN}" }\n`,
  );
}

function mcpConfig(dir, version) {
  writeFileSync(
    join(dir, 'driftguard.toml'),
    `[[surface]]\nname = "everything"\n\n[surface.mcp_stdio]\ncommand = ${JSON.stringify([process.execPath, everything(version), 'stdio'])}\n`,
  );
}

function rules(out, name) {
  const s = JSON.parse(out).surfaces.find((x) => x.name === name);
  return s.report.changes.map((c) => [c.rule, c.severity]);
}

describe('approve and check', () => {
  it('HTTP and file surfaces: approve, unchanged → 0, the document changes → 1 with the exact rules', async () => {
    state.document = V1;
    const dir = tmp();
    writeConfig(dir, `${base}/private`);
    const env = { TOKEN };
    let r = await dg(['approve'], dir, env);
    assert.equal(r.err, '');
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.out.split('\n').filter(Boolean).map((l) => l.split(' ').slice(0, 2)),
      [['approved', 'spec'], ['approved', 'api']],
    );
    const lockText = readFileSync(join(dir, 'driftguard.lock'), 'utf8');
    const lock = JSON.parse(lockText);
    assert.equal(lock.surfaces.api.approved_at, NOW);
    assert.deepEqual(lock.surfaces.api.source, { headers: ['Authorization'], kind: 'url', url: `${base}/private` });
    assert.ok(!lockText.includes(TOKEN));
    const short = (n) => lock.surfaces[n].digest.slice('sha256:'.length, 'sha256:'.length + 12);

    r = await dg(['check'], dir, env);
    assert.deepEqual(r, { code: 0, out: `spec: unchanged (sha256:${short('spec')})\napi: unchanged (sha256:${short('api')})\n2 unchanged — exit 0\n`, err: '' });

    state.document = v2();
    r = await dg(['check', '--format', 'json'], dir, env);
    assert.equal(r.err, '');
    assert.equal(r.code, 1);
    assert.deepEqual(rules(r.out, 'api'), [
      ['parameter-became-required', 'breaking'],
      ['property-removed', 'dangerous'],
      ['api-version-changed', 'safe'],
    ]);
    for (const format of ['text', 'markdown', 'github']) {
      r = await dg(['check', `--format=${format}`], dir, env);
      assert.equal(r.code, 1);
      assert.ok(r.out.includes('parameter-became-required'));
      assert.ok(!r.out.includes(TOKEN) && !r.err.includes(TOKEN));
    }
    r = await dg(['check', 'spec'], dir, env);
    assert.deepEqual(r, { code: 0, out: `spec: unchanged (sha256:${short('spec')})\napi: skipped (not captured)\n1 unchanged, 1 skipped — exit 0\n`, err: '' });
    assert.ok(state.requests.some((h) => h.authorization === `Bearer ${TOKEN}`));
  });

  it('a server answering 500 is E_FETCH, exit 2; approve then writes nothing', async () => {
    state.document = V1;
    const dir = tmp();
    writeConfig(dir, `${base}/private`);
    assert.equal((await dg(['approve'], dir, { TOKEN })).code, 0);
    const before = readFileSync(join(dir, 'driftguard.lock'));
    writeConfig(dir, `${base}/error`);
    let r = await dg(['check', '--format', 'json'], dir, { TOKEN });
    assert.equal(r.code, 2);
    const api = JSON.parse(r.out).surfaces.find((s) => s.name === 'api');
    assert.equal(api.status, 'capture-failed');
    assert.deepEqual(api.error, { code: 'E_FETCH', message: `GET ${base}/error: HTTP 500 Internal Server Error` });
    r = await dg(['approve'], dir, { TOKEN });
    assert.deepEqual(r, {
      code: 2,
      out: '',
      err: `error[E_FETCH]: surface "api": GET ${base}/error: HTTP 500 Internal Server Error\ndriftguard.lock was not written\n`,
    });
    assert.ok(readFileSync(join(dir, 'driftguard.lock')).equals(before));
  });

  it('an unset variable is E_ENV; usage errors exit 2', async () => {
    const dir = tmp();
    writeConfig(dir, 'http://127.0.0.1:9/x');
    assert.deepEqual(await dg(['approve'], dir), {
      code: 2,
      out: '',
      err: 'error[E_ENV]: surface "api": environment variable TOKEN is not set (needed by `surface "api" headers.Authorization`)\ndriftguard.lock was not written\n',
    });
    assert.ok(!existsSync(join(dir, 'driftguard.lock')));
    assert.deepEqual(await dg(['approve', 'nope'], dir), { code: 2, out: '', err: 'error: driftguard.toml has no surface "nope"\n' });
    assert.deepEqual(await dg(['check', '--config', 'missing.toml'], dir), {
      code: 2,
      out: '',
      err: 'error: cannot read missing.toml: No such file or directory (os error 2)\n',
    });
    const r = await dg(['check', '--format', 'sarif'], dir);
    assert.equal(r.code, 2);
    assert.ok(r.err.startsWith('error: --format must be text, json, markdown or github, got "sarif"\n'));
  });

  it('server-everything 2026.1.14 → 2026.1.26: check reports exactly mcp-capability-added and mcp-tool-added', async () => {
    const dir = tmp();
    mcpConfig(dir, '2026.1.14');
    let r = await dg(['approve'], dir);
    assert.equal(r.err, '');
    assert.equal(r.code, 0);
    assert.equal((await dg(['check'], dir)).code, 0);
    mcpConfig(dir, '2026.1.26');
    r = await dg(['check', '--format', 'json'], dir);
    assert.equal(r.err, '');
    assert.deepEqual([...new Set(rules(r.out, 'everything').map(([rule]) => rule))].sort(), ['mcp-capability-added', 'mcp-tool-added']);
    assert.equal(r.code, JSON.parse(r.out).exit_code);
  });
});

describe('Python and Node write the same lock and print the same check', { skip: existsSync(PYTHON_CLI) ? false : `${PYTHON_CLI} is not installed (driftguard-py/ci/install.sh)` }, () => {
  it('same config: byte-identical driftguard.lock, identical check output in every format', async () => {
    state.document = V1;
    const py = tmp();
    const js = tmp();
    for (const dir of [py, js]) {
      writeConfig(dir, `${base}/private`);
      writeFileSync(
        join(dir, 'driftguard.toml'),
        readFileSync(join(dir, 'driftguard.toml'), 'utf8') +
          `\n[[surface]]\nname = "everything"\n\n[surface.mcp_stdio]\ncommand = ${JSON.stringify([process.execPath, everything('2026.1.14'), 'stdio'])}\n`,
      );
    }
    const env = { TOKEN };
    const a = await run(PYTHON_CLI, ['approve'], py, env);
    const b = await dg(['approve'], js, env);
    assert.deepEqual(a, b);
    assert.equal(a.code, 0);
    const lockPy = readFileSync(join(py, 'driftguard.lock'));
    assert.ok(lockPy.equals(readFileSync(join(js, 'driftguard.lock'))), 'driftguard.lock differs between Python and Node');
    assert.ok(!lockPy.toString().includes(TOKEN));

    state.document = v2();
    for (const format of ['text', 'json', 'markdown', 'github']) {
      const p = await run(PYTHON_CLI, ['check', '--format', format], py, env);
      const n = await dg(['check', '--format', format], js, env);
      assert.deepEqual(n, p, `check --format ${format}`);
      assert.equal(p.code, 1);
    }
    for (const dir of [py, js]) writeConfig(dir, `${base}/error`);
    const p = await run(PYTHON_CLI, ['check'], py, env);
    const n = await dg(['check'], js, env);
    assert.deepEqual(n, p);
    assert.equal(p.code, 2);
  });
});
