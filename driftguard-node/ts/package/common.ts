/** What the npm and PyPI fetchers share: options, the spec parser, HTTP helpers. */
import { DriftGuardError } from '../errors.js';
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, displayUrl, fetchUrl } from '../fetch.js';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './archive.js';
import { cacheDir, cacheGet, cachePut, verify, type Digest } from './cache.js';

/** Options of a package capture. */
export interface PackageOptions {
  /** The registry (npm) or simple index (PyPI) URL; default: the machine's configuration. */
  registry?: string;
  /** Deadline of each request, ms (default 30 000). */
  timeoutMs?: number;
  /** Largest registry answer or artifact, bytes (default 64 MiB). */
  maxBytes?: number;
  /** The artifact cache (default `$DRIFTGUARD_CACHE/packages`, `$XDG_CACHE_HOME/driftguard/packages` or `~/.cache/driftguard/packages`). */
  cacheDir?: string;
  /** Extraction limits (defaults: `DEFAULT_ARCHIVE_LIMITS`). */
  limits?: Partial<ArchiveLimits>;
  /** The environment configuration is read from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Where the project `.npmrc` search starts (default `process.cwd()`). */
  cwd?: string;
  /** The home directory (`~/.npmrc`, pip.conf, the default cache). */
  home?: string;
  /** Progress lines (the CLI prints them on a terminal). */
  progress?: (line: string) => void;
}

/** A parsed `npm:NAME@RANGE` / `pypi:NAME==VER` spec. */
export interface PackageSpec {
  ecosystem: 'npm' | 'pypi';
  name: string;
  /** `latest`, a dist-tag, an exact version or a range. */
  spec: string;
}

const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9._~-][a-z0-9._~-]*$/i;
const PYPI_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

function badSpec(spec: string, why: string): DriftGuardError {
  return new DriftGuardError('E_PACKAGE', `bad package spec ${JSON.stringify(spec)}: ${why}`);
}

/**
 * Parses `npm:NAME`, `npm:NAME@RANGE` (a dist-tag, a version or a semver range),
 * `pypi:NAME`, `pypi:NAME==VERSION` (`latest` when no version is given). `E_PACKAGE`
 * otherwise.
 */
export function parsePackageSpec(text: string): PackageSpec {
  const colon = text.indexOf(':');
  const eco = colon > 0 ? text.slice(0, colon) : '';
  const rest = text.slice(colon + 1).trim();
  if (eco === 'npm') {
    const at = rest.indexOf('@', rest.startsWith('@') ? 1 : 0);
    const name = at > 0 ? rest.slice(0, at) : rest;
    const spec = at > 0 ? rest.slice(at + 1).trim() : 'latest';
    if (!NPM_NAME.test(name) || name.length > 214) throw badSpec(text, `${JSON.stringify(name)} is not an npm package name`);
    if (name.split('/').some((s) => s === '.' || s === '..' || s === '@')) throw badSpec(text, 'not an npm package name');
    return { ecosystem: 'npm', name, spec: spec || 'latest' };
  }
  if (eco === 'pypi') {
    const eq = rest.indexOf('==');
    const name = (eq >= 0 ? rest.slice(0, eq) : rest).trim();
    const spec = eq >= 0 ? rest.slice(eq + 2).trim() : 'latest';
    if (!PYPI_NAME.test(name)) throw badSpec(text, `${JSON.stringify(name)} is not a PyPI project name`);
    if (eq >= 0 && !/^[A-Za-z0-9.+!_-]+$/.test(spec)) throw badSpec(text, `${JSON.stringify(spec)} is not a version`);
    if (eq < 0 && /[<>=!~@ ]/.test(rest)) throw badSpec(text, 'PyPI specs are NAME or NAME==VERSION');
    return { ecosystem: 'pypi', name, spec: spec || 'latest' };
  }
  throw badSpec(text, 'expected npm:NAME[@RANGE] or pypi:NAME[==VERSION]');
}

/** Full limits from partial ones. */
export function limitsOf(options: PackageOptions): ArchiveLimits {
  return { ...DEFAULT_ARCHIVE_LIMITS, ...(options.limits ?? {}) };
}

/** GETs a registry document as JSON; 404/410 is `E_PACKAGE` (`missing` says what). */
export async function getJson(
  url: string,
  accept: string,
  options: PackageOptions,
  missing: string,
  credentials: Record<string, string> = {},
): Promise<{ body: unknown; text: string }> {
  let bytes: Buffer;
  try {
    bytes = await fetchUrl(url, {
      headers: { Accept: accept, ...credentials },
      verbatim: true,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    });
  } catch (e) {
    if (e instanceof DriftGuardError && e.code === 'E_FETCH' && /: HTTP (404|410)\b/.test(e.message)) {
      throw new DriftGuardError('E_PACKAGE', `${missing} (${displayUrl(url)} answered ${/HTTP (\d+)/.exec(e.message)?.[1]})`);
    }
    throw e;
  }
  const text = bytes.toString('utf8');
  try {
    return { body: JSON.parse(text) as unknown, text };
  } catch {
    return { body: undefined, text };
  }
}

/**
 * The verified artifact bytes: from the cache when a verified copy is there, else
 * downloaded and verified (`E_INTEGRITY`). `extract` runs on them; only when it succeeds
 * is a downloaded artifact cached (verified **and** extracted cleanly, as the Python
 * layer does).
 */
export async function artifact<T>(
  url: string,
  digests: Digest[],
  what: string,
  options: PackageOptions,
  credentials: Record<string, string>,
  extract: (data: Buffer) => T,
): Promise<T> {
  const dir = options.cacheDir ?? cacheDir(options.env ?? process.env, options.home);
  const cached = cacheGet(dir, digests);
  if (cached) {
    options.progress?.(`${what}: from the cache`);
    return extract(cached);
  }
  options.progress?.(`${what}: downloading ${displayUrl(url)}`);
  const data = await fetchUrl(url, {
    headers: credentials,
    verbatim: true,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
  });
  verify(data, digests, what);
  const out = extract(data);
  cachePut(dir, digests, data);
  return out;
}

/** A plain-object check. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
