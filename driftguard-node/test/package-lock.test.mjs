// `approve`/`check` and the fetch layer's use of the core's capture plan: values the plan
// already expanded are used verbatim (a secret containing `${X}` is not expanded again).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'driftguard-pkg-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));

function dg(args, cwd, env = {}) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: root, DRIFTGUARD_NOW: '2026-11-25T00:00:00Z', ...env } },
      (error, stdout, stderr) => resolve({ stdout, stderr, code: error ? error.code : 0 }),
    );
  });
}

const OPENAPI = JSON.stringify({ openapi: '3.0.3', info: { title: 't', version: '1' }, paths: {} });

describe('capture plan values are used verbatim', () => {
  it('a header secret containing ${X} reaches the server as is (no E_ENV, no second expansion)', async () => {
    const seen = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(OPENAPI);
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    try {
      const dir = mkdtempSync(join(root, 'cfg-'));
      const url = `http://127.0.0.1:${server.address().port}/openapi.json`;
      writeFileSync(
        join(dir, 'driftguard.toml'),
        `[[surface]]\nname = "api"\nurl = "${url}"\nheaders = { Authorization = "Bearer \${DG_TOKEN}" }\n\n` +
          `[[surface]]\nname = "sampled"\nendpoint = { url = "${url}", samples = 1, sample_interval = "1s" }\nheaders = { Authorization = "Bearer \${DG_TOKEN}" }\n`,
      );
      const env = { DG_TOKEN: 's3cr${NOT_SET}t', DG_OTHER: 'x' };
      const a = await dg(['approve'], dir, env);
      assert.equal(a.code, 0, a.stderr);
      const c = await dg(['check'], dir, env);
      assert.equal(c.code, 0, c.stderr);
      assert.ok(seen.length >= 4);
      for (const h of seen) assert.equal(h, 'Bearer s3cr${NOT_SET}t');
      assert.ok(!readFileSync(join(dir, 'driftguard.lock'), 'utf8').includes('s3cr'));
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
