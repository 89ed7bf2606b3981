/**
 * The package capture document (conformance/PACKAGE_CAPTURE.md) from an extracted,
 * verified artifact, and its text — byte for byte what the Python fetch layer writes
 * (`json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"`).
 *
 * Decisions both fetch layers share (so the same artifact gives the same bytes):
 * - `files` in path order (UTF-8 byte order = code point order), one per regular file.
 * - `text` for code files only (the core's `is_code_path`: by extension, extensionless
 *   files under a `bin/` directory; never `.d.ts`/`.d.mts`/`.d.cts`/`.pyi`/`.map`) whose
 *   bytes are valid UTF-8 (a BOM kept), at most 8 MiB each, in path order while the texts'
 *   total stays within 32 MiB (a text that would pass it is skipped, later ones may fit;
 *   the Python layer's `MAX_TEXT_BYTES`, docs/packages.md).
 *   `onlyTexts` (a set of paths, e.g. the code files that differ between two versions)
 *   replaces that rule: the texts of exactly those paths (UTF-8, at most 8 MiB each).
 */
import { createHash } from 'node:crypto';

import type { ArchiveFile } from './archive.js';

/** Largest text sent for one file (the core's review limit), bytes. */
export const MAX_TEXT_BYTES = 8 * 1024 * 1024;
/** Largest total of texts in one capture document, bytes. */
export const MAX_TEXTS_TOTAL_BYTES = 32 * 1024 * 1024;

/** One file of a capture document. */
export interface PackageFileEntry {
  path: string;
  sha256: string;
  size: number;
  text?: string;
}

/** The package capture document (see conformance/PACKAGE_CAPTURE.md). */
export interface PackageCaptureDocument {
  ecosystem: 'npm' | 'pypi';
  name: string;
  version: string;
  integrity?: string;
  publisher?: unknown;
  manifest: Record<string, unknown>;
  files: PackageFileEntry[];
}

const CODE_EXTENSIONS = new Set([
  'js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx', 'py', 'pyw', 'sh', 'bash', 'zsh', 'ps1', 'bat', 'cmd', 'rb', 'pl',
  'php', 'lua',
]);
const NON_RUNNING_SUFFIXES = ['.d.ts', '.d.mts', '.d.cts', '.pyi', '.map'];

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The core's `is_code_path` (driftguard-core/src/classify/heuristics/code.rs). */
export function isCodePath(path: string): boolean {
  const lower = asciiLower(path);
  if (NON_RUNNING_SUFFIXES.some((s) => lower.endsWith(s))) return false;
  const file = path.slice(path.lastIndexOf('/') + 1);
  const dot = file.lastIndexOf('.');
  if (dot > 0) return CODE_EXTENSIONS.has(asciiLower(file.slice(dot + 1)));
  return lower.startsWith('bin/') || lower.includes('/bin/');
}

/** Compares strings by code point (= UTF-8 byte order, Python's `str` order). */
export function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function utf8(data: Buffer): string | undefined {
  try {
    return decoder.decode(data);
  } catch {
    return undefined;
  }
}

/** SHA-256 of bytes, lowercase hex. */
export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The `files` member: every file in path order, texts per the rules above. */
export function fileEntries(files: ArchiveFile[], onlyTexts?: ReadonlySet<string>): PackageFileEntry[] {
  const sorted = [...files].sort((a, b) => byCodePoint(a.path, b.path));
  let total = 0;
  return sorted.map((f) => {
    const entry: PackageFileEntry = { path: f.path, sha256: sha256Hex(f.data), size: f.data.length };
    // A set of paths: those (any file), no total; else code files within the total.
    const wanted = onlyTexts ? onlyTexts.has(f.path) : isCodePath(f.path) && total + f.data.length <= MAX_TEXTS_TOTAL_BYTES;
    if (wanted && f.data.length <= MAX_TEXT_BYTES) {
      const text = utf8(f.data);
      if (text !== undefined) {
        entry.text = text;
        total += f.data.length;
      }
    }
    return entry;
  });
}

function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}

function pyJson(v: unknown, indent: string): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'string') return pyString(v);
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[\n' + v.map((x) => inner + pyJson(x, inner)).join(',\n') + '\n' + indent + ']';
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return '{}';
  entries.sort(([a], [b]) => byCodePoint(a, b));
  return '{\n' + entries.map(([k, x]) => inner + pyString(k) + ': ' + pyJson(x, inner)).join(',\n') + '\n' + indent + '}';
}

/**
 * A document as `capture --document` writes it: keys sorted, two-space indent, non-ASCII
 * unescaped, a final newline — the bytes of Python's `json.dumps(doc, indent=2,
 * sort_keys=True, ensure_ascii=False) + "\n"`.
 */
export function packageDocumentText(doc: unknown): string {
  return pyJson(doc, '') + '\n';
}
