// A tiny static file server for the tests: the built viewer at `/`, and named documents
// at `/docs/<name>` (with CORS, as a CI artifact server would send), on 127.0.0.1 and an
// ephemeral port. Nothing outside the viewer folder and the named documents is served.
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
};

/**
 * Serves `root` and `docs` (a map from name to file path). Resolves to
 * `{url, close, requests}`: `requests` lists every path asked for, in order.
 */
export function serve(root, docs = {}) {
  const requests = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const path = decodeURIComponent(url.pathname);
    requests.push(path);
    let file;
    const headers = { "cache-control": "no-store", "x-content-type-options": "nosniff" };
    if (path.startsWith("/docs/")) {
      file = docs[path.slice("/docs/".length)];
      headers["access-control-allow-origin"] = "*";
    } else {
      const rel = normalize(path === "/" ? "/index.html" : path);
      const candidate = join(root, rel);
      if (candidate.startsWith(root + sep)) file = candidate;
    }
    let size;
    try {
      size = file && statSync(file).isFile() ? statSync(file).size : undefined;
    } catch {
      size = undefined;
    }
    if (size === undefined) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
      return;
    }
    headers["content-type"] = TYPES[extname(file)] ?? "application/octet-stream";
    headers["content-length"] = String(size);
    res.writeHead(200, headers);
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
