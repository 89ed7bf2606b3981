/**
 * npm: resolves `NAME@RANGE` against the configured registry's packument (dist-tags,
 * exact versions, semver ranges — the `latest` tag when it satisfies the range, else the
 * highest matching version, as npm picks), downloads the tarball, verifies
 * `dist.integrity` (or the `sha1` shasum of old packages), extracts it in memory without
 * its `package/` prefix and writes the capture document.
 */
import * as semver from 'semver';

import { DriftGuardError } from '../errors.js';
import { displayUrl } from '../fetch.js';
import { readTar, type ArchiveFile } from './archive.js';
import { parseSri, type Digest } from './cache.js';
import { artifact, getJson, isObject, limitsOf, type PackageOptions } from './common.js';
import { fileEntries, type PackageCaptureDocument } from './document.js';
import { givenRegistry, headersFor, npmRegistryConfig, type RegistryConfig } from './registry.js';

/** A resolved npm version. */
export interface NpmResolved {
  name: string;
  version: string;
  registry: string;
  tarball: string;
  /** Credentials for the tarball's URL (on the registry's host only); never written anywhere. */
  headers?: Record<string, string>;
  /** `dist.integrity` verbatim, or `sha1-<base64>` of `dist.shasum` when there is none. */
  integrity: string;
  publisher?: unknown;
  maintainers?: unknown;
}

/** The packument URL of a name (`@scope%2fname`). */
export function packumentUrl(registry: string, name: string): string {
  return registry + name.replace('/', '%2f');
}

/** Picks the version `spec` names among `versions` (npm's rules, see the module doc). */
export function pickVersion(
  name: string,
  spec: string,
  versions: string[],
  distTags: Record<string, unknown>,
  deprecated: (version: string) => boolean = () => false,
): string {
  const tag = distTags[spec];
  if (typeof tag === 'string') {
    if (!versions.includes(tag)) throw new DriftGuardError('E_PACKAGE', `${name}: the dist-tag ${spec} names ${tag}, which is not published`);
    return tag;
  }
  if (spec === 'latest') throw new DriftGuardError('E_PACKAGE', `${name} has no latest dist-tag`);
  const exact = semver.valid(semver.clean(spec, { loose: true }) ?? '');
  if (exact) {
    if (versions.includes(exact)) return exact;
    throw new DriftGuardError('E_PACKAGE', `${name}@${exact} is not published`);
  }
  const range = semver.validRange(spec, { loose: true });
  if (range === null) {
    throw new DriftGuardError('E_PACKAGE', `${name}: ${JSON.stringify(spec)} is neither a dist-tag, a version nor a semver range`);
  }
  const latest = distTags['latest'];
  if (typeof latest === 'string' && versions.includes(latest) && semver.satisfies(latest, range, { loose: true })) return latest;
  const ok = versions.filter((v) => semver.valid(v) && semver.satisfies(v, range, { loose: true }));
  // Not deprecated when possible (npm-pick-manifest); a deprecated one when nothing else matches.
  const fresh = ok.filter((v) => !deprecated(v));
  const best = semver.maxSatisfying(fresh.length ? fresh : ok, range, { loose: true });
  if (best === null) throw new DriftGuardError('E_PACKAGE', `no version of ${name} matches ${JSON.stringify(spec)}`);
  return best;
}

