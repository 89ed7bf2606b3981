/**
 * `driftguard approve` and `driftguard check`: the lock of `driftguard.toml`.
 *
 * The core parses the configuration, resolves each surface's `${VAR}` templates (with
 * the environment passed in), writes the lock and judges the captures; this module reads
 * the files, captures each surface with the fetch layer, and prints. The Python CLI does
 * the same steps with the same messages: both write the same lock bytes and print the
 * same output.
 *
 * `DRIFTGUARD_NOW` (an RFC 3339 time such as `2026-11-24T00:00:00Z`) replaces the clock:
 * the approval time `approve` records, and the date `check` judges ignore expiry by.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import binding = require('../index.js');
import { load, loadSamples, type Snapshot } from './api.js';
import { asDriftGuardError, native } from './errors.js';
import { fetchUrl, sampleEndpoint } from './fetch.js';
import { captureDocumentText, captureMcpHttp, captureMcpStdio } from './mcp.js';
import {
  cacheDir,
  changedCodePaths,
  fetchApproved,
  fetchPackage,
  packageDocumentText,
  type FetchedPackage,
  type PackageOptions,
} from './package/index.js';

/** Usage of `approve` and `check`: the core's text, the same in every binding. */
export const LOCK_USAGE: string = binding.lockUsage();

const FORMATS = ['text', 'json', 'markdown', 'github'];

/** What a run prints and its exit code. */
export interface LockResult {
  out: string;
  err: string;
  code: number;
}

interface PlanSurface {
  name: string;
  kind: 'file' | 'url' | 'mcp_stdio' | 'mcp_http' | 'endpoint' | 'package';
  timeout: number;
  error?: { code: string; message: string };
  headers?: [string, string][];
  path?: string;
  url?: string;
  command?: string[];
  env?: [string, string][];
  cwd?: string | null;
  samples?: number;
  sample_interval_ms?: number;
  /** `package`: the canonical spec, its parts, a registry from the MCP command line, the MCP surface it belongs to. */
  package?: string;
  ecosystem?: 'npm' | 'pypi';
  package_name?: string;
  version?: string;
  registry?: string | null;
  of?: string;
}

interface Plan {
  surfaces: PlanSurface[];
  secrets: string[];
  policy_files: string[];
}

class Usage extends Error {}

class CaptureFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** An OS error as Rust's `std::io::Error` displays it (the Python CLI prints the same). */
const OS_ERRORS: Record<string, [number, string]> = {
  ENOENT: [2, 'No such file or directory'],
  EACCES: [13, 'Permission denied'],
  EISDIR: [21, 'Is a directory'],
  ENOTDIR: [20, 'Not a directory'],
};

function ioMessage(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const known = typeof code === 'string' ? OS_ERRORS[code] : undefined;
  if (known) return `${known[1]} (os error ${known[0]})`;
  return e instanceof Error ? e.message : String(e);
}

function quote(name: string): string {
  return JSON.stringify(name);
}

function parse(args: string[], check: boolean): { names: string[]; config: string; format: string } | undefined {
  const names: string[] = [];
  let config = 'driftguard.toml';
  let format = 'text';
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-h' || a === '--help') return undefined;
    const eq = a.indexOf('=');
    const opt = eq >= 0 ? a.slice(0, eq) : a;
    if (opt === '--config' || (check && opt === '--format')) {
      let val: string;
      if (eq >= 0) {
        val = a.slice(eq + 1);
      } else {
        if (i + 1 >= args.length) throw new Usage(`${opt} needs a value`);
        val = args[++i] as string;
      }
      if (opt === '--config') config = val;
      else format = val;
    } else if (a === '--') {
      names.push(...args.slice(i + 1));
      break;
    } else if (a.startsWith('-') && a !== '-') {
      throw new Usage(`unknown option ${quote(a)}`);
    } else {
      names.push(a);
    }
  }
  if (!FORMATS.includes(format)) {
    throw new Usage(`--format must be text, json, markdown or github, got ${quote(format)}`);
  }
  return { names, config, format };
}

