"""PyPI (any PEP 503/691 index): resolve ``NAME[SPECIFIER]`` and read a wheel or sdist.

The project page is asked for as PEP 691 JSON (``application/vnd.pypi.simple.v1+json``);
an index that answers with the PEP 503 HTML page is read too (``#sha256=`` fragments).
The version: an exact pin (``==V``) may pick a yanked release, as pip does; otherwise
yanked files and pre-releases (unless the specifier names one) are skipped and the
greatest matching version wins. The file: a pure-Python wheel (``py3-none-any``) if the
release has one, else the sdist. Its ``sha256`` from the index is what the bytes must hash
to.
"""

from __future__ import annotations

import configparser
import email.parser
import email.policy
import hashlib
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from ..errors import IntegrityError, PackageError
from ..fetch import redact_url
from . import pep440
from ._http import HttpStatusError, get

__all__ = ["PypiRelease", "manifest_from_files", "pep503", "resolve", "valid_name"]

_NAME = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")
_JSON_TYPE = "application/vnd.pypi.simple.v1+json"


def pep503(name: str) -> str:
    """The PEP 503 normalized name (``MCP_Server.Time`` → ``mcp-server-time``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def valid_name(name: str) -> bool:
    """True for a valid project name (PEP 508)."""
    return _NAME.match(name) is not None


@dataclass(frozen=True)
class PypiRelease:
    """One resolved distribution file."""

    name: str
    version: str
    filename: str
    url: str
    sha256: str

    @property
    def kind(self) -> str:
        """``wheel``, ``sdist-tar`` or ``sdist-zip``."""
        if self.filename.endswith(".whl"):
            return "wheel"
        return "sdist-zip" if self.filename.endswith(".zip") else "sdist-tar"

    @property
    def integrity(self) -> str:
        """The document's ``integrity``: ``sha256:<hex>``."""
        return f"sha256:{self.sha256}"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append({k: v or "" for k, v in attrs})


def _files_from_html(text: str, base: str) -> list[dict[str, Any]]:
    parser = _Links()
    parser.feed(text)
    files = []
    for a in parser.links:
        href = a.get("href", "")
        url, _, fragment = href.partition("#")
        filename = urlsplit(url).path.rsplit("/", 1)[-1]
        hashes = {}
        algo, sep, value = fragment.partition("=")
        if sep:
            hashes[algo] = value
        yanked: Any = a["data-yanked"] or True if "data-yanked" in a else False
        files.append(
            {"filename": filename, "url": urljoin(base, url), "hashes": hashes, "yanked": yanked}
        )
    return files


def _version_of(filename: str, project: str) -> str | None:
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        if len(parts) in (5, 6) and pep503(parts[0]) == project:
            return parts[1]
        return None
    for ext in (".tar.gz", ".zip"):
        if filename.endswith(ext):
            stem = filename[: -len(ext)]
            name, sep, version = stem.rpartition("-")
            if sep and pep503(name) == project:
                return version
    return None


def _pure_wheel(filename: str) -> bool:
    parts = filename[:-4].split("-")
    if len(parts) not in (5, 6):
        return False
    py, abi, plat = parts[-3].split("."), parts[-2].split("."), parts[-1].split(".")
    return (
        "none" in abi
        and "any" in plat
        and any(p in ("py3", "py30") or p.startswith("py3") for p in py)
    )


def parse_spec(spec: str, what: str) -> pep440.Specifier | None:
    """The specifier of ``spec`` (None for ``latest``/empty)."""
    spec = spec.strip()
    if spec in ("", "latest"):
        return None
    if pep440.parse(spec) is not None and spec[0] not in "<>=!~":
        spec = "==" + spec
    try:
        return pep440.parse_specifier(spec)
    except ValueError as e:
        raise PackageError(f"{what}: {e}") from None


def resolve(
    client: httpx.Client, index: str, name: str, spec: str, *, timeout: float
) -> PypiRelease:
    """Picks the file of ``name`` that ``spec`` names from the index at ``index``."""
    shown = "" if spec in ("", "latest") else spec if spec[0] in "<>=!~" else "==" + spec
    what = f"pypi:{name}{shown}"
    if not valid_name(name):
        raise PackageError(f"{what}: {name!r} is not a valid project name")
    specifier = parse_spec(spec, what)
    project = pep503(name)
    url = index.rstrip("/") + "/" + project + "/"
    try:
        answer = get(
            client,
            url,
            headers={"Accept": f"{_JSON_TYPE}, text/html;q=0.1"},
            timeout=timeout,
        )
    except HttpStatusError as e:
        if e.status == 404:
            raise PackageError(f"{what}: no such project on {redact_url(index)}") from None
        raise
    files: list[dict[str, Any]]
    if answer.content_type.split(";")[0].strip() == _JSON_TYPE or answer.body[:1] == b"{":
        try:
            page = json.loads(answer.body)
            files = [f for f in page["files"] if isinstance(f, dict)]
            for f in files:
                f["url"] = urljoin(answer.url, str(f.get("url", "")))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise PackageError(
                f"{what}: the index's answer is not a PEP 691 project page"
            ) from None
    else:
        files = _files_from_html(answer.body.decode("utf-8", "replace"), answer.url)
    by_version: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        filename = f.get("filename")
        if not isinstance(filename, str):
            continue
        v = _version_of(filename, project)
        if v is not None and pep440.parse(v) is not None:
            by_version.setdefault(v, []).append(f)
    if not by_version:
        raise PackageError(f"{what}: the index lists no wheel or sdist of {name}")
    exact = specifier.exact if specifier is not None else None

    def eligible(v: str) -> bool:
        pv = pep440.parse(v)
        assert pv is not None
        if specifier is not None and not specifier.contains(pv):
            return False
        if exact is None:
            if all(f.get("yanked") for f in by_version[v]):
                return False
            allow_pre = specifier is not None and specifier.mentions_prerelease
            if pv.is_prerelease and not allow_pre:
                return False
        return True

    candidates = [v for v in by_version if eligible(v)]
    if not candidates:
        raise PackageError(f"{what}: no release matches (yanked and pre-releases skipped)")
    version = max(candidates, key=lambda v: pep440.parse(v))  # type: ignore[arg-type,return-value]
    choices = [f for f in by_version[version] if exact is not None or not f.get("yanked")]
    wheels = sorted(
        f["filename"]
        for f in choices
        if f["filename"].endswith(".whl") and _pure_wheel(f["filename"])
    )
    sdists = sorted(f["filename"] for f in choices if not f["filename"].endswith(".whl"))
    pick = (wheels or [s for s in sdists if s.endswith(".tar.gz")] or sdists or [None])[0]
    if pick is None:
        raise PackageError(f"{what}: {version} has no pure-Python wheel and no sdist")
    chosen = next(f for f in choices if f["filename"] == pick)
    hashes = chosen.get("hashes") if isinstance(chosen.get("hashes"), dict) else {}
    sha = str((hashes or {}).get("sha256", "")).lower()
    if not re.fullmatch(r"[0-9a-f]{64}", sha):
        raise IntegrityError(f"{what}: the index states no sha256 for {pick}: cannot verify it")
    return PypiRelease(name=name, version=version, filename=pick, url=chosen["url"], sha256=sha)