/** Resolves `name@spec` on the configured (or given) registry. */
export async function resolveNpm(name: string, spec: string, options: PackageOptions = {}): Promise<NpmResolved> {
  const config: RegistryConfig = options.registry
    ? givenRegistry(options.registry)
    : npmRegistryConfig(name, { env: options.env ?? process.env, ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.home ? { home: options.home } : {}) });
  const registry = config.url;
  options.progress?.(`resolving npm:${name}@${spec} on ${displayUrl(registry)}`);
  const url = packumentUrl(registry, name);
  const { body } = await getJson(url, 'application/json', options, `no npm package ${name} on ${displayUrl(registry)}`, headersFor(config, url));
  if (!isObject(body) || !isObject(body['versions'])) {
    throw new DriftGuardError('E_PACKAGE', `the registry's answer for ${name} is not a packument`);
  }
  const versionsObj = body['versions'];
  const distTags = isObject(body['dist-tags']) ? body['dist-tags'] : {};
  const version = pickVersion(name, spec, Object.keys(versionsObj), distTags, (x) => {
    const d = versionsObj[x];
    return isObject(d) && d['deprecated'] !== undefined && d['deprecated'] !== null && d['deprecated'] !== false && d['deprecated'] !== '';
  });
  const v = versionsObj[version];
  const dist = isObject(v) && isObject(v['dist']) ? v['dist'] : undefined;
  if (!isObject(v) || !dist || typeof dist['tarball'] !== 'string') {
    throw new DriftGuardError('E_PACKAGE', `${name}@${version}: the packument has no tarball URL`);
  }
  let integrity: string;
  if (typeof dist['integrity'] === 'string' && parseSri(dist['integrity']).length) {
    integrity = dist['integrity'].trim();
  } else if (typeof dist['shasum'] === 'string' && /^[0-9a-f]{40}$/i.test(dist['shasum'])) {
    integrity = `sha1-${Buffer.from(dist['shasum'], 'hex').toString('base64')}`;
  } else {
    throw new DriftGuardError('E_INTEGRITY', `${name}@${version}: the registry states neither dist.integrity nor dist.shasum`);
  }
  const resolved: NpmResolved = { name, version, registry, tarball: dist['tarball'], integrity, headers: headersFor(config, dist['tarball']) };
  const publisher = person(v['_npmUser']);
  if (publisher !== undefined) resolved.publisher = publisher;
  if (Array.isArray(v['maintainers'])) {
    const people = v['maintainers'].map(person).filter((p) => p !== undefined);
    if (people.length) resolved.maintainers = people;
  }
  return resolved;
}

/** A person as the document keeps it: a non-blank string, or `{name, email?}` (other members dropped). */
function person(v: unknown): unknown {
  if (typeof v === 'string') return v.trim() ? v : undefined;
  if (isObject(v) && typeof v['name'] === 'string') {
    return typeof v['email'] === 'string' ? { name: v['name'], email: v['email'] } : { name: v['name'] };
  }
  return undefined;
}

function strings(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return Object.keys(out).length ? out : undefined;
}


/** The capture document of an extracted tarball. */
export function npmDocument(r: NpmResolved, files: ArchiveFile[], onlyTexts?: ReadonlySet<string>): PackageCaptureDocument {
  const pkgFile = files.find((f) => f.path === 'package.json');
  if (!pkgFile) throw new DriftGuardError('E_PACKAGE', `npm:${r.name}@${r.version}: the tarball has no package.json`);
  let pkg: unknown;
  try {
    pkg = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(pkgFile.data));
  } catch (e) {
    throw new DriftGuardError('E_PACKAGE', `npm:${r.name}@${r.version}: package.json is not JSON: ${(e as Error).message}`);
  }
  if (!isObject(pkg)) throw new DriftGuardError('E_PACKAGE', `npm:${r.name}@${r.version}: package.json is not an object`);
  // What decides what runs, with the types the core reads (string maps keep their strings).
  const manifest: Record<string, unknown> = {};
  for (const group of ['dependencies', 'optionalDependencies', 'peerDependencies', 'scripts']) {
    const values = strings(pkg[group]);
    if (values) manifest[group] = values;
  }
  if (typeof pkg['bin'] === 'string') manifest['bin'] = pkg['bin'];
  else if (strings(pkg['bin'])) manifest['bin'] = strings(pkg['bin']);
  if (typeof pkg['main'] === 'string') manifest['main'] = pkg['main'];
  if (pkg['exports'] !== undefined && pkg['exports'] !== null) manifest['exports'] = pkg['exports'];
  if (r.maintainers !== undefined) manifest['maintainers'] = r.maintainers;
  const doc: PackageCaptureDocument = {
    ecosystem: 'npm',
    name: r.name,
    version: r.version,
    integrity: r.integrity,
    manifest,
    files: fileEntries(files, onlyTexts),
  };
  if (r.publisher !== undefined) doc.publisher = r.publisher;
  return doc;
}

/** The digests an npm integrity string states. */
export function npmDigests(integrity: string): Digest[] {
  return parseSri(integrity);
}

/** Downloads (or reads from the cache), verifies and extracts a resolved version. */
export async function npmFiles(r: NpmResolved, options: PackageOptions = {}): Promise<ArchiveFile[]> {
  return artifact(r.tarball, npmDigests(r.integrity), `npm:${r.name}@${r.version}`, options, r.headers ?? {}, (bytes) =>
    readTar(bytes, 1, limitsOf(options)),
  );
}
