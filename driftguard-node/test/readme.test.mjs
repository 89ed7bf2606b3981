// Runs every snippet of the README's "Node.js" section: each `js` block (ESM when it
// imports, CommonJS when it requires) with the repository root as working directory, its
// stdout compared with the `text` block that follows; each `npx driftguard` line of the
// `sh` block and of the GitHub Actions workflow, through this checkout's bin (npx resolves
// `driftguard` from node_modules/.bin, which a checkout lacks, so the test runs
// `node dist/cli.js` in its place — the bin `npx` would find).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const REPO = join(PKG, '..');
const BIN = join(PKG, 'dist', 'cli.js');
const EVERYTHING = join(PKG, 'test', 'fixtures', 'mcp-servers', 'everything-2026.1.26', 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
const start = readme.indexOf('\n## Node.js\n');
const end = readme.indexOf('\n## ', start + 5);
const section = readme.slice(start, end);
// Snippet files live inside the package so `driftguard` resolves (package self-reference).
const scratch = mkdtempSync(join(PKG, '.readme-'));
const work = mkdtempSync(join(tmpdir(), 'driftguard-readme-'));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2] }));

function run(file, args, cwd) {
  return new Promise((resolve) => {
    const child = execFile(file, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, code: error ? error.code : 0 }),
    );
    child.stdin.end();
  });
}

/** `npx driftguard ARGS` as a command line for `sh`, with the checkout's bin. */
function shellLine(line) {
  return line
    .replace(/^npx driftguard /, `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} `)
    .replace('npx -y @modelcontextprotocol/server-everything@2026.1.26', `${JSON.stringify(process.execPath)} ${JSON.stringify(EVERYTHING)}`);
}

it('the Node.js section has the snippets this test runs', () => {
  assert.ok(start > 0 && end > start);
  assert.deepEqual(blocks.map((b) => b.lang), ['sh', 'js', 'text', 'js', 'text', 'sh', 'yaml']);
});

describe('JavaScript examples print what the README says', () => {
  blocks.forEach((b, i) => {
    if (b.lang !== 'js') return;
    it(`example ${i}`, async () => {
      const next = blocks[i + 1];
      assert.equal(next?.lang, 'text', 'a js block is followed by its output');
      const esm = /^import /m.test(b.body);
      const file = join(scratch, `snippet-${i}.${esm ? 'mjs' : 'cjs'}`);
      writeFileSync(file, b.body);
      const r = await run(process.execPath, [file], REPO);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, next.body);
    });
  });
});

describe('shell lines', () => {
  it('the install block names the package and the build from a checkout', () => {
    assert.match(blocks[0].body, /^npm install driftguard$/m);
  });
  it('every npx driftguard line runs; diff exits 1 on breaking changes, capture 0', async () => {
    const lines = blocks[5].body.split('\n').filter((l) => l.startsWith('npx driftguard '));
    assert.equal(lines.length, 3);
    const results = [];
    for (const line of lines) results.push(await run('sh', ['-c', shellLine(line)], REPO));
    assert.equal(results[0].code, 1, results[0].stderr);
    assert.match(results[0].stdout, /^## DriftGuard/m);
    assert.equal(results[1].code, 0, results[1].stderr);
    assert.equal(JSON.parse(results[1].stdout).kind, 'openapi');
    assert.equal(results[2].code, 0, results[2].stderr);
    assert.equal(JSON.parse(results[2].stdout).meta.name, 'mcp-servers/everything');
  });
});

describe('the GitHub Actions workflow', () => {
  const yaml = blocks[6]?.body ?? '';
  it('annotates with --format github and fails the step on a breaking change; SARIF is valid 2.1.0', async () => {
    const runs = yaml.split('\n').map((l) => /^\s+run: (npx driftguard .*)$/.exec(l)?.[1]).filter(Boolean);
    assert.equal(runs.length, 2);
    assert.match(runs[0], /--format github/);
    assert.match(runs[1], /--format sarif/);
    // The pull request changes openapi.yaml from petstore v1 (base) to v2.
    mkdirSync(work, { recursive: true });
    copyFileSync(join(REPO, 'examples', 'contracts', 'petstore-v1.yaml'), join(work, 'base-openapi.yaml'));
    copyFileSync(join(REPO, 'examples', 'contracts', 'petstore-v2.yaml'), join(work, 'openapi.yaml'));
    const annotate = await run('sh', ['-c', shellLine(runs[0])], work);
    assert.equal(annotate.code, 1, 'the step fails on breaking changes');
    assert.equal(annotate.stdout.split('\n').filter((l) => l.startsWith('::error file=openapi.yaml,')).length, 3);
    const sarif = await run('sh', ['-c', shellLine(runs[1])], work);
    assert.equal(sarif.code, 0, sarif.stderr);
    const doc = JSON.parse(readFileSync(join(work, 'driftguard.sarif'), 'utf8'));
    assert.equal(doc.version, '2.1.0');
    assert.equal(doc.runs[0].results.length, 16);
    assert.equal(doc.runs[0].tool.driver.name, 'DriftGuard');
  });
});
