#!/usr/bin/env node
/**
 * `driftguard` on the command line. `diff`, `snapshot`, `rules`, `--help` and
 * `--version` are the core's command line (`driftguard_core::cli::run`, through the
 * addon): same bytes and exit codes as every other DriftGuard CLI. URL arguments are
 * fetched here first. `capture` is this package's own command (the same flags as the
 * Python CLI), and so are `approve` and `check` (./lock.ts).
 */
import { writeFileSync } from 'node:fs';

import binding = require('../index.js');
import { load, loadSamples, type InputFormat } from './api.js';
import { DriftGuardError, asDriftGuardError } from './errors.js';
import { isUrl, parseHeader, readSource, sampleEndpoint } from './fetch.js';
import { runApprove, runCheck } from './lock.js';
import { captureDocumentText, captureMcpHttp, captureMcpStdio } from './mcp.js';
import { capturePackage, capturePackageText, packageDocumentText } from './package/index.js';

/** Usage of `capture`: the core's text, the same in every binding. */
export const CAPTURE_USAGE: string = binding.captureUsage();

/** What a CLI run prints and its exit code. */
export interface CliResult {
  out: string | Buffer;
  err: string;
  code: number;
}

class UsageError extends Error {}

/** Today's date (UTC) as `YYYY-MM-DD`, the same day the native CLI computes. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Runs one command line (without the program name). */
export async function run(args: string[]): Promise<CliResult> {
  if (args[0] === 'approve') return runApprove(args.slice(1));
  if (args[0] === 'check') return runCheck(args.slice(1));
  if (args[0] === 'capture') {
    try {
      return await capture(args.slice(1));
    } catch (e) {
      if (e instanceof UsageError) return { out: '', err: `error: ${e.message}\n\n${CAPTURE_USAGE}`, code: 2 };
      const err = asDriftGuardError(e);
      return { out: '', err: `error[${err.code}]: ${err.message}\n`, code: 2 };
    }
  }
  const inputs: Record<string, Buffer> = {};
  const helpOrVersion = args.some((a) => ['--help', '-h', '--version', '-V'].includes(a));
  if (!helpOrVersion && (args[0] === 'diff' || args[0] === 'snapshot')) {
    for (const a of args.slice(1)) {
      if ((isUrl(a) || /^(npm|pypi):./.test(a)) && inputs[a] === undefined) {
        try {
          // A package spec is read as its capture document (every code file's text).
          inputs[a] = isUrl(a) ? await readSource(a) : Buffer.from(await capturePackageText(a), 'utf8');
        } catch (e) {
          const err = asDriftGuardError(e);
          return { out: '', err: `error[${err.code}]: ${err.message}\n`, code: 2 };
        }
      }
    }
  }
  const outcome = binding.runCli(args, inputs, today());
  return { out: outcome.out, err: outcome.err, code: outcome.code };
}

/** `capture`'s options as parsed (see `parseCapture`). */
export interface CaptureArgs {
  source?: string;
  output?: string;
  format?: string;
  headers: Record<string, string>;
  timeoutMs?: number;
  document: boolean;
  mcpStdio: boolean;
  mcpHttp?: string;
  endpoint?: string;
  package?: string;
  env: Record<string, string>;
  cwd?: string;
  samples?: number;
  intervalMs?: number;
  command: string[];
}

function number(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || n < min) {
    throw new UsageError(`${name} needs a number${min > 0 ? ' above 0' : ''}, not ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * Parses `capture`'s arguments (without `capture`); a bad command line throws a usage
 * error. Exported so that tests can check that it accepts every option of the usage text.
 */
export function parseCapture(args: string[]): CaptureArgs {
  const out: CaptureArgs = { headers: {}, document: false, mcpStdio: false, env: {}, command: [] };
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      out.command = args.slice(i + 1);
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '-o':
      case '--output':
        out.output = value();
        break;
      case '--format':
        out.format = value();
        break;
      case '--header': {
        const [k, v] = parseHeaderOrUsage(value());
        out.headers[k] = v;
        break;
      }
      case '--timeout':
        out.timeoutMs = number('--timeout', value(), 0.001) * 1000;
        break;
      case '--document':
        out.document = true;
        break;
      case '--mcp-stdio':
        out.mcpStdio = true;
        break;
      case '--mcp-http':
        out.mcpHttp = value();
        break;
      case '--endpoint':
        out.endpoint = value();
        break;
      case '--package':
        out.package = value();
        break;
      case '--env': {
        const v = value();
        const k = v.indexOf('=');
        if (k <= 0) throw new UsageError('--env takes KEY=VALUE');
        out.env[v.slice(0, k)] = v.slice(k + 1);
        break;
      }
      case '--cwd':
        out.cwd = value();
        break;
      case '--samples':
        out.samples = number('--samples', value(), 1);
        if (!Number.isInteger(out.samples)) throw new UsageError('--samples needs a whole number');
        break;
      case '--interval-ms':
        out.intervalMs = number('--interval-ms', value(), 0);
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  const modes = [
    positional.length > 0,
    out.mcpStdio,
    out.mcpHttp !== undefined,
    out.endpoint !== undefined,
    out.package !== undefined,
  ].filter(Boolean);
  if (modes.length !== 1) {
    throw new UsageError('capture needs exactly one of SOURCE, --mcp-stdio, --mcp-http URL, --endpoint URL, --package SPEC');
  }
  if (positional.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positional[1])}`);
  out.source = positional[0];
  if (out.mcpStdio && out.command.length === 0) throw new UsageError('--mcp-stdio needs the server command after --');
  if (!out.mcpStdio && out.command.length > 0) throw new UsageError('a command after -- is only for --mcp-stdio');
  if (out.format !== undefined && out.source === undefined) throw new UsageError('--format is only for SOURCE');
  return out;
}

