"""A real package registry on 127.0.0.1 (ephemeral port) for the package tests.

It speaks the npm registry protocol (``GET /NAME`` → the packument, ``GET
/NAME/-/FILE.tgz`` → the tarball) and the PyPI simple API (``GET /simple/NAME/`` → the
PEP 691 JSON project page, ``GET /files/FILE`` → the file). Packages are published at
test time from bytes built here (:func:`npm_tarball`, :func:`tar_gz`, :func:`wheel`).
Anything else can be proxied to an upstream registry (``upstream=``), so that ``npx``
can install a test package's real dependencies through it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import ssl
import tarfile
import threading
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx

MTIME = 499162500  # npm pack's fixed mtime (1985-10-26T08:15:00Z)


def sri(data: bytes, algorithm: str = "sha512") -> str:
    """The SRI integrity string of ``data``."""
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def tar_gz(members: list[tuple[tarfile.TarInfo, bytes | None]], *, level: int = 9) -> bytes:
    """A gzipped tar of raw members (any type, any name: hostile archives too)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, body in members:
            tar.addfile(info, io.BytesIO(body) if body is not None else None)
    return gzip.compress(raw.getvalue(), compresslevel=level, mtime=0)


def file_member(name: str, body: bytes, mode: int = 0o644) -> tuple[tarfile.TarInfo, bytes]:
    """A regular-file member."""
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(body), mode, MTIME
    return info, body


def npm_tarball(files: Mapping[str, bytes | str], prefix: str = "package/") -> bytes:
    """A tarball as ``npm pack`` lays it out (``package/`` prefix, fixed mtime)."""
    members = []
    for path in sorted(files):
        body = files[path]
        data = body.encode() if isinstance(body, str) else body
        mode = 0o755 if path.startswith("bin/") or data.startswith(b"#!") else 0o644
        members.append(file_member(prefix + path, data, mode))
    return tar_gz(members)


