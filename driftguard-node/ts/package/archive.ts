/**
 * Archive extraction in memory, with limits: gzip'd (or plain) tar for npm tarballs and
 * sdists, zip for wheels. Nothing is written to disk. Every regular file comes out as
 * `{path, data}`; anything hostile or broken is `E_ARCHIVE`: a path leaving the root
 * (`..`, absolute, a drive letter, a backslash), a symlink, a hard link, a device or FIFO,
 * more files than allowed, a file or a total over the limits, a compression ratio of a
 * bomb, a truncated or corrupt archive, two entries for one path.
 */
import { crc32, gunzipSync, inflateRawSync } from 'node:zlib';

import { DriftGuardError } from '../errors.js';

/** Limits of one extraction. */
export interface ArchiveLimits {
  /** Largest total of unpacked bytes (the tar stream, or the sum of zip entries). */
  maxTotalBytes: number;
  /** Largest single file. */
  maxFileBytes: number;
  /** Most entries (files, directories and anything else). */
  maxFiles: number;
  /** Largest ratio of unpacked to packed bytes (checked past `ratioFloorBytes` unpacked). */
  maxRatio: number;
  /** Unpacked bytes below which the ratio is not checked (tiny archives compress well). */
  ratioFloorBytes: number;
}

/** Default limits: 256 MiB unpacked, 64 MiB per file, 20 000 entries, ratio 200 past 1 MiB (as the Python fetch layer). */
export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxTotalBytes: 256 * 1024 * 1024,
  maxFileBytes: 64 * 1024 * 1024,
  maxFiles: 20_000,
  maxRatio: 200,
  ratioFloorBytes: 1024 * 1024,
});

/** One regular file of an archive. */
export interface ArchiveFile {
  /** Relative `/`-separated path (after the prefix is stripped). */
  path: string;
  data: Buffer;
}

function bad(message: string): DriftGuardError {
  return new DriftGuardError('E_ARCHIVE', message);
}

/**
 * Checks and normalizes an entry's path: `./` and empty segments dropped; absolute
 * paths, drive letters, backslashes, NUL and `..` rejected. `strip` leading segments
 * are removed (npm's `package/`, an sdist's `NAME-VERSION/`); null when nothing is left.
 */
export function entryPath(raw: string, strip: number): string | null {
  const shown = JSON.stringify(raw.length > 200 ? raw.slice(0, 200) + '…' : raw);
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) throw bad(`entry ${shown} has an absolute path`);
  if (raw.includes('\\')) throw bad(`entry ${shown} has a backslash in its path`);
  if (raw.includes('\0')) throw bad(`entry ${shown} has a NUL in its path`);
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw bad(`entry ${shown} leaves the archive's root (..)`);
  const kept = segments.slice(strip);
  return kept.length ? kept.join('/') : null;
}

function gunzip(bytes: Buffer, limits: ArchiveLimits): Buffer {
  const ceiling = Math.min(limits.maxTotalBytes, Math.max(limits.ratioFloorBytes, bytes.length * limits.maxRatio));
  try {
    return gunzipSync(bytes, { maxOutputLength: ceiling });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw ceiling === limits.maxTotalBytes
        ? bad(`the archive unpacks to more than ${limits.maxTotalBytes} bytes`)
        : bad(`the archive unpacks to more than ${limits.maxRatio} times its ${bytes.length} bytes (a decompression bomb)`);
    }
    throw bad(`the gzip stream is corrupt or truncated: ${(e as Error).message}`);
  }
}

function cString(buf: Buffer, start: number, end: number): string {
  const slice = buf.subarray(start, end);
  const nul = slice.indexOf(0);
  return (nul >= 0 ? slice.subarray(0, nul) : slice).toString('utf8');
}

