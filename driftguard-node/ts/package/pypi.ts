/**
 * PyPI: resolves `NAME` (the latest final release) or `NAME==VERSION` on the configured
 * simple index through the PEP 691 JSON API (`Accept: application/vnd.pypi.simple.v1+json`;
 * an HTML PEP 503 page is read too), prefers a `py3-none-any` wheel, else the sdist,
 * verifies its `sha256`, extracts it in memory (a wheel as is, an sdist without its
 * `NAME-VERSION/` prefix) and writes the capture document: `requiresDist`, `entryPoints`,
 * `maintainers` from the wheel's `METADATA`/`entry_points.txt` or the sdist's `PKG-INFO`,
 * and for an sdist its build hooks in `scripts`.
 */
import { DriftGuardError } from '../errors.js';
import { readTar, readZip, type ArchiveFile } from './archive.js';
import { type Digest } from './cache.js';
import { artifact, getJson, isObject, limitsOf, type PackageOptions } from './common.js';
import { byCodePoint, fileEntries, sha256Hex, type PackageCaptureDocument } from './document.js';
import { pypiIndex } from './registry.js';

/** PEP 503 normalization: lowercase, runs of `-_.` → `-`. */
export function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** A parsed PEP 440 version. */
interface Pep440 {
  epoch: number;
  release: number[];
  pre?: [number, number];
  post?: number;
  dev?: number;
  local?: string;
}

const PEP440 =
  /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

/** Parses a PEP 440 version (undefined when it is not one). */
export function parsePep440(text: string): Pep440 | undefined {
  const m = PEP440.exec(text);
  if (!m) return undefined;
  const v: Pep440 = { epoch: m[1] ? Number(m[1]) : 0, release: (m[2] as string).split('.').map(Number) };
  if (m[3]) {
    const l = m[3].toLowerCase();
    const kind = l === 'a' || l === 'alpha' ? 0 : l === 'b' || l === 'beta' ? 1 : 2;
    v.pre = [kind, m[4] ? Number(m[4]) : 0];
  }
  if (m[5] !== undefined) v.post = Number(m[5]);
  else if (m[6] !== undefined) v.post = m[7] ? Number(m[7]) : 0;
  if (m[8] !== undefined) v.dev = m[9] ? Number(m[9]) : 0;
  if (m[10]) v.local = m[10].toLowerCase().replace(/[-_]/g, '.');
  return v;
}

function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two PEP 440 versions (epoch, release, pre, post, dev, local). */
export function comparePep440(a: Pep440, b: Pep440): number {
  let c = cmpNum(a.epoch, b.epoch);
  if (c) return c;
  const n = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < n; i++) {
    c = cmpNum(a.release[i] ?? 0, b.release[i] ?? 0);
    if (c) return c;
  }
  // pre: a dev release of a final sorts before its pre-releases; no pre sorts last.
  const preKey = (v: Pep440): [number, number, number] =>
    v.pre ? [1, v.pre[0], v.pre[1]] : v.dev !== undefined && v.post === undefined ? [0, 0, 0] : [2, 0, 0];
  const pa = preKey(a);
  const pb = preKey(b);
  for (let i = 0; i < 3; i++) {
    c = cmpNum(pa[i] as number, pb[i] as number);
    if (c) return c;
  }
  c = cmpNum(a.post ?? -1, b.post ?? -1);
  if (c) return c;
  c = cmpNum(a.dev ?? Infinity, b.dev ?? Infinity);
  if (c) return c;
  const la = (a.local ?? '').split('.').filter(Boolean);
  const lb = (b.local ?? '').split('.').filter(Boolean);
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    const x = la[i];
    const y = lb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) c = cmpNum(Number(x), Number(y));
    else if (xn !== yn) c = xn ? 1 : -1;
    else c = x < y ? -1 : x > y ? 1 : 0;
    if (c) return c;
  }
  return 0;
}

/** One distribution file listed by the index. */
export interface IndexFile {
  filename: string;
  url: string;
  sha256?: string;
  yanked: boolean;
}

