// The package fetch layer (ts/package/) against a real npm-protocol registry and PyPI
// simple index on 127.0.0.1 (test/package-registry.mjs): capture documents byte for byte
// (committed archives and expected documents under test/fixtures/package/), registry
// configuration (.npmrc, npm_config_registry, @scope:registry, PIP_INDEX_URL, pip.conf),
// version resolution, the cache, and hostile archives → exact error codes with nothing
// written outside the cache directory.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { gzipSync } from 'node:zlib';

import { sha256, sri, startRegistry, tar, tgz, zip } from './package-registry.mjs';

const require = createRequire(import.meta.url);
const pkg = require('../dist/package/index.js');
const { load, diff } = require('../dist/api.js');
const { DriftGuardError } = require('../dist/errors.js');

const BIN = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/package/', import.meta.url));
const fixture = (name) => readFileSync(join(FIXTURES, name));

const root = mkdtempSync(join(tmpdir(), 'driftguard-pkg-'));
const home = join(root, 'home');
const work = join(root, 'work');
const cache = join(root, 'cache');
mkdirSync(home);
mkdirSync(work);
after(() => rmSync(root, { recursive: true, force: true }));

/** Every path under `dir` (relative), sorted. */
function tree(dir) {
  const out = [];
  const walk = (d, rel) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      out.push(r);
      if (statSync(p).isDirectory()) walk(p, r);
    }
  };
  walk(dir, '');
  return out;
}

function cli(args, { env = {}, cwd = work } = {}) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, encoding: 'buffer', env: { PATH: process.env.PATH, HOME: home, DRIFTGUARD_CACHE: cache, ...env } },
      (error, stdout, stderr) => resolve({ stdout, stderr: stderr.toString('utf8'), code: error ? error.code : 0 }),
    );
  });
}