function now(): string {
  const fixed = process.env['DRIFTGUARD_NOW'];
  if (fixed) return fixed;
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A package surface's fetched artifact and the options it was fetched with (for check's code review). */
interface PackageCapture {
  fetched: FetchedPackage;
  options: PackageOptions;
}

/** The variables an MCP stdio server inherits (the SDK's `getDefaultEnvironment`). */
async function serverEnvironment(): Promise<Record<string, string>> {
  const stdio = await import('@modelcontextprotocol/sdk/client/stdio.js');
  return stdio.getDefaultEnvironment();
}

/**
 * How a package surface is resolved (as the Python CLI does): a companion with what its
 * MCP server runs with — the SDK's default variables plus the surface's `env`, in its
 * `cwd` — so `npm_config_registry`, `.npmrc` and `PIP_INDEX_URL` pick the registry
 * `npx`/`uvx` would; a standalone surface with this process's environment, in the
 * configuration's directory. A registry from the MCP command line is set as
 * `npm_config_registry` / `PIP_INDEX_URL`.
 */
async function packageOptions(s: PlanSurface, base: string): Promise<PackageOptions> {
  const env: Record<string, string | undefined> = s.of
    ? { ...(await serverEnvironment()), ...Object.fromEntries(s.env ?? []) }
    : { ...process.env };
  if (s.registry) env[s.ecosystem === 'npm' ? 'npm_config_registry' : 'PIP_INDEX_URL'] = s.registry;
  // The cache is this process's ($DRIFTGUARD_CACHE), not the server's environment's.
  return { env, cwd: s.cwd ? join(base, s.cwd) : base || '.', timeoutMs: s.timeout * 1000, cacheDir: cacheDir() };
}

async function captureOne(s: PlanSurface, base: string, packages?: Map<string, PackageCapture>): Promise<Snapshot> {
  const timeoutMs = s.timeout * 1000;
  const headers = Object.fromEntries(s.headers ?? []);
  switch (s.kind) {
    case 'file': {
      let body: Buffer;
      try {
        body = readFileSync(join(base, s.path as string));
      } catch (e) {
        throw new CaptureFailed('E_FETCH', `cannot read ${s.path as string}: ${ioMessage(e)}`);
      }
      return load(body);
    }
    case 'url':
      return load(await fetchUrl(s.url as string, { headers, timeoutMs, verbatim: true }));
    case 'endpoint': {
      const payloads = await sampleEndpoint(s.url as string, {
        headers,
        timeoutMs,
        verbatim: true,
        samples: s.samples as number,
        intervalMs: s.sample_interval_ms as number,
      });
      return loadSamples(payloads);
    }
    case 'mcp_stdio': {
      const [command, ...args] = s.command as [string, ...string[]];
      const doc = await captureMcpStdio(
        { command, args, env: Object.fromEntries(s.env ?? []), ...(s.cwd ? { cwd: join(base, s.cwd) } : {}) },
        { timeoutMs, verbatim: true },
      );
      return load(Buffer.from(captureDocumentText(doc), 'utf8'), { format: 'mcp' });
    }
    case 'mcp_http': {
      const doc = await captureMcpHttp(s.url as string, { headers, timeoutMs, verbatim: true });
      return load(Buffer.from(captureDocumentText(doc), 'utf8'), { format: 'mcp' });
    }
    case 'package': {
      const options = await packageOptions(s, base);
      const fetched = await fetchPackage(
        { ecosystem: s.ecosystem as 'npm' | 'pypi', name: s.package_name as string, spec: s.version || 'latest' },
        options,
      );
      packages?.set(s.name, { fetched, options });
      // The snapshot never holds texts: none are needed to approve.
      return load(Buffer.from(packageDocumentText(fetched.document(new Set())), 'utf8'), { format: 'package' });
    }
  }
}

