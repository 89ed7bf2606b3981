// `npm pack` produces an installable package: installed offline (from the tarball and
// npm's cache) into a clean temporary directory, its bin diffs two example contracts with
// the same bytes and exit code as the bin in this checkout, and both entries load.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const CONTRACTS = fileURLToPath(new URL('../../examples/contracts/', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const work = mkdtempSync(join(tmpdir(), 'driftguard-pack-'));
const app = join(work, 'app');

function sh(file, args, cwd) {
  return new Promise((resolve) => {
    const child = execFile(file, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, code: error ? error.code : 0 }),
    );
    child.stdin.end();
  });
}

after(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack → npm install (offline) → npx driftguard', () => {
  let tarball;
  before(async () => {
    const packed = await sh(npm, ['pack', '--pack-destination', work, '--loglevel=error'], PKG);
    assert.equal(packed.code, 0, packed.stderr);
    tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')));
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    const installed = await sh(npm, ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], app);
    assert.equal(installed.code, 0, `npm install failed:\n${installed.stderr}`);
  });

  it('the tarball holds the addon, the typings and the compiled wrapper, not the sources', async () => {
    const list = await sh('tar', ['-tzf', tarball], work);
    const files = list.stdout.split('\n').filter(Boolean);
    for (const f of ['package/index.d.ts', 'package/index.js', 'package/dist/index.mjs', 'package/dist/cli.js', 'package/driftguard.linux-x64-gnu.node']) {
      assert.ok(files.includes(f), `${f} missing from the tarball`);
    }
    assert.ok(!files.some((f) => f.startsWith('package/src/') || f.startsWith('package/test/') || f.startsWith('package/ts/')));
    assert.ok(existsSync(join(app, 'node_modules', '.bin', 'driftguard')));
  });

  it('npx driftguard diff on two example contracts: same bytes and exit code as this checkout', async () => {
    const args = ['diff', join(CONTRACTS, 'petstore-v1.yaml'), join(CONTRACTS, 'petstore-v2.yaml'), '--format', 'github'];
    const installed = await sh(npx, ['--no-install', 'driftguard', ...args], app);
    const local = await sh(process.execPath, [join(PKG, 'dist', 'cli.js'), ...args], PKG);
    assert.equal(installed.code, 1, installed.stderr);
    assert.equal(installed.stdout, local.stdout);
    assert.match(installed.stdout, /^::error file=[^,]*petstore-v2.yaml,title=operation-removed \(breaking\)::/m);
    const mcp = await sh(npx, ['--no-install', 'driftguard', 'diff', join(CONTRACTS, 'postmark-mcp-1.0.15.json'), join(CONTRACTS, 'postmark-mcp-1.0.16-poisoned.json')], app);
    assert.equal(mcp.code, 1, mcp.stderr);
    assert.match(mcp.stdout, /dangerous/);
    const version = await sh(npx, ['--no-install', 'driftguard', '--version'], app);
    assert.equal(version.stdout, 'driftguard 0.1.0\n');
  });

  it('require and import work from the installed package', async () => {
    const cjs = await sh(process.execPath, ['-e', "const d = require('driftguard'); console.log(d.load('{\"type\": \"string\"}').kind)"], app);
    assert.equal(cjs.stdout, 'json-schema\n', cjs.stderr);
    const esm = await sh(process.execPath, ['--input-type=module', '-e', "import { rules } from 'driftguard'; console.log(rules().length)"], app);
    assert.equal(esm.stdout, '198\n', esm.stderr);
  });
});