function parseHeaderOrUsage(text: string): [string, string] {
  try {
    return parseHeader(text);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function capture(args: string[]): Promise<CliResult> {
  // Only before `--`: what follows it is the stdio server's command line (`-- server --help`).
  const dashes = args.indexOf('--');
  const own = dashes < 0 ? args : args.slice(0, dashes);
  if (own.includes('--help') || own.includes('-h')) {
    return { out: CAPTURE_USAGE, err: '', code: 0 };
  }
  const a = parseCapture(args);
  const progress = process.stderr.isTTY ? (line: string) => process.stderr.write(`driftguard: ${line}\n`) : undefined;
  const http = { headers: a.headers, ...(a.timeoutMs !== undefined ? { timeoutMs: a.timeoutMs } : {}) };
  const mcpOptions = { ...http, ...(progress ? { progress } : {}) };
  let documentBytes: Buffer;
  let snapshotText: () => string;
  if (a.mcpStdio) {
    const [command, ...commandArgs] = a.command as [string, ...string[]];
    const doc = await captureMcpStdio({ command, args: commandArgs, env: a.env, ...(a.cwd ? { cwd: a.cwd } : {}) }, mcpOptions);
    documentBytes = Buffer.from(captureDocumentText(doc), 'utf8');
    snapshotText = () => load(documentBytes, { format: 'mcp' }).toString();
  } else if (a.mcpHttp !== undefined) {
    const doc = await captureMcpHttp(a.mcpHttp, mcpOptions);
    documentBytes = Buffer.from(captureDocumentText(doc), 'utf8');
    snapshotText = () => load(documentBytes, { format: 'mcp' }).toString();
  } else if (a.package !== undefined) {
    const doc = await capturePackage(a.package, {
      ...(a.timeoutMs !== undefined ? { timeoutMs: a.timeoutMs } : {}),
      ...(progress ? { progress } : {}),
    });
    documentBytes = Buffer.from(packageDocumentText(doc), 'utf8');
    snapshotText = () => load(documentBytes, { format: 'package' }).toString();
  } else if (a.endpoint !== undefined) {
    const samples = await sampleEndpoint(a.endpoint, {
      ...http,
      ...(a.samples !== undefined ? { samples: a.samples } : {}),
      ...(a.intervalMs !== undefined ? { intervalMs: a.intervalMs } : {}),
    });
    documentBytes = Buffer.from(JSON.stringify(samples, null, 2) + '\n', 'utf8');
    snapshotText = () => loadSamples(samples).toString();
  } else {
    const source = a.source as string;
    progress?.(`reading ${source}`);
    documentBytes = await readSource(source, http);
    const format = (a.format ?? 'auto') as InputFormat;
    snapshotText = () => load(documentBytes, { format }).toString();
  }
  const out: string | Buffer = a.document ? documentBytes : snapshotText();
  if (a.output !== undefined && a.output !== '-') {
    try {
      writeFileSync(a.output, out);
    } catch (e) {
      throw new DriftGuardError('E_FETCH', `cannot write ${a.output}: ${(e as Error).message}`);
    }
    return { out: '', err: '', code: 0 };
  }
  return { out, err: '', code: 0 };
}

async function main(): Promise<void> {
  const result = await run(process.argv.slice(2));
  // stdout and stderr are synchronous for files and pipes on POSIX: nothing is lost
  // when the process exits with this code.
  if (result.out.length) process.stdout.write(result.out);
  if (result.err.length) process.stderr.write(result.err);
  process.exitCode = result.code;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  });
}