def check(release: PypiRelease, data: bytes) -> None:
    """``E_INTEGRITY`` unless ``data`` hashes to the index's ``sha256``."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != release.sha256:
        raise IntegrityError(
            f"pypi:{release.name}=={release.version}: {release.filename} has sha256"
            f" {actual}, the index states {release.sha256}"
        )


def _metadata(text: str) -> Any:
    return email.parser.Parser(policy=email.policy.compat32).parsestr(text, headersonly=True)


def _people(name: str | None, emails: str | None) -> list[str]:
    out: list[str] = []
    name = (name or "").strip() or None
    if emails and emails.strip():
        pairs = [(n, a) for n, a in getaddresses([emails]) if a]
        for n, a in pairs:
            label = n.strip() or (name if name and len(pairs) == 1 else "")
            out.append(f"{label} <{a}>" if label else f"<{a}>")
        if not pairs and name:
            out.append(name)
    elif name:
        out.append(name)
    return out


def _entry_points(text: str) -> dict[str, dict[str, str]]:
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error:
        return {}
    return {s: dict(parser.items(s)) for s in parser.sections() if parser.items(s)}


def manifest_from_files(
    files: Mapping[str, bytes], release: PypiRelease
) -> tuple[dict[str, Any], str | None, str | None]:
    """``(manifest, Name, Version)`` from a wheel's ``.dist-info`` or an sdist's
    ``PKG-INFO`` (and its build hooks)."""
    what = f"pypi:{release.name}=={release.version}"
    manifest: dict[str, Any] = {}
    if release.kind == "wheel":
        infos = sorted(
            {
                p.split("/", 1)[0]
                for p in files
                if p.split("/", 1)[0].endswith(".dist-info") and p.count("/") == 1
            }
        )
        meta_path = next((f"{d}/METADATA" for d in infos if f"{d}/METADATA" in files), None)
        if meta_path is None:
            raise PackageError(f"{what}: the wheel has no .dist-info/METADATA")
        ep_path: str | None = meta_path.rsplit("/", 1)[0] + "/entry_points.txt"
    else:
        meta_path = "PKG-INFO"
        if meta_path not in files:
            raise PackageError(f"{what}: the sdist has no PKG-INFO")
        egg = sorted(
            p for p in files if p.endswith(".egg-info/entry_points.txt") and p.count("/") == 1
        )
        ep_path = egg[0] if egg else None
    try:
        meta = _metadata(files[meta_path].decode("utf-8"))
    except UnicodeDecodeError:
        raise PackageError(f"{what}: {meta_path} is not UTF-8") from None
    requires = [str(r).strip() for r in meta.get_all("Requires-Dist") or []]
    if requires:
        manifest["requiresDist"] = requires
    if ep_path is not None and ep_path in files:
        groups = _entry_points(files[ep_path].decode("utf-8", "replace"))
        if groups:
            manifest["entryPoints"] = groups
    if release.kind != "wheel":
        scripts: dict[str, str] = {}
        if "pyproject.toml" in files:
            backend = _build_backend(files["pyproject.toml"])
            if backend:
                scripts["build-backend"] = backend
        if "setup.py" in files:
            scripts["setup.py"] = hashlib.sha256(files["setup.py"]).hexdigest()
        if scripts:
            manifest["scripts"] = scripts
    people = _people(meta.get("Author"), meta.get("Author-email")) + _people(
        meta.get("Maintainer"), meta.get("Maintainer-email")
    )
    if people:
        manifest["maintainers"] = sorted(set(people))
    name = meta.get("Name")
    version = meta.get("Version")
    return (
        manifest,
        (str(name).strip() if name else None),
        (str(version).strip() if version else None),
    )


def _build_backend(data: bytes) -> str | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    backend = doc.get("build-system", {}).get("build-backend")
    return backend if isinstance(backend, str) else None
