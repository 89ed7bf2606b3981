/**
 * Packages: `npm:NAME@RANGE` and `pypi:NAME==VERSION` resolved against the machine's
 * registry configuration, downloaded with the fetch layer's limits, verified, extracted
 * in memory, cached by integrity, written down as a package capture document
 * (conformance/PACKAGE_CAPTURE.md) — the same bytes as the Python fetch layer.
 */
import { readTar, readZip, type ArchiveFile } from './archive.js';
import { cacheDir, cacheGet, parseSri } from './cache.js';
import { isObject, limitsOf, parsePackageSpec, type PackageOptions, type PackageSpec } from './common.js';
import { isCodePath, packageDocumentText, sha256Hex, type PackageCaptureDocument } from './document.js';
import { npmDocument, npmFiles, resolveNpm, type NpmResolved } from './npm.js';
import { pypiDocument, pypiFiles, resolvePypi, type PypiResolved } from './pypi.js';

export { DEFAULT_ARCHIVE_LIMITS, readTar, readZip } from './archive.js';
export type { ArchiveFile, ArchiveLimits } from './archive.js';
export { cacheDir } from './cache.js';
export { parsePackageSpec } from './common.js';
export type { PackageOptions, PackageSpec } from './common.js';
export { MAX_TEXT_BYTES, MAX_TEXTS_TOTAL_BYTES, isCodePath, packageDocumentText } from './document.js';
export type { PackageCaptureDocument, PackageFileEntry } from './document.js';
export { DEFAULT_NPM_REGISTRY, DEFAULT_PYPI_INDEX, npmRegistry, pypiIndex } from './registry.js';

/** A resolved, downloaded, verified and extracted artifact. */
export interface FetchedPackage {
  spec: PackageSpec;
  /** The capture document; `texts` narrows which code files carry their text. */
  document(texts?: ReadonlySet<string>): PackageCaptureDocument;
  files: ArchiveFile[];
}

/** Resolves, downloads (or reads from the cache), verifies and extracts a package. */
export async function fetchPackage(spec: string | PackageSpec, options: PackageOptions = {}): Promise<FetchedPackage> {
  const s = typeof spec === 'string' ? parsePackageSpec(spec) : spec;
  if (s.ecosystem === 'npm') {
    const r = await resolveNpm(s.name, s.spec, options);
    const files = await npmFiles(r, options);
    return { spec: s, files, document: (texts) => npmDocument(r, files, texts) };
  }
  const r = await resolvePypi(s.name, s.spec, options);
  const files = await pypiFiles(r, options);
  return { spec: s, files, document: (texts) => pypiDocument(r, files, texts) };
}

/**
 * The package capture document of `npm:NAME@RANGE` / `pypi:NAME==VERSION`: every file
 * with its hash and size, and the texts of its code files (up to 8 MiB each, 32 MiB in
 * all). Errors: `E_PACKAGE`, `E_INTEGRITY`, `E_ARCHIVE`, `E_FETCH`, `E_TIMEOUT`, `E_TOO_LARGE`.
 */
export async function capturePackage(spec: string | PackageSpec, options: PackageOptions = {}): Promise<PackageCaptureDocument> {
  return (await fetchPackage(spec, options)).document();
}

/** The capture document's text, as `capture --package --document` writes it. */
export async function capturePackageText(spec: string | PackageSpec, options: PackageOptions = {}): Promise<string> {
  return packageDocumentText(await capturePackage(spec, options));
}

/** The code files whose path or content differs between two fetched packages. */
export function changedCodePaths(a: FetchedPackage, b: FetchedPackage): Set<string> {
  const hashes = (p: FetchedPackage) => new Map(p.files.map((f) => [f.path, sha256Hex(f.data)]));
  const ha = hashes(a);
  const hb = hashes(b);
  const out = new Set<string>();
  for (const path of new Set([...ha.keys(), ...hb.keys()])) {
    if (ha.get(path) !== hb.get(path) && isCodePath(path)) out.add(path);
  }
  return out;
}

/**
 * The capture documents of two versions, each with the texts of the code files that
 * differ between them (what the core's code review needs, PACKAGE_CAPTURE.md).
 */
