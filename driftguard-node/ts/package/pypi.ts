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
import { displayUrl } from '../fetch.js';
import { readTar, readZip, type ArchiveFile } from './archive.js';
import { type Digest } from './cache.js';
import { artifact, getJson, isObject, limitsOf, type PackageOptions } from './common.js';
import { byCodePoint, fileEntries, sha256Hex, type PackageCaptureDocument } from './document.js';
import { givenRegistry, headersFor, pypiIndexConfig, type RegistryConfig } from './registry.js';

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

/** The version and kind of a wheel or sdist (`.tar.gz`, `.zip`) filename of project `name`. */
export function fileInfo(name: string, filename: string): FileInfo | undefined {
  const project = pep503(name);
  if (filename.endsWith('.whl')) {
    const parts = filename.slice(0, -4).split('-');
    if (parts.length !== 5 && parts.length !== 6) return undefined;
    if (pep503(parts[0] as string) !== project) return undefined;
    const n = parts.length;
    return { version: parts[1] as string, kind: 'wheel', tags: [parts[n - 3] as string, parts[n - 2] as string, parts[n - 1] as string] };
  }
  for (const ext of ['.tar.gz', '.zip']) {
    if (!filename.endsWith(ext)) continue;
    const stem = filename.slice(0, -ext.length);
    const dash = stem.lastIndexOf('-');
    if (dash >= 0 && pep503(stem.slice(0, dash)) === project) return { version: stem.slice(dash + 1), kind: 'sdist' };
  }
  return undefined;
}

/** A pure-Python wheel: a `py3*` python tag, abi `none`, platform `any`. */
function pureWheel(tags: [string, string, string]): boolean {
  return tags[1].split('.').includes('none') && tags[2].split('.').includes('any') && tags[0].split('.').some((p) => p.startsWith('py3'));
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
  /** Credentials for the file's URL (on the index's host only); never written anywhere. */
  headers?: Record<string, string>;
}

/**
 * Picks the version and the file. `latest`: the greatest version that is not a
 * pre-release and has a file not yanked; `==V`: V (yanked allowed, as pip does). The
 * file: the first pure-Python wheel by filename, else the first `.tar.gz` sdist, else
 * the first other sdist.
 */
export function pickFile(name: string, spec: string, files: IndexFile[]): { version: string; file: IndexFile; kind: 'wheel' | 'sdist' } {
  const byVersion = new Map<string, { parsed: Pep440; files: { file: IndexFile; info: FileInfo }[] }>();
  for (const file of files) {
    const info = fileInfo(name, file.filename);
    if (!info) continue;
    const parsed = parsePep440(info.version);
    if (!parsed) continue;
    const entry = byVersion.get(info.version) ?? { parsed, files: [] };
    entry.files.push({ file, info });
    byVersion.set(info.version, entry);
  }
  if (!byVersion.size) throw new DriftGuardError('E_PACKAGE', `pypi:${name}: the index lists no wheel or sdist of ${name}`);
  const exact = spec === 'latest' ? undefined : parsePep440(spec);
  if (spec !== 'latest' && !exact) throw new DriftGuardError('E_PACKAGE', `pypi:${name}: ${JSON.stringify(spec)} is not a PEP 440 version`);
  const candidates = [...byVersion.entries()].filter(([, e]) => {
    if (exact) return comparePep440(exact.local === undefined ? { ...e.parsed, local: undefined } : e.parsed, exact) === 0;
    return !e.files.every((f) => f.file.yanked) && !e.parsed.pre && e.parsed.dev === undefined;
  });
  if (!candidates.length) {
    throw new DriftGuardError(
      'E_PACKAGE',
      exact ? `pypi:${name}==${spec} is not published` : `pypi:${name}: no release matches (yanked and pre-releases skipped)`,
    );
  }
  let best = candidates[0] as [string, { parsed: Pep440; files: { file: IndexFile; info: FileInfo }[] }];
  for (const c of candidates) if (comparePep440(c[1].parsed, best[1].parsed) > 0) best = c;
  const [version, entry] = best;
  const choices = entry.files.filter((f) => exact || !f.file.yanked);
  const byName = (xs: { file: IndexFile; info: FileInfo }[]) => [...xs].sort((a, b) => byCodePoint(a.file.filename, b.file.filename));
  const wheels = byName(choices.filter((c) => c.info.kind === 'wheel' && pureWheel(c.info.tags as [string, string, string])));
  const sdists = byName(choices.filter((c) => c.info.kind === 'sdist'));
  const chosen = wheels[0] ?? sdists.find((c) => c.file.filename.endsWith('.tar.gz')) ?? sdists[0];
  if (!chosen) throw new DriftGuardError('E_PACKAGE', `pypi:${name}==${version} has no pure-Python wheel and no sdist`);
  return { version, file: chosen.file, kind: chosen.info.kind };
}