type Captured = Map<string, Snapshot | binding.CaptureFailure>;

async function captureAll(plan: Plan, names: string[], base: string, packages?: Map<string, PackageCapture>): Promise<Captured> {
  const out: Captured = new Map();
  for (const s of plan.surfaces) {
    if (names.length && !names.includes(s.name)) continue;
    if (s.error) {
      out.set(s.name, { code: s.error.code, message: binding.redact(s.error.message, plan.secrets) });
      continue;
    }
    try {
      out.set(s.name, await captureOne(s, base, packages));
    } catch (e) {
      const err = e instanceof CaptureFailed ? e : asDriftGuardError(e);
      out.set(s.name, { code: err instanceof CaptureFailed ? err.code : err.code, message: binding.redact(err.message, plan.secrets) });
    }
  }
  return out;
}

function isFailure(c: Snapshot | binding.CaptureFailure): c is binding.CaptureFailure {
  return typeof (c as binding.CaptureFailure).code === 'string';
}

interface Setup {
  text: string;
  base: string;
  plan: Plan;
  names: string[];
  format: string;
}

function setup(args: string[], check: boolean): Setup | LockResult {
  let parsed;
  try {
    parsed = parse(args, check);
  } catch (e) {
    if (e instanceof Usage) return { out: '', err: `error: ${e.message}\n\n${LOCK_USAGE}`, code: 2 };
    throw e;
  }
  if (parsed === undefined) return { out: LOCK_USAGE, err: '', code: 0 };
  const { names, config, format } = parsed;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(config));
  } catch (e) {
    if (e instanceof TypeError) return { out: '', err: `error: ${config} is not UTF-8\n`, code: 2 };
    return { out: '', err: `error: cannot read ${config}: ${ioMessage(e)}\n`, code: 2 };
  }
  let plan: Plan;
  try {
    plan = native(() => binding.configPlan(text, process.env as Record<string, string>)) as Plan;
  } catch (e) {
    const err = asDriftGuardError(e);
    return { out: '', err: `error[${err.code}]: ${err.message}\n`, code: 2 };
  }
  const configured = plan.surfaces.map((s) => s.name);
  for (const name of names) {
    if (!configured.includes(name)) {
      return { out: '', err: `error: ${config} has no surface ${quote(name)}\n`, code: 2 };
    }
  }
  return { text, base: dirname(config), plan, names, format };
}

function readText(path: string): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(path));
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw e;
  }
}

function errMessage(e: unknown): string {
  return e instanceof TypeError ? 'not UTF-8' : ioMessage(e);
}

/** `driftguard approve [SURFACE...] [--config FILE]`. */
export async function runApprove(args: string[]): Promise<LockResult> {
  const s = setup(args, false);
  if ('code' in s) return s;
  const { text, base, plan, names } = s;
  const red = (t: string) => binding.redact(t, plan.secrets);
  let lockText: string | undefined;
  try {
    lockText = readText(join(base, 'driftguard.lock'));
  } catch (e) {
    return { out: '', err: `error: cannot read driftguard.lock: ${errMessage(e)}\n`, code: 2 };
  }
  const captured = await captureAll(plan, names, base);
  const failed = [...captured].filter(([, c]) => isFailure(c)) as [string, binding.CaptureFailure][];
  if (failed.length) {
    let err = '';
    for (const [name, f] of failed) err += `error[${f.code}]: surface ${quote(name)}: ${f.message}\n`;
    err += 'driftguard.lock was not written\n';
    return { out: '', err: red(err), code: 2 };
  }
  const snapshots: Record<string, string> = {};
  for (const [name, c] of captured) snapshots[name] = native(() => (c as Snapshot).native.toJsonText(false));
  let approval: binding.LockApproval;
  try {
    approval = native(() => binding.lockApprove(text, lockText, snapshots, now(), names.length === 0));
  } catch (e) {
    const err = asDriftGuardError(e);
    return { out: '', err: red(`error[${err.code}]: ${err.message}\n`), code: 2 };
  }
  writeFileSync(join(base, 'driftguard.lock'), approval.lock);
  let out = '';
  for (const [name, c] of captured) out += `approved ${name} ${(c as Snapshot).digest}\n`;
  for (const name of approval.pruned) out += `removed ${name} (no longer configured)\n`;
  return { out: red(out), err: '', code: 0 };
}

