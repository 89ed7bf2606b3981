// A real npm-protocol registry and PyPI simple index (PEP 691 JSON) on 127.0.0.1, for
// the package tests, and writers of tar and zip archives — including hostile ones
// (traversal, absolute paths, links, devices, bombs) that no ordinary packer writes.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';

function field(buf, offset, length, value) {
  Buffer.from(value, 'utf8').copy(buf, offset, 0, length);
}

function octal(buf, offset, length, n) {
  field(buf, offset, length, n.toString(8).padStart(length - 1, '0') + '\0');
}

/**
 * A tar archive (ustar). Entries: `{path, data?, type?, link?, mode?}`; `type` is the tar
 * type flag ('0' file, '5' directory, '1' hard link, '2' symlink, '3' char device, '6'
 * FIFO, 'x' pax header with `data` as the records). Deterministic (mtime 0, root owner).
 */
export function tar(entries) {
  const blocks = [];
  for (const e of entries) {
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '', 'utf8');
    const header = Buffer.alloc(512);
    field(header, 0, 100, e.path);
    octal(header, 100, 8, e.mode ?? (e.type === '5' ? 0o755 : 0o644));
    octal(header, 108, 8, 0);
    octal(header, 116, 8, 0);
    octal(header, 124, 12, e.size ?? data.length);
    octal(header, 136, 12, 0);
    header.fill(0x20, 148, 156);
    field(header, 156, 1, e.type ?? '0');
    field(header, 157, 100, e.link ?? '');
    field(header, 257, 6, 'ustar\0');
    field(header, 263, 2, '00');
    let sum = 0;
    for (const b of header) sum += b;
    field(header, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A gzip'd tar (deterministic for one zlib). */
export function tgz(entries) {
  return gzipSync(tar(entries), { level: 9 });
}

/**
 * A zip archive. Entries: `{path, data?, method? (0 stored, 8 deflate), symlink?, mode?}`.
 * Deterministic (a fixed DOS date).
 */
export function zip(entries) {
  const locals = [];
  const central = [];
  let offset = 0;
  for (const e of entries) {
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '', 'utf8');
    const method = e.method ?? 8;
    const packed = method === 8 ? deflateRawSync(data, { level: 9 }) : data;
    const name = Buffer.from(e.path, 'utf8');
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, packed);
    const mode = e.symlink ? 0o120777 : (e.mode ?? 0o100644);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE((3 << 8) | 20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x800, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt16LE(0, 12);
    cd.writeUInt16LE(0x21, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(packed.length, 20);
    cd.writeUInt32LE(data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE((mode << 16) >>> 0, 38);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);
    offset += 30 + name.length + packed.length;
  }
  const cdBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBytes, end]);
}

/** `sha512-<base64>` of bytes. */
export function sri(bytes) {
  return 'sha512-' + createHash('sha512').update(bytes).digest('base64');
}

/** Hex SHA-256 of bytes. */
export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Starts the registry. `npm(name, {versions: {v: {tarball, packageJson?, integrity?,
 * npmUser?, maintainers?}}, distTags})` publishes a packument; `pypi(project, files)`
 * publishes a simple page (`files`: `[{filename, bytes, sha256?, yanked?}]`).
 * `hits` counts GETs per path.
 */
export async function startRegistry() {
  const routes = new Map();
  const hits = new Map();
  const state = { auth: undefined, stall: false };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (state.stall) return; // never answers: the client's deadline must end it
    if (state.auth !== undefined && req.headers.authorization !== state.auth) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":"unauthorized"}');
      return;
    }
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not found"}');
      return;
    }
    res.writeHead(200, { 'content-type': route.type, 'content-length': route.body.length });
    res.end(route.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/`;
  return {
    url,
    hits,
    /** Require this exact `Authorization` header on every request (undefined: none). */
    requireAuth(value) {
      state.auth = value;
    },
    /** Stop answering (true) or answer again (false). */
    stall(value) {
      state.stall = value;
    },
    npm(name, { versions, distTags }) {
      const packument = { name, 'dist-tags': distTags ?? {}, versions: {} };
      for (const [version, v] of Object.entries(versions)) {
        const file = `/${name}/-/${name.split('/').pop()}-${version}.tgz`;
        routes.set(file, { type: 'application/octet-stream', body: v.tarball });
        const dist = { tarball: url.slice(0, -1) + file, shasum: createHash('sha1').update(v.tarball).digest('hex') };
        if (v.integrity !== null) dist.integrity = v.integrity ?? sri(v.tarball);
        packument.versions[version] = {
          ...(v.packageJson ?? {}),
          name,
          version,
          dist,
          ...(v.npmUser ? { _npmUser: v.npmUser } : {}),
          ...(v.maintainers ? { maintainers: v.maintainers } : {}),
        };
      }
      const body = Buffer.from(JSON.stringify(packument));
      routes.set(`/${name}`, { type: 'application/json', body });
    },
    pypi(project, files) {
      const page = {
        meta: { 'api-version': '1.1' },
        name: project,
        files: files.map((f) => {
          routes.set(`/files/${f.filename}`, { type: 'application/octet-stream', body: f.bytes });
          return {
            filename: f.filename,
            url: `../../files/${f.filename}`,
            hashes: { sha256: f.sha256 ?? sha256(f.bytes) },
            ...(f.yanked ? { yanked: true } : {}),
          };
        }),
      };
      routes.set(`/simple/${project}/`, { type: 'application/vnd.pypi.simple.v1+json', body: Buffer.from(JSON.stringify(page)) });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(resolve);
      }),
  };
}
