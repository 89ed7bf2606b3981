/**
 * Packages: `npm:NAME@RANGE` and `pypi:NAME==VERSION` resolved against the machine's
 * registry configuration, downloaded with the fetch layer's limits, verified, extracted
 * in memory, cached by integrity, written down as a package capture document
 * (conformance/PACKAGE_CAPTURE.md) — the same bytes as the Python fetch layer.
 */
import type { ArchiveFile } from './archive.js';
import { parsePackageSpec, type PackageOptions, type PackageSpec } from './common.js';
import { isCodePath, packageDocumentText, sha256Hex, type PackageCaptureDocument } from './document.js';
import { npmDocument, npmFiles, resolveNpm } from './npm.js';
import { pypiDocument, pypiFiles, resolvePypi } from './pypi.js';

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
 * with its hash and size, and the texts of its code files (up to 8 MiB each, 16 MiB in
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
