/**
 * Integrity checks and the artifact cache. Artifacts are verified against the digest the
 * registry states (npm SRI `sha512-…`, the strongest algorithm present, `sha1` shasum as
 * the fallback; PyPI `sha256`) before anything is done with them; a mismatch is
 * `E_INTEGRITY`. Artifacts that verified and extracted cleanly are kept under `$DRIFTGUARD_CACHE/packages` or
 * `~/.cache/driftguard/packages` (see `cacheDir`), one file per digest (`sha512-<hex>`), written to a
 * temporary file in the same directory and renamed (atomic), re-verified on every read
 * (a corrupt entry is removed and fetched again). Nothing is written anywhere else.
 */
import { randomBytes, createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { DriftGuardError } from '../errors.js';

/** One digest: the algorithm (`sha512`, `sha384`, `sha256`, `sha1`) and the bytes. */
export interface Digest {
  algorithm: string;
  bytes: Buffer;
}

const STRENGTH = ['sha1', 'sha256', 'sha384', 'sha512'];

/** The digests of an SRI string (`sha512-<base64> sha1-<base64>`), unknown algorithms skipped. */
export function parseSri(sri: string): Digest[] {
  const out: Digest[] = [];
  for (const part of sri.trim().split(/\s+/)) {
    const m = /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/=]+)(\?.*)?$/.exec(part);
    if (m) out.push({ algorithm: m[1] as string, bytes: Buffer.from(m[2] as string, 'base64') });
  }
  return out;
}

/** The digests to verify: those of the strongest algorithm present. */
export function strongest(digests: Digest[]): Digest[] {
  const best = Math.max(-1, ...digests.map((d) => STRENGTH.indexOf(d.algorithm)));
  return digests.filter((d) => STRENGTH.indexOf(d.algorithm) === best);
}

/** True when `data` matches one of the strongest digests. */
export function matches(data: Buffer, digests: Digest[]): boolean {
  const best = strongest(digests);
  if (!best.length) return false;
  const algorithm = (best[0] as Digest).algorithm;
  const actual = createHash(algorithm).update(data).digest();
  return best.some((d) => d.bytes.equals(actual));
}

/** Throws `E_INTEGRITY` unless `data` matches. */
export function verify(data: Buffer, digests: Digest[], what: string): void {
  if (!strongest(digests).length) throw new DriftGuardError('E_INTEGRITY', `${what}: the registry states no usable digest`);
  if (!matches(data, digests)) {
    const d = strongest(digests)[0] as Digest;
    const actual = createHash(d.algorithm).update(data).digest('base64');
    throw new DriftGuardError(
      'E_INTEGRITY',
      `${what}: the downloaded bytes do not match the registry's ${d.algorithm} digest: they have ` +
        `${d.algorithm}-${actual}, the registry states ${d.algorithm}-${d.bytes.toString('base64')} (${data.length} bytes received)`,
    );
  }
}

/**
 * The cache directory: `$DRIFTGUARD_CACHE/packages`, else `$XDG_CACHE_HOME/driftguard/packages`,
 * else `~/.cache/driftguard/packages` (the Python fetch layer's: one cache for both).
 */
export function cacheDir(env: Record<string, string | undefined> = process.env, home: string = env['HOME'] || homedir()): string {
  const root = env['DRIFTGUARD_CACHE'];
  if (root) return join(root, 'packages');
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg ? xdg : join(home, '.cache'), 'driftguard', 'packages');
}

function key(digests: Digest[]): string {
  const d = strongest(digests)[0] as Digest;
  return `${d.algorithm}-${d.bytes.toString('hex')}`;
}

/** A verified artifact from the cache, or undefined (a corrupt entry is removed). */
export function cacheGet(dir: string, digests: Digest[]): Buffer | undefined {
  if (!strongest(digests).length) return undefined;
  const path = join(dir, key(digests));
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return undefined;
  }
  if (matches(data, digests)) return data;
  try {
    unlinkSync(path);
  } catch {
    // another process may have replaced it already
  }
  return undefined;
}

/** Stores a verified artifact (best effort: a read-only cache only costs a download). */
export function cachePut(dir: string, digests: Digest[], data: Buffer): void {
  if (!strongest(digests).length) return;
  const path = join(dir, key(digests));
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
  }
}