async function rejects(promise, code, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof DriftGuardError, `not a DriftGuardError: ${e}`);
    assert.equal(e.code, code, `code ${e.code}: ${e.message}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

let reg;
const LOCAL_NPM = {
  npmUser: { name: 'alice', email: 'alice@example.org', trustedPublisher: { id: 'github' } },
  maintainers: [{ name: 'alice', email: 'alice@example.org' }, 'bob <bob@example.org>'],
};

before(async () => {
  reg = await startRegistry();
  const tarball = fixture('local-mcp-1.0.0.tgz');
  const next = tgz([
    { path: 'package/package.json', data: JSON.stringify({ name: 'local-mcp', version: '2.0.0-beta.1' }) },
    { path: 'package/index.js', data: 'module.exports = 2;\n' },
  ]);
  const v110 = tgz([
    { path: 'package/package.json', data: JSON.stringify({ name: 'local-mcp', version: '1.1.0' }) },
    { path: 'package/index.js', data: 'module.exports = 1.1;\n' },
  ]);
  reg.npm('local-mcp', {
    distTags: { latest: '1.0.0', next: '2.0.0-beta.1' },
    versions: {
      '1.0.0': { tarball, ...LOCAL_NPM },
      '1.1.0': { tarball: v110 },
      '2.0.0-beta.1': { tarball: next },
    },
  });
  reg.npm('@acme/scoped', {
    distTags: { latest: '0.1.0' },
    versions: { '0.1.0': { tarball: tgz([{ path: 'package/package.json', data: '{"name":"@acme/scoped","bin":"cli.js"}' }, { path: 'package/cli.js', data: '1;\n' }]) } },
  });
  reg.pypi('local-mcp', [
    { filename: 'local_mcp-1.0.0-py3-none-any.whl', bytes: fixture('local_mcp-1.0.0-py3-none-any.whl') },
    { filename: 'local_mcp-1.0.0.tar.gz', bytes: fixture('local_mcp-1.0.1.tar.gz') },
    { filename: 'local_mcp-1.0.1-cp312-cp312-manylinux_2_17_x86_64.whl', bytes: Buffer.from('not chosen') },
    { filename: 'local_mcp-1.0.1.tar.gz', bytes: fixture('local_mcp-1.0.1.tar.gz') },
    { filename: 'local_mcp-1.1.0rc1-py3-none-any.whl', bytes: Buffer.from('a pre-release') },
    { filename: 'local_mcp-1.0.2.tar.gz', bytes: Buffer.from('yanked'), yanked: true },
  ]);
});
after(() => reg?.close());

const opts = () => ({ registry: reg.url, cacheDir: cache, env: {}, home });
const pypiOpts = () => ({ registry: `${reg.url}simple/`, cacheDir: cache, env: {}, home });

describe('capture documents (committed archives, exact bytes)', () => {
  it('npm: local-mcp 1.0.0 is the expected document', async () => {
    const text = await pkg.capturePackageText('npm:local-mcp@1.0.0', opts());
    assert.equal(text, fixture('local-mcp-1.0.0.npm.capture.json').toString('utf8'));
    const doc = JSON.parse(text);
    // Texts: code files only (no README, .d.ts, .map; not the latin-1 file), a BOM kept.
    assert.deepEqual(
      doc.files.filter((f) => 'text' in f).map((f) => f.path),
      ['bin/local-mcp', 'empty.py', 'index.js', 'lib/Ünïcode.mjs', 'setup.js'],
    );
    assert.equal(doc.files.find((f) => f.path === 'setup.js').text.charCodeAt(0), 0xfeff);
    assert.ok(!('devDependencies' in doc.manifest));
    // The core reads it: install hook, bin from a string, maintainers and publisher.
    const snap = JSON.parse(load(Buffer.from(text), { format: 'package' }).toString());
    assert.deepEqual(snap.surface.installScripts, { postinstall: 'node setup.js' });
    assert.deepEqual(snap.surface.entryPoints.bin, { 'local-mcp': 'bin/local-mcp' });
    assert.deepEqual(snap.surface.maintainers, ['alice <alice@example.org>', 'bob <bob@example.org>']);
    assert.equal(snap.surface.publisher, 'alice <alice@example.org>');
  });

  it('pypi: the py3-none-any wheel of 1.0.0 is the expected document', async () => {
    const text = await pkg.capturePackageText('pypi:local-mcp==1.0.0', pypiOpts());
    assert.equal(text, fixture('local-mcp-1.0.0.pypi.capture.json').toString('utf8'));
    const snap = JSON.parse(load(Buffer.from(text), { format: 'package' }).toString());
    assert.equal(snap.meta.name, 'local-mcp');
    assert.deepEqual(snap.surface.dependencies['requires-dist'], { mcp: '>=1.2', pydantic: '>=2.0.0', pytest: "*; extra == 'test'" });
    assert.ok('local_mcp.dist-info/METADATA' in snap.surface.files);
  });

  it('pypi: latest is the newest final release with an installable file (an sdist here)', async () => {
    const text = await pkg.capturePackageText('pypi:Local.MCP', pypiOpts());
    assert.equal(text, fixture('local-mcp-1.0.1.pypi.capture.json').toString('utf8'));
  });

  it('the CLI writes the same document, and the snapshot the core makes of it', async () => {
    const npmrc = join(work, '.npmrc');
    writeFileSync(npmrc, `registry=${reg.url}\n`);
    try {
      const doc = await cli(['capture', '--package', 'npm:local-mcp@1.0.0', '--document']);
      assert.equal(doc.code, 0, doc.stderr);
      assert.ok(doc.stdout.equals(fixture('local-mcp-1.0.0.npm.capture.json')));
      const out = join(work, 'snap.json');
      const snap = await cli(['capture', '--package', 'npm:local-mcp@1.0.0', '-o', out]);
      assert.equal(snap.code, 0, snap.stderr);
      assert.equal(readFileSync(out, 'utf8'), load(fixture('local-mcp-1.0.0.npm.capture.json'), { format: 'package' }).toString());
      rmSync(out);
    } finally {
      rmSync(npmrc);
    }
  });
});

describe('registry configuration and resolution', () => {
  it('npm: project .npmrc (found from a subdirectory), npm_config_registry, ~/.npmrc, @scope:registry', async () => {
    const project = join(root, 'project');
    mkdirSync(join(project, 'sub', 'dir'), { recursive: true });
    writeFileSync(join(project, '.npmrc'), `; a comment\nregistry = "${reg.url}"\n`);
    assert.equal(pkg.npmRegistry('x', { env: {}, cwd: join(project, 'sub', 'dir'), home }), reg.url);
    const r1 = await cli(['capture', '--package', 'npm:local-mcp', '--document'], { cwd: join(project, 'sub', 'dir') });
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(JSON.parse(r1.stdout).version, '1.0.0');
    // The environment wins over files; any case.
    assert.equal(pkg.npmRegistry('x', { env: { NPM_CONFIG_REGISTRY: 'http://127.0.0.2:9' }, cwd: project, home }), 'http://127.0.0.2:9/');
    const r2 = await cli(['capture', '--package', 'npm:local-mcp@1.0.0', '--document'], { env: { npm_config_registry: reg.url } });
    assert.equal(r2.code, 0, r2.stderr);
    // ~/.npmrc with a scoped registry and ${VAR} expansion; the default for other names.
    writeFileSync(join(home, '.npmrc'), 'registry=http://127.0.0.2:9/\n@acme:registry=${ACME_REGISTRY}\n');
    assert.equal(pkg.npmRegistry('@acme/scoped', { env: { ACME_REGISTRY: reg.url }, cwd: work, home }), reg.url);
    assert.equal(pkg.npmRegistry('other', { env: {}, cwd: work, home }), 'http://127.0.0.2:9/');
    const r3 = await cli(['capture', '--package', 'npm:@acme/scoped', '--document'], { env: { ACME_REGISTRY: reg.url } });
    assert.equal(r3.code, 0, r3.stderr);
    assert.deepEqual(JSON.parse(r3.stdout).manifest, { bin: 'cli.js' });
    rmSync(join(home, '.npmrc'));
    assert.equal(pkg.npmRegistry('other', { env: {}, cwd: work, home }), 'https://registry.npmjs.org/');
  });

  it('npm credentials: the chosen registry\'s _authToken is sent to its host only and never shown', async () => {
    const npmrc = join(work, '.npmrc');
    const host = new URL(reg.url).host;
    writeFileSync(npmrc, `registry=${reg.url}\n//${host}/:_authToken=\${NPM_TOKEN}\n`);
    reg.requireAuth('Bearer tok-s3cret');
    try {
      const ok = await cli(['capture', '--package', 'npm:local-mcp@1.0.0', '--document'], { env: { NPM_TOKEN: 'tok-s3cret', DRIFTGUARD_CACHE: join(root, 'auth-cache') } });
      assert.equal(ok.code, 0, ok.stderr);
      assert.ok(ok.stdout.equals(fixture('local-mcp-1.0.0.npm.capture.json')));
      assert.ok(!ok.stdout.includes('tok-s3cret'));
      const wrong = await cli(['capture', '--package', 'npm:local-mcp@1.0.0'], { env: { NPM_TOKEN: 'tok-wrong' } });
      assert.equal(wrong.code, 2);
      assert.equal(wrong.stderr, `error[E_FETCH]: GET ${reg.url}local-mcp: HTTP 401 Unauthorized\n`);
      const unset = await cli(['capture', '--package', 'npm:local-mcp@1.0.0']);
      assert.equal(unset.code, 2);
      assert.equal(unset.stderr, `error[E_ENV]: ${npmrc}: _authToken uses \${NPM_TOKEN}, and environment variable NPM_TOKEN is not set\n`);
      // Basic credentials in a PyPI index URL: sent as Authorization, never shown.
      reg.requireAuth(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
      const indexUrl = `http://user:p%40ss@${host}/simple/`;
      const py = await cli(['capture', '--package', 'pypi:local-mcp==1.0.0', '--document'], { env: { PIP_INDEX_URL: indexUrl, DRIFTGUARD_CACHE: join(root, 'auth-cache2') } });
      assert.equal(py.code, 0, py.stderr);
      assert.ok(py.stdout.equals(fixture('local-mcp-1.0.0.pypi.capture.json')));
      const pyMissing = await cli(['capture', '--package', 'pypi:nope==1'], { env: { PIP_INDEX_URL: indexUrl } });
      assert.equal(pyMissing.code, 2);
      assert.ok(!pyMissing.stderr.includes('p@ss') && !pyMissing.stderr.includes('p%40ss'), pyMissing.stderr);
    } finally {
      reg.requireAuth(undefined);
      rmSync(npmrc);
    }
  });

  it('pypi: PIP_INDEX_URL, then pip.conf index-url ([install] over [global])', async () => {
    assert.equal(pkg.pypiIndex({ env: {}, home }), 'https://pypi.org/simple/');
    mkdirSync(join(home, '.config', 'pip'), { recursive: true });
    writeFileSync(join(home, '.config', 'pip', 'pip.conf'), `[global]\nindex-url = http://127.0.0.2:9/\n[install]\nindex_url: ${reg.url}simple\n`);
    assert.equal(pkg.pypiIndex({ env: {}, home }), `${reg.url}simple/`);
    const r = await cli(['capture', '--package', 'pypi:local-mcp==1.0.0', '--document']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.equals(fixture('local-mcp-1.0.0.pypi.capture.json')));
    rmSync(join(home, '.config'), { recursive: true });
    assert.equal(pkg.pypiIndex({ env: { PIP_INDEX_URL: `${reg.url}simple` }, home }), `${reg.url}simple/`);
    const r2 = await cli(['capture', '--package', 'pypi:local-mcp==1.0.0', '--document'], { env: { PIP_INDEX_URL: `${reg.url}simple/` } });
    assert.ok(r2.stdout.equals(fixture('local-mcp-1.0.0.pypi.capture.json')), r2.stderr);
  });

  it('npm versions: dist-tags, exact, ranges (latest preferred when it satisfies), misses', async () => {
    const version = async (spec) => (await pkg.capturePackage(spec, opts())).version;
    assert.equal(await version('npm:local-mcp'), '1.0.0');
    assert.equal(await version('npm:local-mcp@latest'), '1.0.0');
    assert.equal(await version('npm:local-mcp@next'), '2.0.0-beta.1');
    assert.equal(await version('npm:local-mcp@1.1.0'), '1.1.0');
    assert.equal(await version('npm:local-mcp@^1.0.0'), '1.0.0');
    assert.equal(await version('npm:local-mcp@>1.0.0 <2'), '1.1.0');
    assert.equal(await version('npm:local-mcp@~1.1'), '1.1.0');
    assert.equal(await version('npm:local-mcp@*'), '1.0.0');
    await rejects(pkg.capturePackage('npm:local-mcp@3', opts()), 'E_PACKAGE', /no version of local-mcp matches "3"/);
    await rejects(pkg.capturePackage('npm:local-mcp@1.0.9', opts()), 'E_PACKAGE', /local-mcp@1\.0\.9 is not published/);
    await rejects(pkg.capturePackage('npm:local-mcp@no-such-tag', opts()), 'E_PACKAGE');
    await rejects(pkg.capturePackage('npm:missing-package', opts()), 'E_PACKAGE', /no npm package missing-package/);
  });

  it('pypi versions: ==, latest skips pre-releases, platform wheels and yanked files', async () => {
    const r = (spec) => pkg.capturePackage(spec, pypiOpts());
    assert.equal((await r('pypi:local_mcp==1.0.0')).integrity, `sha256:${sha256(fixture('local_mcp-1.0.0-py3-none-any.whl'))}`);
    assert.equal((await r('pypi:LOCAL-MCP==1.0.1')).files[0].path, 'PKG-INFO');
    await rejects(r('pypi:local-mcp==9.9'), 'E_PACKAGE', /local-mcp==9\.9 is not published/);
    await rejects(r('pypi:nope'), 'E_PACKAGE', /no PyPI project nope/);
  });

  it('the fetch limits apply: a registry answer over maxBytes is E_TOO_LARGE, a silent registry E_TIMEOUT', async () => {
    await rejects(pkg.capturePackage('npm:local-mcp@1.0.0', { ...opts(), maxBytes: 100 }), 'E_TOO_LARGE', /exceeds the limit of 100 bytes/);
    reg.stall(true);
    try {
      const started = Date.now();
      await rejects(pkg.capturePackage('npm:local-mcp@1.0.0', { ...opts(), timeoutMs: 300 }), 'E_TIMEOUT', /no complete response within 0\.3 s/);
      assert.ok(Date.now() - started < 5000);
    } finally {
      reg.stall(false);
    }
  });

  it('diff and snapshot take npm:/pypi: specs (read as capture documents with every code text)', async () => {
    const env = { npm_config_registry: reg.url };
    const r = await cli(['diff', 'npm:local-mcp@1.0.0', 'npm:local-mcp@1.1.0', '--format', 'json'], { env });
    assert.equal(r.code, 0, r.stderr); // dangerous at most: under fail_on = breaking
    const changes = JSON.parse(r.stdout).changes.map((c) => c.rule);
    assert.ok(changes.includes('package-version-changed') && changes.includes('package-install-script-removed'), changes.join(' '));
    const s = await cli(['snapshot', 'npm:local-mcp@1.0.0'], { env });
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.stdout.toString('utf8'), load(fixture('local-mcp-1.0.0.npm.capture.json'), { format: 'package' }).toString());
    const bad = await cli(['diff', 'npm:local-mcp@7', 'npm:local-mcp@1.0.0'], { env });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'error[E_PACKAGE]: no version of local-mcp matches "7"\n');
  });

  it('bad specs are E_PACKAGE', async () => {
    for (const spec of ['left-pad', 'cargo:serde', 'npm:', 'npm:Bad Name', 'npm:../x', 'pypi:a>=1', 'pypi:-x', 'npm:@scope']) {
      assert.throws(() => pkg.parsePackageSpec(spec), (e) => e.code === 'E_PACKAGE', spec);
    }
    assert.deepEqual(pkg.parsePackageSpec('npm:@a/b@^1'), { ecosystem: 'npm', name: '@a/b', spec: '^1' });
    assert.deepEqual(pkg.parsePackageSpec('pypi:mcp-server-time==2026.10.19'), { ecosystem: 'pypi', name: 'mcp-server-time', spec: '2026.10.19' });
    const r = await cli(['capture', '--package', 'left-pad']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'error[E_PACKAGE]: bad package spec "left-pad": expected npm:NAME[@RANGE] or pypi:NAME[==VERSION]\n');
  });
});

