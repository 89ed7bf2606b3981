"""From a package spec to the package capture document (``conformance/PACKAGE_CAPTURE.md``).

:func:`fetch` resolves the spec against the configured registry, takes the artifact from
the cache or downloads it, verifies it (``E_INTEGRITY``), caches it, and extracts it in
memory (``E_ARCHIVE``). :func:`build_document` writes the capture document: identity,
manifest, and every regular file with its SHA-256 and size, plus the texts of the code
files asked for. Which texts:

- one package (:func:`capture_package_document`, ``driftguard capture --package``, a
  ``npm:``/``pypi:`` argument of ``driftguard diff``): every code file's text, in path
  order, up to ``MAX_TEXT_BYTES`` in all;
- two versions (:func:`compare_packages`): the code files whose path or hash differs
  between them, on both sides.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import _driftguard as _n
from .._driftguard import Snapshot
from ..errors import DriftGuardError, PackageError
from ..fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT
from . import npm, pypi
from ._http import get, new_client
from .archive import Limits, extract_tar_gz, extract_zip
from .cache import ArtifactCache
from .registry import npm_registry, pypi_index

__all__ = [
    "MAX_TEXT_BYTES",
    "Fetched",
    "PackageSpec",
    "build_document",
    "capture_package",
    "capture_package_document",
    "compare_packages",
    "fetch",
    "fetch_approved",
    "is_code",
    "is_package_spec",
    "parse_spec",
    "read_spec",
]

#: The most text bytes one capture document carries (a single capture's code files).
MAX_TEXT_BYTES = 32 * 1024 * 1024
#: Texts larger than this are not sent: the core does not review them either.
MAX_ONE_TEXT_BYTES = 8 * 1024 * 1024

_CODE_EXTENSIONS = frozenset(
    [
        "js",
        "mjs",
        "cjs",
        "jsx",
        "ts",
        "mts",
        "cts",
        "tsx",
        "py",
        "pyw",
        "sh",
        "bash",
        "zsh",
        "ps1",
        "bat",
        "cmd",
        "rb",
        "pl",
        "php",
        "lua",
    ]
)
_NOT_CODE = (".d.ts", ".d.mts", ".d.cts", ".pyi", ".map")


def is_code(path: str) -> bool:
    """True for a file the core's code review reads (by extension; extensionless files
    under ``bin/``; never ``.d.ts``, ``.pyi`` or ``.map``)."""
    lowered = path.lower()
    if lowered.endswith(_NOT_CODE):
        return False
    base = lowered.rsplit("/", 1)[-1]
    if "." not in base:
        return lowered.startswith("bin/") or "/bin/" in lowered
    return base.rsplit(".", 1)[-1] in _CODE_EXTENSIONS


@dataclass(frozen=True)
class PackageSpec:
    """``npm:NAME@SPEC`` or ``pypi:NAME[SPECIFIER]``; ``spec`` is ``latest`` when absent."""

    ecosystem: str
    name: str
    spec: str = "latest"

    def __str__(self) -> str:
        if self.ecosystem == "npm":
            return f"npm:{self.name}@{self.spec}"
        if self.spec == "latest":
            return f"pypi:{self.name}"
        return f"pypi:{self.name}{self.spec if self.spec[0] in '<>=!~' else '==' + self.spec}"


_PYPI_SPEC = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*?)\s*$")


def is_package_spec(text: str) -> bool:
    """True for text that reads as a package spec (``npm:…`` / ``pypi:…``)."""
    return text.startswith(("npm:", "pypi:"))


def parse_spec(text: str) -> PackageSpec:
    """Parses ``npm:NAME[@SPEC]`` / ``pypi:NAME[==VER|SPECIFIER]`` (``E_PACKAGE`` when
    malformed)."""
    ecosystem, sep, rest = text.partition(":")
    if not sep or ecosystem not in ("npm", "pypi"):
        raise PackageError(f"{text!r}: a package is written npm:NAME@VERSION or pypi:NAME==VERSION")
    if ecosystem == "npm":
        at = rest.find("@", 1)
        name, spec = (rest, "latest") if at < 0 else (rest[:at], rest[at + 1 :] or "latest")
        if not npm.valid_name(name):
            raise PackageError(f"{text!r}: {name!r} is not a valid npm package name")
        return PackageSpec("npm", name, spec.strip())
    m = _PYPI_SPEC.match(rest)
    if m is None or not pypi.valid_name(m[1]):
        raise PackageError(f"{text!r}: not a valid PyPI project name")
    spec = m[2]
    if spec.startswith("["):
        raise PackageError(f"{text!r}: extras are not supported")
    if spec.startswith("==") and not spec.startswith("===") and "," not in spec:
        spec = spec if spec.endswith(".*") else spec[2:].strip()
    return PackageSpec("pypi", m[1], spec or "latest")


@dataclass
class Fetched:
    """A verified, extracted artifact and what the registry said about it."""

    ecosystem: str
    name: str
    version: str
    integrity: str
    manifest: dict[str, Any]
    #: The archive's regular files (relative paths, without the npm/sdist prefix).
    files: dict[str, bytes]
    publisher: Any = None
    #: True when the artifact came from the cache (re-verified), not the network.
    from_cache: bool = False
    #: The artifact's URL.
    url: str = ""
    digests: dict[str, str] = field(default_factory=dict)

    def file_hashes(self) -> dict[str, str]:
        """``{path: sha256 hex}`` of every file."""
        if not self.digests:
            self.digests = {p: hashlib.sha256(b).hexdigest() for p, b in self.files.items()}
        return self.digests


def _download(
    client: Any,
    url: str,
    headers: Mapping[str, str],
    keys: list[str],
    check: Callable[[bytes], None],
    cache: ArtifactCache,
    timeout: float,
    max_bytes: int,
) -> tuple[bytes, bool]:
    for key in keys:
        data = cache.get(key)
        if data is not None:
            return data, True
    data = get(client, url, headers=headers, timeout=timeout, max_bytes=max_bytes).body
    check(data)
    return data, False


def fetch(
    spec: PackageSpec | str,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    cache: ArtifactCache | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    limits: Limits | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Fetched:
    """Resolves, downloads (or reads from the cache), verifies and extracts ``spec``."""
    s = parse_spec(spec) if isinstance(spec, str) else spec
    environ = os.environ if env is None else env
    # The cache is DriftGuard's own (DRIFTGUARD_CACHE of this process), whatever `env`
    # the registry is resolved with.
    store = cache if cache is not None else ArtifactCache()
    with new_client(timeout) as client:
        if s.ecosystem == "npm":
            registry = npm_registry(s.name, environ, cwd)
            release = npm.resolve(client, registry, s.name, s.spec, timeout=timeout)
            keys = [ArtifactCache.key(release.algorithm, d) for d in release.digests]
            data, cached = _download(
                client,
                release.tarball,
                registry.headers_for(release.tarball),
                keys,
                lambda b: npm.check(release, b),
                store,
                timeout,
                max_bytes,
            )
            fetched = _npm_fetched(data, release, cached, limits)
            if not cached:
                # Cached only once verified and extracted: the cache holds usable artifacts.
                store.put(keys[0], data)
            return fetched
        index, _origin = pypi_index(environ)
        prelease = pypi.resolve(client, index, s.name, s.spec, timeout=timeout)
        key = ArtifactCache.key("sha256", bytes.fromhex(prelease.sha256))
        data, cached = _download(
            client,
            prelease.url,
            {},
            [key],
            lambda b: pypi.check(prelease, b),
            store,
            timeout,
            max_bytes,
        )
        fetched = _pypi_fetched(data, prelease, cached, limits)
        if not cached:
            store.put(key, data)
        return fetched


def _npm_fetched(
    data: bytes, release: npm.NpmRelease, cached: bool, limits: Limits | None
) -> Fetched:
    what = f"npm:{release.name}@{release.version}"
    files = extract_tar_gz(data, strip_first=True, limits=limits, what=what)
    if "package.json" not in files:
        raise PackageError(f"{what}: the tarball has no package.json")
    try:
        pkg = json.loads(files["package.json"])
    except (ValueError, UnicodeDecodeError):
        raise PackageError(f"{what}: package.json is not JSON") from None
    if not isinstance(pkg, dict):
        raise PackageError(f"{what}: package.json is not an object")
    return Fetched(
        ecosystem="npm",
        name=release.name,
        version=release.version,
        integrity=release.integrity,
        manifest=npm.manifest_from_package_json(pkg, release),
        files=files,
        publisher=release.publisher,
        from_cache=cached,
        url=release.tarball,
    )


def _pypi_fetched(
    data: bytes, release: pypi.PypiRelease, cached: bool, limits: Limits | None
) -> Fetched:
    what = f"pypi:{release.name}=={release.version} ({release.filename})"
    if release.kind == "sdist-tar":
        files = extract_tar_gz(data, strip_first=True, limits=limits, what=what)
    else:
        files = extract_zip(data, strip_first=release.kind == "sdist-zip", limits=limits, what=what)
    manifest, meta_name, meta_version = pypi.manifest_from_files(files, release)
    return Fetched(
        ecosystem="pypi",
        name=meta_name or release.name,
        version=meta_version or release.version,
        integrity=release.integrity,
        manifest=manifest,
        files=files,
        from_cache=cached,
        url=release.url,
    )


def _from_cache(
    ecosystem: str,
    name: str,
    version: str,
    integrity: str,
    cache: ArtifactCache,
    limits: Limits | None,
) -> Fetched | None:
    """An approved artifact straight from the cache by its integrity (no network)."""
    if ecosystem == "npm":
        try:
            algorithm, digests, stated = npm.verifier(integrity, None, f"{name}@{version}")
        except DriftGuardError:
            return None
        for digest in digests:
            data = cache.get(ArtifactCache.key(algorithm, digest))
            if data is not None:
                release = npm.NpmRelease(name, version, "", stated, algorithm, digests)
                return _npm_fetched(data, release, True, limits)
        return None
    sha = integrity.removeprefix("sha256:")
    if not re.fullmatch(r"[0-9a-f]{64}", sha):
        return None
    data = cache.get(ArtifactCache.key("sha256", bytes.fromhex(sha)))
    if data is None:
        return None
    if data[:2] == b"\x1f\x8b":
        filename = f"{name}-{version}.tar.gz"
    else:
        top = extract_zip(data, strip_first=False, limits=limits, what=f"pypi:{name}=={version}")
        wheel = any(p.count("/") == 1 and p.split("/")[0].endswith(".dist-info") for p in top)
        filename = f"{name}-{version}-py3-none-any.whl" if wheel else f"{name}-{version}.zip"
    return _pypi_fetched(data, pypi.PypiRelease(name, version, filename, "", sha), True, limits)


def build_document(
    fetched: Fetched,
    texts: Iterable[str] | None = None,
    *,
    max_text_bytes: int = MAX_TEXT_BYTES,
) -> dict[str, Any]:
    """The capture document. ``texts``: the paths whose text to include (only UTF-8
    files); None: every code file, up to ``max_text_bytes`` in path order."""
    wanted = None if texts is None else set(texts)
    hashes = fetched.file_hashes()
    budget = max_text_bytes
    files = []
    for path in sorted(fetched.files):
        body = fetched.files[path]
        entry: dict[str, Any] = {"path": path, "sha256": hashes[path], "size": len(body)}
        take = is_code(path) if wanted is None else path in wanted
        if take and len(body) <= MAX_ONE_TEXT_BYTES and (wanted is not None or len(body) <= budget):
            try:
                entry["text"] = body.decode("utf-8")
                budget -= len(body)
            except UnicodeDecodeError:
                pass
        files.append(entry)
    doc: dict[str, Any] = {
        "ecosystem": fetched.ecosystem,
        "name": fetched.name,
        "version": fetched.version,
        "integrity": fetched.integrity,
        "manifest": fetched.manifest,
        "files": files,
    }
    if fetched.publisher is not None:
        doc["publisher"] = fetched.publisher
    return doc


def changed_code_paths(a: Fetched, b: Fetched) -> set[str]:
    """Code files whose path or hash differs between ``a`` and ``b``."""
    ha, hb = a.file_hashes(), b.file_hashes()
    return {p for p in set(ha) | set(hb) if ha.get(p) != hb.get(p) and is_code(p)}


def capture_package_document(spec: PackageSpec | str, **kwargs: Any) -> dict[str, Any]:
    """The capture document of one package, with every code file's text (see
    :func:`fetch` for the keyword arguments)."""
    return build_document(fetch(spec, **kwargs))


def capture_package(spec: PackageSpec | str, **kwargs: Any) -> Snapshot:
    """The ``package`` snapshot of one package (texts ride along, not in the digest)."""
    return _n.load_value(capture_package_document(spec, **kwargs), "package")


def compare_packages(
    old: PackageSpec | str, new: PackageSpec | str, **kwargs: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The capture documents of two versions, each with the texts of the code files that
    differ between them (what the core's code review needs)."""
    a, b = fetch(old, **kwargs), fetch(new, **kwargs)
    changed = changed_code_paths(a, b)
    return build_document(a, changed), build_document(b, changed)