def wheel(files: Mapping[str, bytes | str], *, symlinks: Mapping[str, str] | None = None) -> bytes:
    """A zip (wheel) of ``files``; ``symlinks`` adds Unix symlink entries."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(files):
            body = files[path]
            info = zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, body.encode() if isinstance(body, str) else body)
        for path, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = (0o120777) << 16
            z.writestr(info, target)
    return raw.getvalue()


@dataclass
class NpmVersion:
    manifest: dict[str, Any]
    tarball: bytes
    integrity: str
    shasum: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class PypiFile:
    filename: str
    body: bytes
    sha256: str
    yanked: bool | str = False


class Registry:
    """The registry's state; :func:`serve` runs it."""

    def __init__(self, upstream: str | None = None) -> None:
        self.npm: dict[str, dict[str, NpmVersion]] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self.pypi: dict[str, list[PypiFile]] = {}
        self.upstream = upstream.rstrip("/") if upstream else None
        self.url = ""
        self.requests: list[str] = []
        #: (path, Authorization header or None) per request.
        self.auth: list[tuple[str, str | None]] = []
        #: (path, User-Agent) per request.
        self.agents: list[tuple[str, str]] = []
        #: Serve PEP 503 HTML project pages instead of PEP 691 JSON.
        self.html = False
        self.lock = threading.Lock()

    # -- npm -------------------------------------------------------------------------

    def publish_npm(
        self,
        manifest: Mapping[str, Any],
        tarball: bytes,
        *,
        tag: str | None = "latest",
        integrity: str | None = None,
        shasum: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> NpmVersion:
        """Publishes one version; ``integrity``/``shasum`` override the true ones."""
        name, version = manifest["name"], manifest["version"]
        v = NpmVersion(
            dict(manifest),
            tarball,
            sri(tarball) if integrity is None else integrity,
            hashlib.sha1(tarball).hexdigest() if shasum is None else shasum,
            dict(extra or {}),
        )
        with self.lock:
            self.npm.setdefault(name, {})[version] = v
            if tag:
                self.tags.setdefault(name, {})[tag] = version
        return v

    def tarball_url(self, name: str, version: str) -> str:
        base = name.rsplit("/", 1)[-1]
        return f"{self.url}{name}/-/{base}-{version}.tgz"

    def packument(self, name: str) -> dict[str, Any]:
        versions = {}
        for version, v in self.npm[name].items():
            doc = {**v.manifest, **v.extra}
            doc["dist"] = {
                "integrity": v.integrity,
                "shasum": v.shasum,
                "tarball": self.tarball_url(name, version),
            }
            if not v.integrity:
                del doc["dist"]["integrity"]
            versions[version] = doc
        return {"name": name, "dist-tags": dict(self.tags.get(name, {})), "versions": versions}

    # -- PyPI ------------------------------------------------------------------------

    def publish_pypi(
        self,
        project: str,
        filename: str,
        body: bytes,
        *,
        sha256: str | None = None,
        yanked: bool | str = False,
    ) -> PypiFile:
        """Adds a file to a project's page; ``sha256`` overrides the true digest."""
        f = PypiFile(
            filename, body, hashlib.sha256(body).hexdigest() if sha256 is None else sha256, yanked
        )
        with self.lock:
            self.pypi.setdefault(project, []).append(f)
        return f

    def simple_page(self, project: str) -> dict[str, Any]:
        return {
            "meta": {"api-version": "1.1"},
            "name": project,
            "files": [
                {
                    "filename": f.filename,
                    "url": f"{self.url}files/{quote(f.filename)}",
                    "hashes": {"sha256": f.sha256},
                    "yanked": f.yanked,
                }
                for f in self.pypi[project]
            ],
        }


_UPSTREAM: dict[tuple[str, str], tuple[int, bytes, str]] = {}
_UPSTREAM_LOCK = threading.Lock()
_CLIENT: list[httpx.Client] = []


def _upstream_get(url: str, accept: str) -> tuple[int, bytes, str]:
    """GETs an upstream URL once per test session (one pooled client for all)."""
    key = (url, accept)
    with _UPSTREAM_LOCK:
        if key in _UPSTREAM:
            return _UPSTREAM[key]
        if not _CLIENT:
            _CLIENT.append(
                httpx.Client(
                    verify=ssl.create_default_context(),
                    timeout=60,
                    follow_redirects=True,
                    limits=httpx.Limits(max_connections=16),
                )
            )
        client = _CLIENT[0]
    r = client.get(url, headers={"Accept": accept} if accept else {})
    answer = (r.status_code, r.content, r.headers.get("Content-Type", "application/json"))
    if r.status_code == 200:
        with _UPSTREAM_LOCK:
            _UPSTREAM[key] = answer
    return answer


def _handler(reg: Registry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def send(
            self,
            status: int,
            body: bytes,
            content_type: str = "application/json",
            cache_control: str = "no-cache",
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", cache_control)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            with reg.lock:
                reg.requests.append(path)
                reg.auth.append((path, self.headers.get("Authorization")))
                reg.agents.append((path, self.headers.get("User-Agent", "")))
            name = unquote(path.lstrip("/"))
            if name.startswith("simple/"):
                project = name[len("simple/") :].strip("/")
                if project in reg.pypi and reg.html:
                    links = "".join(
                        f'<a href="{f["url"]}#sha256={f["hashes"]["sha256"]}"'
                        + (' data-yanked=""' if f["yanked"] else "")
                        + f">{f['filename']}</a><br/>\n"
                        for f in reg.simple_page(project)["files"]
                    )
                    page = f"<!DOCTYPE html><html><body>\n{links}</body></html>\n"
                    self.send(200, page.encode(), "text/html")
                    return
                if project in reg.pypi:
                    body = json.dumps(reg.simple_page(project)).encode()
                    self.send(200, body, "application/vnd.pypi.simple.v1+json")
                    return
                self.send(404, b'{"error":"not found"}')
                return
            if name.startswith("files/"):
                filename = name[len("files/") :]
                for files in reg.pypi.values():
                    for f in files:
                        if f.filename == filename:
                            self.send(200, f.body, "application/octet-stream")
                            return
                self.send(404, b"not found", "text/plain")
                return
            if "/-/" in name:
                pkg, _, file = name.partition("/-/")
                for version, v in reg.npm.get(pkg, {}).items():
                    if file == f"{pkg.rsplit('/', 1)[-1]}-{version}.tgz":
                        self.send(200, v.tarball, "application/octet-stream")
                        return
            elif name in reg.npm:
                self.send(200, json.dumps(reg.packument(name)).encode())
                return
            if reg.upstream is None:
                self.send(404, b'{"error":"not found"}')
                return
            self.proxy(path)

        def proxy(self, path: str) -> None:
            assert reg.upstream is not None
            accept = self.headers.get("Accept", "")
            try:
                status, body, content_type = _upstream_get(reg.upstream + path, accept)
            except httpx.HTTPError as e:
                self.send(502, str(e).encode(), "text/plain")
                return
            # Upstream answers may be cached by the client (their content never changes
            # within a test run); the test's own packages are never cached.
            self.send(status, body, content_type, "public, max-age=300")

    return Handler


@contextmanager
def serve(reg: Registry) -> Iterator[Registry]:
    """Runs ``reg`` on 127.0.0.1 (port 0) until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(reg))
    server.daemon_threads = True
    reg.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield reg
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
