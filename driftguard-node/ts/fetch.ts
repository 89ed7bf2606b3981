/**
 * The fetch layer: files, standard input, and http(s) URLs with a deadline, a size
 * limit, bounded redirects and `${ENV}` header values. Errors carry fetch-layer codes
 * (`E_FETCH`, `E_TIMEOUT`, `E_TOO_LARGE`, `E_REDIRECTS`, `E_ENV`) and never contain a
 * header value.
 */
import { readFileSync } from 'node:fs';

import { DriftGuardError } from './errors.js';

/** Default deadline of one capture, in milliseconds (30 s). */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default limit on a fetched body (64 MiB). */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
/** Redirects followed before `E_REDIRECTS`. */
export const MAX_REDIRECTS = 5;

/** HTTP options shared by every fetch. */
export interface FetchOptions {
  /** Request headers; values may use `${VAR}` (unset: `E_ENV`). */
  headers?: Record<string, string>;
  /** Deadline for the whole request including redirects and body, ms (default 30 000). */
  timeoutMs?: number;
  /** Largest body accepted, bytes (default 64 MiB): larger is `E_TOO_LARGE`. */
  maxBytes?: number;
  /** The environment `${VAR}` reads (default `process.env`). */
  env?: Record<string, string | undefined>;
  /**
   * Use header values as given, without `${VAR}` expansion: for values that were
   * expanded already (the core's capture plan), so a secret containing `${X}` is not
   * expanded a second time.
   */
  verbatim?: boolean;
}

/** Replaces every `${VAR}` in `value`; an unset variable is `E_ENV` (naming the variable, not the value). */
export function expandEnv(value: string, env: Record<string, string | undefined> = process.env, what = 'a header'): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) {
      throw new DriftGuardError('E_ENV', `environment variable ${name} (used in ${what}) is not set`);
    }
    return v;
  });
}

/** Parses `Name: value` (as given to `--header`). */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new DriftGuardError('E_INVALID', 'a header must be written "Name: value"');
  }
  return [name, text.slice(colon + 1).trim()];
}

/** The headers with `${VAR}`s expanded. */
export function expandHeaders(
  headers: Record<string, string> | undefined,
  env: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    out[name] = expandEnv(value, env, `header ${name}`);
  }
  return out;
}

/** True for an http(s) URL argument. */
export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** A URL without userinfo, query or fragment: safe to print. */
export function displayUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid URL>';
  }
}

function timeoutError(url: string, ms: number): DriftGuardError {
  return new DriftGuardError('E_TIMEOUT', `GET ${displayUrl(url)}: no complete response within ${ms / 1000} s`);
}

/**
 * GETs a URL: follows at most 5 redirects (the user's headers go only to the
 * original origin), fails on a non-2xx status, a body over the limit, or the deadline.
 */
export async function fetchUrl(url: string, options: FetchOptions = {}): Promise<Buffer> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const headers = options.verbatim ? { ...(options.headers ?? {}) } : expandHeaders(options.headers, options.env ?? process.env);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const origin = safeOrigin(url);
  try {
    let current = url;
    for (let redirects = 0; ; redirects++) {
      let response: Response;
      try {
        response = await fetch(current, {
          redirect: 'manual',
          signal: controller.signal,
          headers: safeOrigin(current) === origin ? headers : {},
        });
      } catch (e) {
        if (timedOut) throw timeoutError(url, timeoutMs);
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        const why = cause?.code ?? cause?.message ?? (e as Error).message;
        throw new DriftGuardError('E_FETCH', `GET ${displayUrl(current)}: ${why}`);
      }
      if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
        await response.body?.cancel().catch(() => undefined);
        if (redirects >= MAX_REDIRECTS) {
          throw new DriftGuardError('E_REDIRECTS', `GET ${displayUrl(url)}: more than ${MAX_REDIRECTS} redirects`);
        }
        current = new URL(response.headers.get('location') ?? '', current).toString();
        if (!isUrl(current)) {
          throw new DriftGuardError('E_FETCH', `GET ${displayUrl(url)}: redirect to a non-http(s) URL`);
        }
        continue;
      }
      if (response.status < 200 || response.status > 299) {
        await response.body?.cancel().catch(() => undefined);
        throw new DriftGuardError(
          'E_FETCH',
          `GET ${displayUrl(current)}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
        );
      }
      const declared = Number(response.headers.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw tooLarge(current, maxBytes);
      }
      return await readBody(response, current, maxBytes, () => (timedOut ? timeoutError(url, timeoutMs) : null));
    }
  } finally {
    clearTimeout(timer);
  }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    throw new DriftGuardError('E_FETCH', `not a valid URL: ${displayUrl(url)}`);
  }
}

function tooLarge(url: string, maxBytes: number): DriftGuardError {
  return new DriftGuardError('E_TOO_LARGE', `GET ${displayUrl(url)}: the body exceeds the limit of ${maxBytes} bytes`);
}

async function readBody(
  response: Response,
  url: string,
  maxBytes: number,
  timedOut: () => DriftGuardError | null,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(url, maxBytes);
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
  } catch (e) {
    if (e instanceof DriftGuardError) throw e;
    const t = timedOut();
    if (t) throw t;
    throw new DriftGuardError('E_FETCH', `GET ${displayUrl(url)}: the connection failed while reading the body`);
  }
  return Buffer.concat(chunks, total);
}

/** Reads all of standard input. */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The bytes of a source: a file path, `-` (standard input) or an http(s) URL. */
export async function readSource(source: string, options: FetchOptions = {}): Promise<Buffer> {
  if (source === '-') return readStdin();
  if (isUrl(source)) return fetchUrl(source, options);
  try {
    return readFileSync(source);
  } catch (e) {
    throw new DriftGuardError('E_FETCH', `cannot read ${source}: ${(e as Error).message}`);
  }
}

/** Options of `sampleEndpoint`. */
export interface SampleOptions extends FetchOptions {
  /** How many responses to collect (default 3). */
  samples?: number;
  /** Pause between requests, ms (default 1000). */
  intervalMs?: number;
}

/**
 * GETs a JSON endpoint `samples` times, `intervalMs` apart, and returns the parsed
 * payloads (the `samples` input of the core). A body that is not JSON is `E_PARSE`.
 */
export async function sampleEndpoint(url: string, options: SampleOptions = {}): Promise<unknown[]> {
  const n = options.samples ?? 3;
  if (!Number.isInteger(n) || n < 1) {
    throw new DriftGuardError('E_INVALID', `samples must be a positive integer, not ${String(n)}`);
  }
  const interval = options.intervalMs ?? 1000;
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && interval > 0) await new Promise((r) => setTimeout(r, interval));
    const body = await fetchUrl(url, options);
    try {
      out.push(JSON.parse(body.toString('utf8')));
    } catch (e) {
      throw new DriftGuardError('E_PARSE', `sample ${i + 1} from ${displayUrl(url)} is not JSON: ${(e as Error).message}`);
    }
  }
  return out;
}