def fetch_approved(
    snapshot: Mapping[str, Any],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    cache: ArtifactCache | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    limits: Limits | None = None,
) -> Fetched | None:
    """The artifact of an approved ``package`` snapshot (its ``meta``/``surface`` name,
    version and integrity): from the cache by integrity, else re-downloaded by exact
    version and accepted only if the registry still states the approved integrity.
    None when it cannot be had (the core then marks changed code as not reviewed)."""
    surface = snapshot.get("surface") or {}
    ecosystem, name = surface.get("ecosystem"), surface.get("name")
    version, integrity = surface.get("version"), surface.get("integrity")
    if not (isinstance(ecosystem, str) and isinstance(name, str) and isinstance(version, str)):
        return None
    store = cache if cache is not None else ArtifactCache()
    if isinstance(integrity, str):
        try:
            hit = _from_cache(ecosystem, name, version, integrity, store, limits)
        except DriftGuardError:
            hit = None
        if hit is not None:
            return hit
    spec = PackageSpec(ecosystem, name, version if ecosystem == "npm" else "==" + version)
    try:
        fetched = fetch(spec, env=env, cwd=cwd, cache=store, timeout=timeout, limits=limits)
    except DriftGuardError:
        return None
    if isinstance(integrity, str) and not _same_integrity(integrity, fetched.integrity):
        return None
    return fetched


def read_spec(text: str, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """A ``npm:``/``pypi:`` argument of ``driftguard diff``/``snapshot``: the package's
    capture document (every code file's text), as JSON bytes."""
    doc = capture_package_document(text, timeout=timeout)
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _same_integrity(a: str, b: str) -> bool:
    return sorted(a.split()) == sorted(b.split())
