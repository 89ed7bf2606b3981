#!/usr/bin/env node
// Overhead of the Node binding: `diff` on the GitHub REST API pair through the Node API
// against the native example CLI doing the same work.
//
//   node bench/diff.mjs [OLD NEW] [--iters N]
//
// OLD/NEW default to `.bench-cache/{18.2.0,23.0.2}/package/generated/api.github.com.json`
// (what `scripts/bench.sh` downloads: npm @octokit/openapi). Per iteration, interleaved so
// load drift hits every row alike, after one warm-up:
//   native    target/release/examples/driftguard diff OLD NEW --format json > /dev/null
//             (a process: read both files, normalize both, classify, render JSON)
//   node API  readFileSync ×2 + diff(old, new) + report.render('json') in this process
//   node CLI  node dist/cli.js diff OLD NEW --format json > /dev/null (startup included)
// Prints medians (ms) and the ratio node API / native (target ≤ 1.15).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { diff } from 'driftguard';

const PKG = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = join(PKG, '..');
const args = process.argv.slice(2);
const itersAt = args.indexOf('--iters');
const iters = itersAt >= 0 ? Number(args.splice(itersAt, 2)[1]) : 7;
const cache = (v) => join(REPO, '.bench-cache', v, 'package', 'generated', 'api.github.com.json');
const [OLD, NEW] = args.length >= 2 ? args : [cache('18.2.0'), cache('23.0.2')];
const NATIVE = process.env.DRIFTGUARD_NATIVE_CLI ?? join(process.env.CARGO_TARGET_DIR ?? join(REPO, 'target'), 'release', 'examples', 'driftguard');
const BIN = join(PKG, 'dist', 'cli.js');

function timeProcess(file, argv) {
  const t = performance.now();
  const r = spawnSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
  const ms = performance.now() - t;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${file} exited ${r.status}: ${r.stderr}`);
  return ms;
}

let changes = 0;
function nodeApi() {
  const t = performance.now();
  const report = diff(readFileSync(OLD), readFileSync(NEW));
  const json = report.render('json');
  const ms = performance.now() - t;
  changes = report.summary.breaking + report.summary.dangerous + report.summary.safe;
  if (json.length < 2) throw new Error('empty render');
  return ms;
}

const rows = { native: [], 'node API': [], 'node CLI': [] };
const cliArgs = ['diff', OLD, NEW, '--format', 'json'];
const run = { native: () => timeProcess(NATIVE, cliArgs), 'node API': nodeApi, 'node CLI': () => timeProcess(process.execPath, [BIN, ...cliArgs]) };
for (const name of Object.keys(run)) run[name](); // warm-up
for (let i = 0; i < iters; i++) for (const name of Object.keys(run)) rows[name].push(run[name]());

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
const load = loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`diff ${OLD.split('/').slice(-4, -3)} → ${NEW.split('/').slice(-4, -3)}: ${changes} changes; ${iters} iterations, median; ${cpus().length} cores, load ${load}; node ${process.version}`);
console.log('| run | median ms | min ms | max ms | ratio to native |');
console.log('|---|---:|---:|---:|---:|');
for (const [k, v] of Object.entries(rows)) {
  console.log(`| ${k} | ${m[k].toFixed(1)} | ${Math.min(...v).toFixed(1)} | ${Math.max(...v).toFixed(1)} | ${(m[k] / m.native).toFixed(3)} |`);
}
const ratio = m['node API'] / m.native;
console.log(`node API / native = ${ratio.toFixed(3)} (target ≤ 1.15: ${ratio <= 1.15 ? 'met' : 'MISSED'})`);