/** Resolves `name` (`latest`) or `name==spec` on the configured (or given) index. */
export async function resolvePypi(name: string, spec: string, options: PackageOptions = {}): Promise<PypiResolved> {
  const config: RegistryConfig = options.registry
    ? givenRegistry(options.registry)
    : pypiIndexConfig({ env: options.env ?? process.env, ...(options.home ? { home: options.home } : {}) });
  const index = config.url;
  options.progress?.(`resolving pypi:${name}${spec === 'latest' ? '' : `==${spec}`} on ${displayUrl(index)}`);
  const page = `${index}${pep503(name)}/`;
  const { body, text } = await getJson(
    page,
    'application/vnd.pypi.simple.v1+json, text/html;q=0.1',
    options,
    `no PyPI project ${name} on ${displayUrl(index)}`,
    headersFor(config, page),
  );
  const files = indexFiles(body, text, page);
  const { version, file, kind } = pickFile(name, spec, files);
  if (!file.sha256) throw new DriftGuardError('E_INTEGRITY', `pypi:${name}==${version}: the index states no sha256 for ${file.filename}`);
  return { name, version, index, file, kind, sha256: file.sha256, headers: headersFor(config, file.url) };
}

/** Downloads (or reads from the cache), verifies and extracts a resolved file. */
export async function pypiFiles(r: PypiResolved, options: PackageOptions = {}): Promise<ArchiveFile[]> {
  const digests: Digest[] = [{ algorithm: 'sha256', bytes: Buffer.from(r.sha256, 'hex') }];
  const limits = limitsOf(options);
  return artifact(r.file.url, digests, `pypi:${r.name}==${r.version}`, options, r.headers ?? {}, (bytes) => {
    if (r.kind === 'wheel' || r.file.filename.endsWith('.zip')) return readZip(bytes, r.kind === 'wheel' ? 0 : 1, limits);
    return readTar(bytes, 1, limits);
  });
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

/** `Name <addr>` pairs of an address list (what Python's `email.utils.getaddresses` reads). */
export function addresses(text: string): [string, string][] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  let paren = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && quoted) {
      current += c + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') angle++;
    else if (!quoted && c === '>') angle = Math.max(0, angle - 1);
    else if (!quoted && c === '(') paren++;
    else if (!quoted && c === ')') paren = Math.max(0, paren - 1);
    if (c === ',' && !quoted && !angle && !paren) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  const out: [string, string][] = [];
  for (const raw of parts) {
    const part = raw.trim();
    if (!part) continue;
    const angled = /^(.*?)\s*<([^>]*)>\s*$/s.exec(part);
    if (angled) {
      let name = (angled[1] as string).trim();
      if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1).replace(/\\(.)/g, '$1');
      out.push([name, (angled[2] as string).trim()]);
      continue;
    }
    const commented = /^(\S+)\s*\((.*)\)$/s.exec(part);
    if (commented) out.push([(commented[2] as string).trim(), commented[1] as string]);
    else out.push(['', part]);
  }
  return out;
}

function people(nameValue: string | undefined, emails: string | undefined): string[] {
  const out: string[] = [];
  const name = (nameValue ?? '').trim() || undefined;
  if (emails && emails.trim()) {
    const pairs = addresses(emails).filter(([, a]) => a);
    for (const [n, a] of pairs) {
      const label = n.trim() || (name && pairs.length === 1 ? name : '');
      out.push(label ? `${label} <${a}>` : `<${a}>`);
    }
    if (!pairs.length && name) out.push(name);
  } else if (name) {
    out.push(name);
  }
  return out;
}

/** `Author`/`Author-email`/`Maintainer`/`Maintainer-email` as a sorted set of `name <email>` strings. */
export function pypiMaintainers(headers: Map<string, string[]>): string[] {
  const all = [
    ...people(headers.get('author')?.[0], headers.get('author-email')?.[0]),
    ...people(headers.get('maintainer')?.[0], headers.get('maintainer-email')?.[0]),
  ];
  return [...new Set(all)].sort(byCodePoint);
}