/** `driftguard check [SURFACE...] [--config FILE] [--format FORMAT]`. */
export async function runCheck(args: string[]): Promise<LockResult> {
  const s = setup(args, true);
  if ('code' in s) return s;
  const { text, base, plan, names, format } = s;
  const red = (t: string) => binding.redact(t, plan.secrets);
  let lockText: string | undefined;
  try {
    lockText = readText(join(base, 'driftguard.lock'));
  } catch (e) {
    return { out: '', err: `error: cannot read driftguard.lock: ${errMessage(e)}\n`, code: 2 };
  }
  const policies: Record<string, string> = {};
  for (const p of plan.policy_files) {
    try {
      policies[p] = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(join(base, p)));
    } catch (e) {
      return { out: '', err: red(`error: cannot read policy file ${p}: ${errMessage(e)}\n`), code: 2 };
    }
  }
  const packages = new Map<string, PackageCapture>();
  const captured = await captureAll(plan, names, base, packages);
  const snapshots: Record<string, string> = {};
  const failures: Record<string, binding.CaptureFailure> = {};
  for (const [name, c] of captured) {
    if (isFailure(c)) failures[name] = c;
    else snapshots[name] = native(() => c.native.toJsonText(false));
  }
  const approved: Record<string, string> = {};
  for (const [name, p] of packages) {
    const texts = await packageTexts(name, p, lockText);
    snapshots[name] = texts.current;
    if (texts.approved !== undefined) approved[name] = texts.approved;
  }
  let result: binding.CheckResult;
  try {
    result = native(() =>
      binding.lockCheck(text, lockText, snapshots, failures, now().slice(0, 10), format, policies, approved),
    );
  } catch (e) {
    const err = asDriftGuardError(e);
    return { out: '', err: red(`error[${err.code}]: ${err.message}\n`), code: 2 };
  }
  return { out: red(result.output), err: '', code: result.exitCode };
}

/**
 * The capture documents `check` compares for a package surface, with the texts the code
 * review needs: when the package moved from the approved one, the approved artifact is
 * read again (`fetchApproved`: the cache by integrity, else the registry by exact
 * version with the approved integrity) and both sides carry the texts of the code files
 * that differ. When it cannot be had, the current side carries every code text and the
 * core reports changed code as not reviewed (never silently safe).
 */
async function packageTexts(name: string, p: PackageCapture, lockText: string | undefined): Promise<{ current: string; approved?: string }> {
  let entry: { digest?: string; snapshot?: { kind?: string; surface?: Record<string, unknown> } } | undefined;
  try {
    entry = lockText ? (JSON.parse(lockText) as { surfaces?: Record<string, typeof entry> }).surfaces?.[name] : undefined;
  } catch {
    entry = undefined; // the core reports an unreadable lock
  }
  const plain = packageDocumentText(p.fetched.document(new Set()));
  const surface = entry?.snapshot?.kind === 'package' ? entry.snapshot.surface : undefined;
  if (!surface || entry?.digest === native(() => load(Buffer.from(plain, 'utf8'), { format: 'package' }).digest)) {
    return { current: plain };
  }
  const old = await fetchApproved(surface, p.options);
  if (!old) return { current: packageDocumentText(p.fetched.document()) };
  const changed = changedCodePaths(old, p.fetched);
  return { current: packageDocumentText(p.fetched.document(changed)), approved: packageDocumentText(old.document(changed)) };
}