describe('cache by integrity', () => {
  it('a second capture reads the verified artifact from the cache; a corrupt entry is fetched again', async () => {
    const dir = join(root, 'cache-test');
    const tarballPath = '/local-mcp/-/local-mcp-1.0.0.tgz';
    const before = reg.hits.get(tarballPath) ?? 0;
    const o = { ...opts(), cacheDir: dir };
    const first = await pkg.capturePackageText('npm:local-mcp@1.0.0', o);
    const second = await pkg.capturePackageText('npm:local-mcp@1.0.0', o);
    assert.equal(first, second);
    assert.equal(reg.hits.get(tarballPath), before + 1);
    const sha512hex = Buffer.from(sri(fixture('local-mcp-1.0.0.tgz')).slice(7), 'base64').toString('hex');
    assert.deepEqual(readdirSync(dir), [`sha512-${sha512hex}`]);
    writeFileSync(join(dir, `sha512-${sha512hex}`), 'tampered');
    assert.equal(await pkg.capturePackageText('npm:local-mcp@1.0.0', o), first);
    assert.equal(reg.hits.get(tarballPath), before + 2);
    assert.ok(readFileSync(join(dir, `sha512-${sha512hex}`)).equals(fixture('local-mcp-1.0.0.tgz')));
  });

  it('$DRIFTGUARD_CACHE/packages, else $XDG_CACHE_HOME/driftguard/packages, else ~/.cache/driftguard/packages (as Python)', () => {
    assert.equal(pkg.cacheDir({ DRIFTGUARD_CACHE: '/x/y', XDG_CACHE_HOME: '/xdg' }, '/home/u'), '/x/y/packages');
    assert.equal(pkg.cacheDir({ XDG_CACHE_HOME: '/xdg' }, '/home/u'), '/xdg/driftguard/packages');
    assert.equal(pkg.cacheDir({}, '/home/u'), '/home/u/.cache/driftguard/packages');
    assert.equal(pkg.cacheDir({ HOME: '/home/v' }), '/home/v/.cache/driftguard/packages');
  });
});