/**
 * `entry_points.txt` as Python's `configparser` reads it (`=` only, names case-kept, no
 * interpolation): `{group: {name: value}}`, empty groups dropped; anything it would
 * reject (a line before the first section, a line without `=`) gives `{}`.
 */
export function parseEntryPoints(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let group: string | undefined;
  let last: { key: string; indent: number } | undefined;
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim();
    const indent = raw.length - raw.trimStart().length;
    if (!line || line.startsWith('#') || line.startsWith(';')) {
      if (!line) last = undefined;
      continue;
    }
    if (group !== undefined && last && indent > last.indent) {
      const g = out[group] as Record<string, string>;
      g[last.key] = g[last.key] ? `${g[last.key]}\n${line}` : line;
      continue;
    }
    const header = /^\[(.+)\]/.exec(line);
    if (header) {
      group = header[1] as string;
      out[group] ??= {};
      last = undefined;
      continue;
    }
    if (group === undefined) return {};
    const m = /^(.*?)\s*=\s*(.*)$/.exec(line);
    if (!m || !(m[1] as string).trim()) return {};
    const key = (m[1] as string).trim();
    (out[group] as Record<string, string>)[key] = (m[2] as string).trim();
    last = { key, indent };
  }
  for (const g of Object.keys(out)) if (!Object.keys(out[g] as object).length) delete out[g];
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
  const what = `pypi:${r.name}==${r.version}`;
  const byPath = new Map(files.map((f) => [f.path, f]));
  let metaPath: string | undefined;
  let epPath: string | undefined;
  if (r.kind === 'wheel') {
    const infos = [...new Set(files.map((f) => f.path.split('/')[0] as string))]
      .filter((d) => d.endsWith('.dist-info') && files.some((f) => f.path.startsWith(`${d}/`) && f.path.split('/').length === 2))
      .sort(byCodePoint);
    metaPath = infos.map((d) => `${d}/METADATA`).find((p) => byPath.has(p));
    if (!metaPath) throw new DriftGuardError('E_PACKAGE', `${what}: the wheel has no .dist-info/METADATA`);
    epPath = `${metaPath.slice(0, metaPath.lastIndexOf('/'))}/entry_points.txt`;
  } else {
    metaPath = 'PKG-INFO';
    if (!byPath.has(metaPath)) throw new DriftGuardError('E_PACKAGE', `${what}: the sdist has no PKG-INFO`);
    epPath = files
      .map((f) => f.path)
      .filter((p) => p.endsWith('.egg-info/entry_points.txt') && p.split('/').length === 2)
      .sort(byCodePoint)[0];
  }
  let metaText: string;
  try {
    metaText = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode((byPath.get(metaPath) as ArchiveFile).data);
  } catch {
    throw new DriftGuardError('E_PACKAGE', `${what}: ${metaPath} is not UTF-8`);
  }
  const headers = metadataHeaders(metaText);
  const manifest: Record<string, unknown> = {};
  const requires = (headers.get('requires-dist') ?? []).map((x) => x.trim());
  if (requires.length) manifest['requiresDist'] = requires;
  const ep = epPath !== undefined ? byPath.get(epPath) : undefined;
  if (ep) {
    const groups = parseEntryPoints(ep.data.toString('utf8'));
    if (Object.keys(groups).length) manifest['entryPoints'] = groups;
  }
  if (r.kind !== 'wheel') {
    const scripts: Record<string, string> = {};
    const pyproject = byPath.get('pyproject.toml');
    const backend = pyproject ? pyprojectBuildBackend(pyproject.data.toString('utf8')) : undefined;
    if (backend) scripts['build-backend'] = backend;
    const setup = byPath.get('setup.py');
    if (setup) scripts['setup.py'] = sha256Hex(setup.data);
    if (Object.keys(scripts).length) manifest['scripts'] = scripts;
  }
  const maintainers = pypiMaintainers(headers);
  if (maintainers.length) manifest['maintainers'] = maintainers;
  const published = headers.get('name')?.[0]?.trim();
  const version = headers.get('version')?.[0]?.trim();
  return {
    ecosystem: 'pypi',
    name: published || r.name,
    version: version || r.version,
    integrity: `sha256:${r.sha256}`,
    manifest,
    files: fileEntries(files, onlyTexts),
  };
}