function octal(buf: Buffer, start: number, end: number, what: string): number {
  const first = buf[start] as number;
  if (first & 0x80) {
    // GNU base-256: big-endian, the top bit marks it (negative values are invalid here).
    if (first & 0x40) throw bad(`a tar header has a negative ${what}`);
    let n = first & 0x3f;
    for (let i = start + 1; i < end; i++) {
      n = n * 256 + (buf[i] as number);
      if (n > Number.MAX_SAFE_INTEGER) throw bad(`a tar header's ${what} is too large`);
    }
    return n;
  }
  const text = cString(buf, start, end).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw bad(`a tar header's ${what} is not an octal number`);
  return parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  let stored: number;
  try {
    stored = octal(header, 148, 156, 'checksum');
  } catch {
    return false;
  }
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (header[i] as number);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number(data.subarray(i, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) throw bad('a pax header is corrupt');
    const record = data.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

/**
 * Reads a tar archive (gzip'd when it starts with the gzip magic) in memory.
 * `strip`: leading path segments to drop (1 for npm tarballs and sdists).
 */
export function readTar(bytes: Buffer, strip: number, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): ArchiveFile[] {
  const tar = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzip(bytes, limits) : bytes;
  if (tar.length > limits.maxTotalBytes) throw bad(`the archive unpacks to more than ${limits.maxTotalBytes} bytes`);
  const files: ArchiveFile[] = [];
  const seen = new Set<string>();
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let offset = 0;
  let entries = 0;
  for (;;) {
    if (offset + 512 > tar.length) {
      if (offset === tar.length) break; // the end-of-archive blocks are optional
      throw bad('the tar archive is truncated (a partial header)');
    }
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    if (!checksumOk(header)) throw bad(`a tar header at byte ${offset} has a bad checksum (corrupt or not a tar)`);
    const type = String.fromCharCode(header[156] as number);
    let size = octal(header, 124, 136, 'size');
    if (pax['size'] !== undefined && type !== 'x' && type !== 'g') {
      size = Number(pax['size']);
      if (!Number.isSafeInteger(size) || size < 0) throw bad('a pax size is invalid');
    }
    const dataStart = offset + 512;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length) throw bad('the tar archive is truncated (an entry ends past the end)');
    const data = tar.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      pax = { ...pax, ...paxRecords(data) };
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L' || type === 'K') {
      const value = cString(data, 0, data.length);
      if (type === 'L') longName = value;
      else longLink = value;
      continue;
    }
    const magic = header.subarray(257, 263).toString('latin1');
    const prefix = magic === 'ustar\0' ? cString(header, 345, 500) : '';
    const base = cString(header, 0, 100);
    const raw = pax['path'] ?? longName ?? (prefix ? `${prefix}/${base}` : base);
    const link = pax['linkpath'] ?? longLink ?? cString(header, 157, 257);
    pax = {};
    longName = undefined;
    longLink = undefined;
    entries += 1;
    if (entries > limits.maxFiles) throw bad(`the archive holds more than ${limits.maxFiles} entries`);
    const shown = JSON.stringify(raw.length > 200 ? raw.slice(0, 200) + '…' : raw);
    switch (type) {
      case '0':
      case '\0':
      case '7':
        break;
      case '5':
        entryPath(raw, 0); // a hostile directory name is still an error
        continue;
      case '1':
        throw bad(`entry ${shown} is a hard link (to ${JSON.stringify(link)}); links are refused`);
      case '2':
        throw bad(`entry ${shown} is a symbolic link (to ${JSON.stringify(link)}); links are refused`);
      case '3':
      case '4':
        throw bad(`entry ${shown} is a device; only regular files are accepted`);
      case '6':
        throw bad(`entry ${shown} is a FIFO; only regular files are accepted`);
      default:
        throw bad(`entry ${shown} has the unsupported tar type ${JSON.stringify(type)}`);
    }
    const path = entryPath(raw, strip);
    if (path === null) throw bad(`entry ${shown} lies outside the package directory`);
    if (size > limits.maxFileBytes) throw bad(`entry ${shown} is ${size} bytes, over the limit of ${limits.maxFileBytes}`);
    if (seen.has(path)) throw bad(`the archive holds ${JSON.stringify(path)} twice`);
    seen.add(path);
    files.push({ path, data: Buffer.from(data) });
  }
  if (entries === 0) throw bad('the tar archive is empty');
  return files;
}

const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function cp437(buf: Buffer): string {
  let s = '';
  for (const b of buf) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return s;
}

/**
 * Reads a zip archive (a wheel, a zip sdist) in memory. `strip`: leading path segments
 * to drop (0 for wheels). Stored and deflated entries; CRC and sizes are checked.
 */