export async function comparePackages(
  oldSpec: string | PackageSpec,
  newSpec: string | PackageSpec,
  options: PackageOptions = {},
): Promise<[PackageCaptureDocument, PackageCaptureDocument]> {
  const a = await fetchPackage(oldSpec, options);
  const b = await fetchPackage(newSpec, options);
  const changed = changedCodePaths(a, b);
  return [a.document(changed), b.document(changed)];
}

/** Two integrity strings name the same digests (order and repeats aside). */
export function sameIntegrity(a: unknown, b: unknown): boolean {
  const norm = (x: unknown) => (typeof x === 'string' && x.trim() ? [...new Set(x.trim().split(/\s+/))].sort().join(' ') : undefined);
  return norm(a) !== undefined && norm(a) === norm(b);
}

function fromCache(surface: Record<string, unknown>, options: PackageOptions): FetchedPackage | undefined {
  const { ecosystem, name, version, integrity } = surface;
  if (typeof name !== 'string' || typeof version !== 'string' || typeof integrity !== 'string') return undefined;
  const dir = options.cacheDir ?? cacheDir(options.env ?? process.env, options.home);
  const limits = limitsOf(options);
  if (ecosystem === 'npm') {
    const bytes = cacheGet(dir, parseSri(integrity));
    if (!bytes) return undefined;
    const files = readTar(bytes, 1, limits);
    const r: NpmResolved = { name, version, registry: '', tarball: '', integrity };
    return { spec: { ecosystem, name, spec: version }, files, document: (texts) => npmDocument(r, files, texts) };
  }
  if (ecosystem === 'pypi' && /^sha256:[0-9a-f]{64}$/.test(integrity)) {
    const sha256 = integrity.slice(7);
    const bytes = cacheGet(dir, [{ algorithm: 'sha256', bytes: Buffer.from(sha256, 'hex') }]);
    if (!bytes) return undefined;
    let files: ArchiveFile[];
    let kind: 'wheel' | 'sdist' = 'sdist';
    if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
      files = readZip(bytes, 0, limits);
      if (files.some((f) => /^[^/]+\.dist-info\/METADATA$/.test(f.path))) kind = 'wheel';
      else files = readZip(bytes, 1, limits);
    } else {
      files = readTar(bytes, 1, limits);
    }
    const filename = kind === 'wheel' ? 'cached.whl' : 'cached.tar.gz';
    const r: PypiResolved = { name, version, index: '', file: { filename, url: '', yanked: false }, kind, sha256 };
    return { spec: { ecosystem, name, spec: version }, files, document: (texts) => pypiDocument(r, files, texts) };
  }
  return undefined;
}

/**
 * The artifact of an approved `package` snapshot's surface (`ecosystem`, `name`,
 * `version`, `integrity`, `publisher`, `maintainers`): from the cache by integrity, else
 * from the registry by exact version, accepted only with the approved integrity. Its
 * documents take `publisher` and `maintainers` from the approved snapshot (the registry
 * may change them after approval; the bytes cannot change), so their snapshot's digest is
 * the lock's. Undefined when it cannot be had.
 */
export async function fetchApproved(surface: unknown, options: PackageOptions = {}): Promise<FetchedPackage | undefined> {
  if (!isObject(surface)) return undefined;
  let fetched: FetchedPackage | undefined;
  try {
    fetched = fromCache(surface, options);
    if (!fetched && (surface['ecosystem'] === 'npm' || surface['ecosystem'] === 'pypi')) {
      fetched = await fetchPackage({ ecosystem: surface['ecosystem'], name: String(surface['name']), spec: String(surface['version']) }, options);
    }
    if (!fetched || !sameIntegrity(fetched.document(new Set()).integrity, surface['integrity'])) return undefined;
  } catch {
    return undefined;
  }
  const base = fetched;
  return {
    ...base,
    document: (texts) => {
      const doc = base.document(texts);
      if (typeof surface['publisher'] === 'string') doc.publisher = surface['publisher'];
      else delete doc.publisher;
      const maintainers = surface['maintainers'];
      if (Array.isArray(maintainers) && maintainers.length) doc.manifest['maintainers'] = [...maintainers];
      else delete doc.manifest['maintainers'];
      return doc;
    },
  };
}