/** What a filename says: its version and kind. */
export interface FileInfo {
  version: string;
  kind: 'wheel' | 'sdist';
  /** Wheels: python, abi and platform tags. */
  tags?: [string, string, string];
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The version and kind of a wheel or sdist filename of project `name` (undefined: neither). */
export function fileInfo(name: string, filename: string): FileInfo | undefined {
  if (filename.endsWith('.whl')) {
    const parts = filename.slice(0, -4).split('-');
    if (parts.length !== 5 && parts.length !== 6) return undefined;
    if (pep503(parts[0] as string) !== pep503(name)) return undefined;
    const n = parts.length;
    return { version: parts[1] as string, kind: 'wheel', tags: [parts[n - 3] as string, parts[n - 2] as string, parts[n - 1] as string] };
  }
  const ext = ['.tar.gz', '.zip'].find((e) => filename.toLowerCase().endsWith(e));
  if (!ext) return undefined;
  const stem = filename.slice(0, -ext.length);
  const re = new RegExp(`^${pep503(name).split('-').map(escapeRe).join('[-_.]+')}-(.+)$`, 'i');
  const m = re.exec(stem);
  if (!m || !parsePep440(m[1] as string)) return undefined;
  return { version: m[1] as string, kind: 'sdist' };
}

function pureWheel(tags: [string, string, string]): boolean {
  return tags[0].split('.').includes('py3') && tags[1] === 'none' && tags[2] === 'any';
}

/** Reads a PEP 691 JSON project page, or a PEP 503 HTML one. */
export function indexFiles(body: unknown, text: string, pageUrl: string): IndexFile[] {
  const out: IndexFile[] = [];
  if (isObject(body) && Array.isArray(body['files'])) {
    for (const f of body['files']) {
      if (!isObject(f) || typeof f['filename'] !== 'string' || typeof f['url'] !== 'string') continue;
      const hashes = isObject(f['hashes']) ? f['hashes'] : {};
      const sha = typeof hashes['sha256'] === 'string' ? hashes['sha256'].toLowerCase() : undefined;
      const yanked = f['yanked'] !== undefined && f['yanked'] !== false && f['yanked'] !== null;
      out.push({ filename: f['filename'], url: new URL(f['url'], pageUrl).toString(), ...(sha ? { sha256: sha } : {}), yanked });
    }
    return out;
  }
  const anchor = /<a\s([^>]*)>([^<]*)<\/a>/gi;
  for (const m of text.matchAll(anchor)) {
    const attrs = m[1] as string;
    const href = /href\s*=\s*["']([^"']+)["']/i.exec(attrs)?.[1];
    if (!href) continue;
    const decoded = href.replace(/&amp;/g, '&');
    const url = new URL(decoded, pageUrl);
    const sha = /(?:^|&)sha256=([0-9a-fA-F]{64})/.exec(url.hash.slice(1))?.[1];
    url.hash = '';
    const filename = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
    out.push({ filename, url: url.toString(), ...(sha ? { sha256: sha.toLowerCase() } : {}), yanked: /data-yanked/i.test(attrs) });
  }
  return out;
}

/** A resolved PyPI distribution file. */
export interface PypiResolved {
  /** The name as requested (the document takes the published `Name` from the metadata). */
  name: string;
  version: string;
  index: string;
  file: IndexFile;
  kind: 'wheel' | 'sdist';
  sha256: string;
}

/** Picks the version and the file (a `py3-none-any` wheel, else an sdist). */
export function pickFile(name: string, spec: string, files: IndexFile[]): { version: string; file: IndexFile; kind: 'wheel' | 'sdist' } {
  const byVersion = new Map<string, { parsed: Pep440; files: { file: IndexFile; info: FileInfo }[] }>();
  for (const file of files) {
    const info = fileInfo(name, file.filename);
    if (!info) continue;
    const parsed = parsePep440(info.version);
    if (!parsed) continue;
    const key = info.version;
    const entry = byVersion.get(key) ?? { parsed, files: [] };
    entry.files.push({ file, info });
    byVersion.set(key, entry);
  }
  let version: string | undefined;
  if (spec === 'latest') {
    const usable = [...byVersion.entries()].filter(([, e]) => e.files.some((f) => !f.file.yanked && (f.info.kind === 'sdist' || pureWheel(f.info.tags as [string, string, string]))));
    const finals = usable.filter(([, e]) => !e.parsed.pre && e.parsed.dev === undefined);
    const pool = finals.length ? finals : usable;
    pool.sort(([, a], [, b]) => comparePep440(b.parsed, a.parsed));
    version = pool[0]?.[0];
    if (version === undefined) throw new DriftGuardError('E_PACKAGE', `pypi:${name} has no installable release (a py3-none-any wheel or an sdist)`);
  } else {
    const wanted = parsePep440(spec);
    if (!wanted) throw new DriftGuardError('E_PACKAGE', `pypi:${name}: ${JSON.stringify(spec)} is not a PEP 440 version`);
    version = [...byVersion.entries()].find(([, e]) => comparePep440(e.parsed, wanted) === 0)?.[0];
    if (version === undefined) throw new DriftGuardError('E_PACKAGE', `pypi:${name}==${spec} is not published`);
  }
  const candidates = (byVersion.get(version) as { files: { file: IndexFile; info: FileInfo }[] }).files;
  // A pinned yanked release is still installable (pip allows `==`); prefer what is not yanked.
  const order = (xs: { file: IndexFile; info: FileInfo }[]) =>
    [...xs].sort((a, b) => Number(a.file.yanked) - Number(b.file.yanked) || byCodePoint(a.file.filename, b.file.filename));
  const wheel = order(candidates.filter((c) => c.info.kind === 'wheel' && pureWheel(c.info.tags as [string, string, string])))[0];
  const sdist =
    order(candidates.filter((c) => c.info.kind === 'sdist' && c.file.filename.toLowerCase().endsWith('.tar.gz')))[0] ??
    order(candidates.filter((c) => c.info.kind === 'sdist'))[0];
  const chosen = wheel ?? sdist;
  if (!chosen) throw new DriftGuardError('E_PACKAGE', `pypi:${name}==${version} has neither a py3-none-any wheel nor an sdist`);
  return { version, file: chosen.file, kind: chosen.info.kind };
}

/** Resolves `name` (`latest`) or `name==spec` on the configured (or given) index. */
export async function resolvePypi(name: string, spec: string, options: PackageOptions = {}): Promise<PypiResolved> {
  const index = options.registry
    ? options.registry.endsWith('/')
      ? options.registry
      : `${options.registry}/`
    : pypiIndex({ env: options.env ?? process.env, ...(options.home ? { home: options.home } : {}) });
  options.progress?.(`resolving pypi:${name}${spec === 'latest' ? '' : `==${spec}`} on ${index}`);
  const page = `${index}${pep503(name)}/`;
  const { body, text } = await getJson(
    page,
    'application/vnd.pypi.simple.v1+json, text/html;q=0.1',
    options,
    `no PyPI project ${name} on ${index}`,
  );
  const files = indexFiles(body, text, page);
  const { version, file, kind } = pickFile(name, spec, files);
  if (!file.sha256) throw new DriftGuardError('E_INTEGRITY', `pypi:${name}==${version}: the index states no sha256 for ${file.filename}`);
  return { name, version, index, file, kind, sha256: file.sha256 };
}

/** Downloads (or reads from the cache), verifies and extracts a resolved file. */
export async function pypiFiles(r: PypiResolved, options: PackageOptions = {}): Promise<ArchiveFile[]> {
  const digests: Digest[] = [{ algorithm: 'sha256', bytes: Buffer.from(r.sha256, 'hex') }];
  const bytes = await artifact(r.file.url, digests, `pypi:${r.name}==${r.version}`, options);
  const limits = limitsOf(options);
  if (r.kind === 'wheel' || r.file.filename.toLowerCase().endsWith('.zip')) return readZip(bytes, r.kind === 'wheel' ? 0 : 1, limits);
  return readTar(bytes, 1, limits);
}

/** RFC 822-style headers of METADATA/PKG-INFO (up to the first blank line), multi-valued. */
export function metadataHeaders(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let last: { key: string; index: number } | undefined;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (line === '') break;
    if (/^[ \t]/.test(line) && last) {
      const values = out.get(last.key) as string[];
      values[last.index] = `${values[last.index] as string}\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const values = out.get(key) ?? [];
    values.push(line.slice(colon + 1).trim());
    out.set(key, values);
    last = { key, index: values.length - 1 };
  }
  return out;
}

/** `Author`/`Author-email`/`Maintainer`/`Maintainer-email` as `name <email>` strings. */
export function pypiMaintainers(headers: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [nameKey, emailKey] of [
    ['author', 'author-email'],
    ['maintainer', 'maintainer-email'],
  ] as const) {
    const name = (headers.get(nameKey)?.[0] ?? '').trim();
    const email = (headers.get(emailKey)?.[0] ?? '').trim();
    if (email) out.push(email.includes('<') ? email : name ? `${name} <${email}>` : `<${email}>`);
    else if (name) out.push(name);
  }
  return out;
}

/** `entry_points.txt`: `{group: {name: value}}`. */
export function parseEntryPoints(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let group: string | undefined;
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      group = (header[1] as string).trim();
      out[group] ??= {};
      continue;
    }
    const m = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (m && group !== undefined) (out[group] as Record<string, string>)[m[1] as string] = m[2] as string;
  }
  return out;
}

function pyprojectBuildBackend(text: string): string | undefined {
  let section = '';
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim();
    const header = /^\[([^\]]+)\]/.exec(line);
    if (header) {
      section = (header[1] as string).trim();
      continue;
    }
    if (section !== 'build-system') continue;
    const m = /^build-backend\s*=\s*(["'])(.*)\1\s*(#.*)?$/.exec(line);
    if (m) return m[2];
  }
  return undefined;
}

/** The capture document of an extracted wheel or sdist. */
export function pypiDocument(r: PypiResolved, files: ArchiveFile[], onlyTexts?: ReadonlySet<string>): PackageCaptureDocument {
  const metaFile =
    r.kind === 'wheel'
      ? files
          .filter((f) => /^[^/]+\.dist-info\/METADATA$/.test(f.path))
          .sort((a, b) => byCodePoint(a.path, b.path))[0]
      : files.find((f) => f.path === 'PKG-INFO');
  if (!metaFile) {
    throw new DriftGuardError('E_ARCHIVE', `pypi:${r.name}==${r.version}: ${r.kind === 'wheel' ? 'the wheel has no *.dist-info/METADATA' : 'the sdist has no PKG-INFO'}`);
  }
  const headers = metadataHeaders(metaFile.data.toString('utf8'));
  const manifest: Record<string, unknown> = {};
  const requires = headers.get('requires-dist') ?? [];
  if (requires.length) manifest['requiresDist'] = requires;
  if (r.kind === 'wheel') {
    const dir = metaFile.path.slice(0, metaFile.path.indexOf('/'));
    const ep = files.find((f) => f.path === `${dir}/entry_points.txt`);
    if (ep) {
      const groups = parseEntryPoints(ep.data.toString('utf8'));
      if (Object.keys(groups).length) manifest['entryPoints'] = groups;
    }
  } else {
    const scripts: Record<string, string> = {};
    const pyproject = files.find((f) => f.path === 'pyproject.toml');
    const backend = pyproject ? pyprojectBuildBackend(pyproject.data.toString('utf8')) : undefined;
    if (backend) scripts['build-backend'] = backend;
    const setup = files.find((f) => f.path === 'setup.py');
    if (setup) scripts['setup.py'] = sha256Hex(setup.data);
    if (Object.keys(scripts).length) manifest['scripts'] = scripts;
  }
  const maintainers = pypiMaintainers(headers);
  if (maintainers.length) manifest['maintainers'] = maintainers;
  const published = headers.get('name')?.[0];
  return {
    ecosystem: 'pypi',
    name: published || r.name,
    version: r.version,
    integrity: `sha256:${r.sha256}`,
    manifest,
    files: fileEntries(files, onlyTexts),
  };
}
