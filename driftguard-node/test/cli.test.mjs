// The `driftguard` bin against the core's native example CLI
// (`cargo build --release -p driftguard-core --example driftguard`): byte-identical
// stdout, stderr and exit code on every diff vector (text plus one other format each,
// rotating through all six) and on every render vector's format and options, plus help,
// version, rules, snapshot and the error paths.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { REPO, discover, inputBytes, readVector } from './vectors.mjs';

const NATIVE = process.env.DRIFTGUARD_NATIVE_CLI ?? join(process.env.CARGO_TARGET_DIR ?? join(REPO, 'target'), 'release', 'examples', 'driftguard');
const BIN = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const FORMATS = ['text', 'json', 'markdown', 'github', 'junit', 'sarif'];
const tmp = mkdtempSync(join(tmpdir(), 'driftguard-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function run(file, args, cwd, stdin) {
  return new Promise((resolve) => {
    const child = execFile(file, args, { cwd, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ stdout, stderr, code: error ? (typeof error.code === 'number' ? error.code : -1) : 0 });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

/** Runs both CLIs with the same arguments (and stdin) in the same directory and asserts identical bytes. */
async function same(args, cwd = tmp, stdin = undefined) {
  const [native, node] = await Promise.all([run(NATIVE, args, cwd, stdin), run(process.execPath, [BIN, ...args], cwd, stdin)]);
  const show = (b) => JSON.stringify(b.toString('utf8').slice(0, 400));
  assert.equal(node.code, native.code, `exit code for ${args.join(' ')}: node ${node.code}, native ${native.code}; stderr ${show(node.stderr)}`);
  assert.ok(node.stdout.equals(native.stdout), `stdout differs for ${args.join(' ')}:\n node:   ${show(node.stdout)}\n native: ${show(native.stdout)}`);
  assert.ok(node.stderr.equals(native.stderr), `stderr differs for ${args.join(' ')}:\n node:   ${show(node.stderr)}\n native: ${show(native.stderr)}`);
  return native;
}

/** Writes a diff vector's files; returns the diff arguments (without --format). */
function materialize(rel, v) {
  const dir = join(tmp, rel.replace(/[/.]/g, '_'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'old'), inputBytes(v.old));
  writeFileSync(join(dir, 'new'), inputBytes(v.new));
  const args = ['diff', join(dir, 'old'), join(dir, 'new')];
  if (v.format !== undefined) args.push('--input-format', v.format);
  if (v.policy !== undefined) {
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(v.policy));
    args.push('--policy', join(dir, 'policy.json'));
  }
  if (v.today !== undefined) args.push('--today', v.today);
  return args;
}

const vectors = discover();
const diffs = vectors.filter((f) => f.startsWith('diff/'));
const renders = vectors.filter((f) => f.startsWith('render/'));

it('the native example CLI is built', () => {
  assert.ok(existsSync(NATIVE), `${NATIVE} is missing: cargo build --release -p driftguard-core --example driftguard`);
});

describe('diff vectors: node bin = native CLI', { concurrency: 4 }, () => {
  diffs.forEach((rel, i) => {
    it(rel, async () => {
      const { vector } = readVector(rel);
      const args = materialize(rel, vector);
      const r = await same([...args]);
      if ('error' in vector.expect) {
        assert.equal(r.code, 2);
        assert.ok(r.stderr.toString().startsWith(`error[${vector.expect.error}]: `), r.stderr.toString());
      } else {
        assert.notEqual(r.code, 2, r.stderr.toString());
        const other = FORMATS[1 + (i % 5)];
        await same([...args, '--format', other]);
      }
    });
  });
});

describe('render vectors: their format and options, on diff pairs', { concurrency: 4 }, () => {
  const pairs = diffs.filter((rel) => 'changes' in readVector(rel).vector.expect && readVector(rel).vector.expect.changes.length > 0);
  renders.forEach((rel, i) => {
    it(rel, async () => {
      const { vector } = readVector(rel);
      const pair = pairs[(i * 7) % pairs.length];
      const args = [...materialize(pair, readVector(pair).vector), '--format', vector.format];
      const o = vector.options ?? {};
      if (o.color) args.push('--color');
      if (o.fail_on !== undefined) args.push('--fail-on', o.fail_on);
      await same(args);
    });
  });
});

describe('other commands and errors', { concurrency: 4 }, () => {
  const petstore = (v) => join(REPO, 'examples', 'contracts', `petstore-v${v}.yaml`);
  const cases = [
    [],
    ['--help'],
    ['diff', '--help'],
    ['--version'],
    ['rules'],
    ['rules', '--format', 'json'],
    ['rules', '--format', 'yaml'],
    ['frobnicate'],
    ['diff', petstore(1)],
    ['diff', petstore(1), petstore(2), '--format', 'html'],
    ['diff', petstore(1), petstore(2), '--fail-on', 'sometimes'],
    ['diff', petstore(1), petstore(2), '--bogus'],
    ['diff', petstore(1), '/nonexistent/new.yaml'],
    ['diff', petstore(1), petstore(2), '--policy', '/nonexistent/policy.toml'],
    ['diff', petstore(1), petstore(2), '--fail-on', 'never', '--format=sarif'],
    ['diff', petstore(1), petstore(2), '--color'],
    ['diff', petstore(2), petstore(1), '--format', 'github', '--today', '2026-11-24'],
    ['diff', '-', '-'],
    ['snapshot', petstore(1)],
    ['snapshot', petstore(2), '--format', 'openapi'],
    ['snapshot', petstore(1), '--format', 'mcp'],
    ['snapshot', join(REPO, 'examples', 'contracts', 'postmark-mcp-1.0.16.json')],
    ['snapshot', join(REPO, 'README.md')],
    ['snapshot'],
  ];
  for (const args of cases) {
    it(`driftguard ${args.join(' ')}`.replace(REPO, ''), async () => {
      await same(args);
    });
  }
  const v1 = readFileSync(petstore(1));
  it('driftguard snapshot - (stdin)', async () => {
    const r = await same(['snapshot', '-'], tmp, v1);
    assert.equal(r.code, 0);
  });
  it('driftguard diff - NEW (stdin) --format sarif', async () => {
    const r = await same(['diff', '-', petstore(2), '--format', 'sarif'], tmp, v1);
    assert.equal(r.code, 1);
  });
  it('driftguard diff OLD - (stdin, garbage)', async () => {
    const r = await same(['diff', petstore(1), '-'], tmp, Buffer.from('{"openapi": '));
    assert.equal(r.code, 2);
  });
  it('capture - (stdin) prints what snapshot - prints', async () => {
    const node = await run(process.execPath, [BIN, 'capture', '-'], tmp, v1);
    const native = await run(NATIVE, ['snapshot', '-'], tmp, v1);
    assert.equal(node.code, 0, node.stderr.toString());
    assert.ok(node.stdout.equals(native.stdout));
  });
});