export function readZip(bytes: Buffer, strip: number, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): ArchiveFile[] {
  let eocd = -1;
  for (let i = bytes.length - 22; i >= 0 && i >= bytes.length - 22 - 0xffff; i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('not a zip archive (no end of central directory), or truncated');
  const count = bytes.readUInt16LE(eocd + 10);
  const cdSize = bytes.readUInt32LE(eocd + 12);
  const cdOffset = bytes.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) {
    throw bad('zip64 archives are not supported');
  }
  if (cdOffset + cdSize > eocd) throw bad('the zip central directory lies outside the archive (truncated or corrupt)');
  if (count > limits.maxFiles) throw bad(`the archive holds more than ${limits.maxFiles} entries`);
  const files: ArchiveFile[] = [];
  const seen = new Set<string>();
  let total = 0;
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > eocd || bytes.readUInt32LE(p) !== 0x02014b50) throw bad('the zip central directory is corrupt');
    const madeBy = bytes.readUInt16LE(p + 4);
    const flags = bytes.readUInt16LE(p + 8);
    const method = bytes.readUInt16LE(p + 10);
    const crc = bytes.readUInt32LE(p + 16);
    const csize = bytes.readUInt32LE(p + 20);
    const usize = bytes.readUInt32LE(p + 24);
    const nameLen = bytes.readUInt16LE(p + 28);
    const extraLen = bytes.readUInt16LE(p + 30);
    const commentLen = bytes.readUInt16LE(p + 32);
    const external = bytes.readUInt32LE(p + 38);
    const local = bytes.readUInt32LE(p + 42);
    const nameBytes = bytes.subarray(p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (p > eocd) throw bad('the zip central directory is corrupt');
    const raw = flags & 0x800 ? nameBytes.toString('utf8') : cp437(nameBytes);
    const shown = JSON.stringify(raw.length > 200 ? raw.slice(0, 200) + '…' : raw);
    const mode = madeBy >> 8 === 3 ? external >>> 16 : 0;
    const kind = mode & 0o170000;
    if (kind === 0o120000) throw bad(`entry ${shown} is a symbolic link; links are refused`);
    const isDir = raw.endsWith('/') || kind === 0o040000;
    if (!isDir && kind !== 0 && kind !== 0o100000) {
      throw bad(`entry ${shown} is not a regular file (mode ${mode.toString(8)})`);
    }
    if (isDir) {
      entryPath(raw, 0);
      continue;
    }
    if (flags & 0x1) throw bad(`entry ${shown} is encrypted`);
    if (method !== 0 && method !== 8) throw bad(`entry ${shown} uses the unsupported compression method ${method}`);
    const path = entryPath(raw, strip);
    if (usize > limits.maxFileBytes) throw bad(`entry ${shown} is ${usize} bytes, over the limit of ${limits.maxFileBytes}`);
    if (local + 30 > bytes.length || bytes.readUInt32LE(local) !== 0x04034b50) {
      throw bad(`entry ${shown}: its local header is missing (truncated or corrupt)`);
    }
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    if (start + csize > bytes.length) throw bad(`entry ${shown} is truncated`);
    const packed = bytes.subarray(start, start + csize);
    let data: Buffer;
    if (method === 0) {
      data = Buffer.from(packed);
    } else {
      const remaining = limits.maxTotalBytes - total;
      const byRatio = Math.max(limits.ratioFloorBytes, csize * limits.maxRatio);
      const ceiling = Math.min(limits.maxFileBytes, remaining, byRatio);
      try {
        data = inflateRawSync(packed, { maxOutputLength: Math.max(ceiling, 1) });
      } catch (e) {
        if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
          if (ceiling === byRatio) {
            throw bad(`entry ${shown} unpacks to more than ${limits.maxRatio} times its ${csize} bytes (a decompression bomb)`);
          }
          if (ceiling === remaining) throw bad(`the archive unpacks to more than ${limits.maxTotalBytes} bytes`);
          throw bad(`entry ${shown} is over the limit of ${limits.maxFileBytes} bytes`);
        }
        throw bad(`entry ${shown}: corrupt deflate data (${(e as Error).message})`);
      }
    }
    if (data.length !== usize) throw bad(`entry ${shown}: ${data.length} bytes unpacked, ${usize} declared (corrupt)`);
    if (crc32(data) >>> 0 !== crc) throw bad(`entry ${shown}: CRC mismatch (corrupt)`);
    total += data.length;
    if (total > limits.maxTotalBytes) throw bad(`the archive unpacks to more than ${limits.maxTotalBytes} bytes`);
    if (total > limits.ratioFloorBytes && total > bytes.length * limits.maxRatio) {
      throw bad(`the archive unpacks to more than ${limits.maxRatio} times its ${bytes.length} bytes (a decompression bomb)`);
    }
    if (path === null) throw bad(`entry ${shown} lies outside the package directory`);
    if (seen.has(path)) throw bad(`the archive holds ${JSON.stringify(path)} twice`);
    seen.add(path);
    files.push({ path, data });
  }
  return files;
}