describe('hostile archives', () => {
  const body = (extra) => [{ path: 'package/package.json', data: '{"name":"hostile"}' }, ...extra];
  const zeros = Buffer.alloc(20 * 1024 * 1024);
  const cases = [
    ['traversal ../../etc/passwd', tgz(body([{ path: 'package/../../etc/passwd', data: 'root::0:0::/:/bin/sh\n' }])), /leaves the archive's root/],
    ['an absolute path', tgz(body([{ path: '/etc/passwd', data: 'x' }])), /absolute path/],
    ['a symlink', tgz(body([{ path: 'package/link', type: '2', link: '/etc/passwd' }])), /symbolic link/],
    ['a hard link', tgz(body([{ path: 'package/hard', type: '1', link: 'package/package.json' }])), /hard link/],
    ['a character device', tgz(body([{ path: 'package/dev', type: '3' }])), /device/],
    ['a FIFO', tgz(body([{ path: 'package/fifo', type: '6' }])), /FIFO/],
    ['a tar bomb (20 MiB of zeros)', tgz(body([{ path: 'package/bomb.js', data: zeros }])), /decompression bomb/],
    ['a truncated gzip stream', tgz(body([{ path: 'package/index.js', data: 'x'.repeat(5000) }])).subarray(0, 60), /corrupt or truncated/],
    ['an entry past the end', tar(body([{ path: 'package/index.js', data: 'x' }])).subarray(0, 1024 + 200), /truncated/],
    ['a corrupt header', Buffer.concat([Buffer.from('garbage'.repeat(80)), Buffer.alloc(1024)]), /bad checksum/],
    ['a file outside the package directory', tgz(body([{ path: 'toplevel.js', data: 'x' }])), /outside the package directory/],
    ['an empty tar', gzipSync(Buffer.alloc(1024)), /empty/],
    ['a path listed twice', tgz(body([{ path: 'package/a.js', data: '1' }, { path: 'package/a.js', data: '2' }])), /twice/],
  ];
  const versions = Object.fromEntries(cases.map(([, tarball], i) => [`1.0.${i}`, { tarball }]));
  versions['2.0.0'] = { tarball: tgz(body([])), integrity: sri(Buffer.from('other bytes')) };
  versions['2.0.1'] = { tarball: tgz(body([])), integrity: null };
  versions['3.0.0'] = { tarball: tgz(body(Array.from({ length: 6 }, (_, i) => ({ path: `package/f${i}.js`, data: `${i}` })))) };
  versions['3.0.1'] = { tarball: tgz(body([{ path: 'package/big.js', data: 'y'.repeat(3000) }])) };
  versions['3.0.2'] = { tarball: tgz(body([{ path: 'package/a.js', data: 'z'.repeat(1500) }, { path: 'package/b.js', data: 'z'.repeat(1500) }])) };
  let hostileCache;
  before(() => {
    reg.npm('hostile', { distTags: { latest: '3.0.0' }, versions });
    hostileCache = join(root, 'hostile-cache');
  });
  const o = (limits) => ({ registry: reg.url, cacheDir: hostileCache, env: {}, home, ...(limits ? { limits } : {}) });

  cases.forEach(([what, , pattern], i) => {
    it(`${what} → E_ARCHIVE`, async () => {
      await rejects(pkg.capturePackage(`npm:hostile@1.0.${i}`, o()), 'E_ARCHIVE', pattern);
    });
  });

  it('an integrity mismatch → E_INTEGRITY, and nothing is cached', async () => {
    await rejects(pkg.capturePackage('npm:hostile@2.0.0', o()), 'E_INTEGRITY', /do not match the registry's sha512 digest/);
    const r = await cli(['capture', '--package', 'npm:hostile@2.0.0'], { env: { npm_config_registry: reg.url, DRIFTGUARD_CACHE: hostileCache } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error\[E_INTEGRITY\]: npm:hostile@2\.0\.0: the downloaded bytes do not match/);
  });

  it('without dist.integrity the sha1 shasum is verified (and written as sha1 SRI)', async () => {
    const doc = await pkg.capturePackage('npm:hostile@2.0.1', o());
    assert.match(doc.integrity, /^sha1-[A-Za-z0-9+/]{27}=$/);
  });

  it('limits: too many files, a file too large, a total too large → E_ARCHIVE', async () => {
    await rejects(pkg.capturePackage('npm:hostile@3.0.0', o({ maxFiles: 5 })), 'E_ARCHIVE', /more than 5 entries/);
    assert.equal((await pkg.capturePackage('npm:hostile@3.0.0', o({ maxFiles: 7 }))).files.length, 7);
    await rejects(pkg.capturePackage('npm:hostile@3.0.1', o({ maxFileBytes: 2048 })), 'E_ARCHIVE', /over the limit of 2048/);
    await rejects(pkg.capturePackage('npm:hostile@3.0.2', o({ maxTotalBytes: 4096 })), 'E_ARCHIVE', /more than 4096 bytes/);
  });

  it('zip: traversal, symlink, bomb, absolute path, CRC mismatch → E_ARCHIVE', () => {
    const meta = { path: 'x-1.dist-info/METADATA', data: 'Name: x\n' };
    const badZips = [
      [zip([meta, { path: '../../etc/passwd', data: 'x' }]), /leaves the archive's root/],
      [zip([meta, { path: 'x/link', data: '/etc/passwd', symlink: true }]), /symbolic link/],
      [zip([meta, { path: 'x/bomb.py', data: zeros }]), /decompression bomb/],
      [zip([meta, { path: '/abs.py', data: 'x' }]), /absolute path/],
      [zip([meta, { path: 'C:/win.py', data: 'x' }]), /absolute path/],
      [zip([meta, { path: 'x\\evil.py', data: 'x' }]), /backslash/],
      [(() => { const z = zip([{ path: 'a.py', data: 'hello', method: 0 }]); z[30 + 4] ^= 1; return z; })(), /CRC mismatch/],
      [Buffer.from('not a zip at all'), /not a zip archive/],
    ];
    for (const [bytes, pattern] of badZips) {
      assert.throws(() => pkg.readZip(bytes, 0), (e) => e.code === 'E_ARCHIVE' && pattern.test(e.message), String(pattern));
    }
    assert.deepEqual(pkg.readZip(zip([meta, { path: 'x/ok.py', data: 'ok' }]), 0).map((f) => f.path), ['x-1.dist-info/METADATA', 'x/ok.py']);
  });

  it('a wheel bomb served by the index → E_ARCHIVE', async () => {
    reg.pypi('bomb', [{ filename: 'bomb-1.0-py3-none-any.whl', bytes: zip([{ path: 'bomb/z.py', data: zeros }]) }]);
    await rejects(pkg.capturePackage('pypi:bomb==1.0', { ...o(), registry: `${reg.url}simple/` }), 'E_ARCHIVE', /decompression bomb/);
  });

  it('nothing was written outside the cache directory, and the cache holds only artifacts that verified and extracted', () => {
    assert.deepEqual(tree(work), [], 'the working directory stays empty');
    assert.ok(!existsSync(join(root, 'etc')) && !existsSync(join(work, '..', 'etc')));
    assert.deepEqual(tree(home).filter((p) => !p.startsWith('.config') && p !== '.npmrc'), []);
    const hex = (b) => createHash('sha512').update(b).digest('hex');
    // Only what verified and extracted: 2.0.1 (sha1 shasum only) and 3.0.0 (with maxFiles 7);
    // not the hostile archives, the integrity mismatch, nor 3.0.1/3.0.2 (over their limits).
    const expected = [`sha1-${createHash('sha1').update(versions['2.0.1'].tarball).digest('hex')}`, `sha512-${hex(versions['3.0.0'].tarball)}`];
    assert.deepEqual(readdirSync(hostileCache).filter((n) => n !== 'packages').sort(), expected.sort());
  });
});
