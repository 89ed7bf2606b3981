// `driftguard capture`'s usage is the core's text (`driftguard_core::capture::USAGE`),
// the same bytes as every binding's, and it matches this binding's parser: `--help`
// prints exactly it, a usage error ends with it, every option it names is accepted (its
// value reaching the parsed arguments), and every option the parser knows is named in it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { REPO } from './vectors.mjs';

const require = createRequire(import.meta.url);
const binding = require('../index.js');
const { CAPTURE_USAGE, parseCapture } = require('../dist/cli.js');
const { DEFAULT_TIMEOUT_MS } = require('../dist/fetch.js');

const BIN = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const CLI_SOURCE = fileURLToPath(new URL('../ts/cli.ts', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'driftguard-capture-usage-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The const as written in the core's source (catches a stale addon too). */
function coreText() {
  const source = readFileSync(join(REPO, 'driftguard-core', 'src', 'capture.rs'), 'utf8');
  const head = 'pub const USAGE: &str = "\\\n';
  const start = source.indexOf(head) + head.length;
  assert.ok(start > head.length, 'capture.rs declares USAGE');
  return source.slice(start, source.indexOf('\n";\n', start) + 1);
}

/** Every option the text names (before its examples, which also show `diff`). */
function usageOptions(text) {
  const body = text.slice(0, text.indexOf('\nexamples:'));
  return new Set([...body.matchAll(/(?<![\w-])(--?[a-z][a-z-]*)/g)].map((m) => m[1]));
}

function cli(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: tmp, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, code: error ? error.code : 0 }),
    );
  });
}

// A value for each option that takes one, the arguments that make its mode valid, and
// what the parsed arguments then hold.
const VALUES = {
  '-o': ['out.json', ['x.json'], (a) => a.output, 'out.json'],
  '--output': ['out.json', ['x.json'], (a) => a.output, 'out.json'],
  '--format': ['openapi', ['x.json'], (a) => a.format, 'openapi'],
  '--header': ['X-Test: 1', ['x.json'], (a) => a.headers, { 'X-Test': '1' }],
  '--timeout': ['2.5', ['x.json'], (a) => a.timeoutMs, 2500],
  '--env': ['KEY=VALUE', ['--mcp-stdio', '--', 'server'], (a) => a.env, { KEY: 'VALUE' }],
  '--cwd': ['/tmp', ['--mcp-stdio', '--', 'server'], (a) => a.cwd, '/tmp'],
  '--samples': ['4', ['--endpoint', 'http://127.0.0.1:1/x'], (a) => a.samples, 4],
  '--interval-ms': ['250', ['--endpoint', 'http://127.0.0.1:1/x'], (a) => a.intervalMs, 250],
  '--mcp-http': ['http://127.0.0.1:1/mcp', [], (a) => a.mcpHttp, 'http://127.0.0.1:1/mcp'],
  '--endpoint': ['http://127.0.0.1:1/x', [], (a) => a.endpoint, 'http://127.0.0.1:1/x'],
  '--package': ['npm:left-pad@1.3.0', [], (a) => a.package, 'npm:left-pad@1.3.0'],
};
const FLAGS = {
  '--document': [['x.json'], (a) => a.document],
  '--mcp-stdio': [['--', 'server'], (a) => a.mcpStdio],
};
const HELP = ['-h', '--help'];

describe('capture usage', () => {
  it('the addon exposes the core text, and the CLI uses it', () => {
    assert.equal(binding.captureUsage(), coreText());
    assert.equal(CAPTURE_USAGE, coreText());
  });

  for (const flag of HELP) {
    it(`capture ${flag} prints exactly the core text`, async () => {
      assert.deepEqual(await cli(['capture', flag]), { stdout: coreText(), stderr: '', code: 0 });
      assert.deepEqual(await cli(['capture', '--document', flag, 'x.json']), { stdout: coreText(), stderr: '', code: 0 });
    });
  }

  it('--help after -- belongs to the stdio server, not to capture', async () => {
    const r = await cli(['capture', '--mcp-stdio', '--', join(tmp, 'no-such-server'), '--help']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error\[E_MCP\]: /);
  });

  it('a usage error ends with the core text', async () => {
    assert.deepEqual(await cli(['capture', '--no-such-option']), {
      stdout: '',
      stderr: `error: unknown option "--no-such-option"\n\n${coreText()}`,
      code: 2,
    });
    assert.deepEqual(await cli(['capture', 'x.json', '--doc']), {
      stdout: '',
      stderr: `error: unknown option "--doc"\n\n${coreText()}`,
      code: 2,
    });
  });

  it('the text names exactly the options the parser has', () => {
    const named = usageOptions(coreText());
    assert.deepEqual([...named].sort(), [...Object.keys(VALUES), ...Object.keys(FLAGS), ...HELP].sort());
    // The parser's options: the `case` labels of parseCapture, plus the help flags.
    const source = readFileSync(CLI_SOURCE, 'utf8');
    const body = source.slice(source.indexOf('export function parseCapture('), source.indexOf('function parseHeaderOrUsage('));
    const cases = [...body.matchAll(/case '(-[^']*)':/g)].map((m) => m[1]);
    assert.deepEqual([...cases, ...HELP].sort(), [...named].sort());
  });

  for (const [option, [value, base, get, expected]] of Object.entries(VALUES)) {
    it(`accepts ${option} VALUE${option.startsWith('--') ? ` and ${option}=VALUE` : ''}`, () => {
      const dashes = base.indexOf('--');
      const own = dashes < 0 ? base : base.slice(0, dashes);
      const rest = dashes < 0 ? [] : base.slice(dashes);
      assert.deepEqual(get(parseCapture([...own, option, value, ...rest])), expected);
      if (option.startsWith('--')) assert.deepEqual(get(parseCapture([...own, `${option}=${value}`, ...rest])), expected);
    });
  }
  for (const [flag, [base, get]] of Object.entries(FLAGS)) {
    it(`accepts ${flag}`, () => {
      assert.equal(get(parseCapture([flag, ...base])), true);
    });
  }

  it('the defaults are the text\'s', () => {
    const text = coreText();
    assert.equal(DEFAULT_TIMEOUT_MS, 30_000);
    assert.ok(text.includes('give up after SECS seconds (default 30)'));
    assert.ok(text.includes('how many responses (default 3)'));
    assert.ok(text.includes('pause between two samples (default 1000)'));
  });

  const BAD = [
    [['--mcp-http', 'http://127.0.0.1:1/mcp', '--format', 'mcp'], '--format is only for SOURCE'],
    [['--endpoint', 'http://127.0.0.1:1/x', '--samples', '0'], '--samples needs a number above 0, not "0"'],
    [['--endpoint', 'http://127.0.0.1:1/x', '--interval-ms', '-1'], '--interval-ms needs a number, not "-1"'],
    [['x.json', '--timeout', 'nan'], '--timeout needs a number above 0, not "nan"'],
  ];
  for (const [args, message] of BAD) {
    it(`usage error: ${message}`, async () => {
      assert.deepEqual(await cli(['capture', ...args]), { stdout: '', stderr: `error: ${message}\n\n${coreText()}`, code: 2 });
    });
  }

  it('-o - is stdout', async () => {
    writeFileSync(join(tmp, 'schema.json'), '{"type": "object"}');
    assert.deepEqual(await cli(['capture', 'schema.json', '--document', '-o', '-']), { stdout: '{"type": "object"}', stderr: '', code: 0 });
  });
});
