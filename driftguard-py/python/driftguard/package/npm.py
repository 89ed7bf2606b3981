"""npm: resolve ``NAME@SPEC`` in a packument, verify and read the tarball.

Resolution follows ``npm install`` (npm-pick-manifest): a dist-tag (``latest``, ``next``…)
names its version; an exact version must exist; a range picks the ``latest`` tag's
version when it satisfies the range, else the greatest satisfying version that is not
deprecated (a deprecated one only when nothing else satisfies).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from ..errors import IntegrityError, PackageError
from ..fetch import redact_url
from . import semver
from ._http import HttpStatusError, get
from .registry import NpmRegistry

__all__ = ["NpmRelease", "manifest_from_package_json", "resolve", "valid_name", "verifier"]

_NAME = re.compile(r"^(?:@[A-Za-z0-9~-][A-Za-z0-9._~-]*/)?[A-Za-z0-9~-][A-Za-z0-9._~-]*$")
#: SRI algorithms, strongest first.
_ALGORITHMS = ("sha512", "sha384", "sha256", "sha1")


def valid_name(name: str) -> bool:
    """True for a name npm can publish (legacy upper case accepted)."""
    return len(name) <= 214 and _NAME.match(name) is not None


@dataclass(frozen=True)
class NpmRelease:
    """One resolved version of an npm package."""

    name: str
    version: str
    tarball: str
    #: The integrity as the registry states it (``dist.integrity``, or the ``shasum`` as
    #: an SRI ``sha1-…`` when there is no ``integrity``).
    integrity: str
    #: The digest the downloaded bytes must have: (algorithm, accepted digests).
    algorithm: str
    digests: tuple[bytes, ...]
    publisher: Any = None
    maintainers: Any = None
    registry: NpmRegistry | None = field(default=None, repr=False)


def verifier(integrity: str, shasum: str | None, what: str) -> tuple[str, tuple[bytes, ...], str]:
    """``(algorithm, digests, integrity for the document)`` from ``dist``."""
    entries: dict[str, list[bytes]] = {}
    for item in (integrity or "").split():
        algo, sep, rest = item.partition("-")
        algo = algo.lower()
        if not sep or algo not in _ALGORITHMS:
            continue
        try:
            entries.setdefault(algo, []).append(base64.b64decode(rest.split("?")[0], validate=True))
        except (binascii.Error, ValueError):
            continue
    for algo in _ALGORITHMS:
        if algo in entries:
            return algo, tuple(entries[algo]), integrity.strip()
    if shasum and re.fullmatch(r"[0-9a-fA-F]{40}", shasum):
        digest = bytes.fromhex(shasum)
        return "sha1", (digest,), "sha1-" + base64.b64encode(digest).decode()
    raise IntegrityError(f"{what}: the registry states no usable integrity (dist.integrity/shasum)")


def _pick(packument: dict[str, Any], spec: str, what: str) -> str:
    versions = packument.get("versions")
    if not isinstance(versions, dict) or not versions:
        raise PackageError(f"{what}: the registry lists no versions")
    tags = packument.get("dist-tags") if isinstance(packument.get("dist-tags"), dict) else {}
    assert isinstance(tags, dict)
    spec = spec.strip() or "latest"
    if spec in tags:
        tagged = tags[spec]
        if isinstance(tagged, str) and tagged in versions:
            return tagged
        raise PackageError(f"{what}: dist-tag {spec!r} names a version the registry lacks")
    exact = semver.parse_version(spec)
    if exact is not None:
        for v in versions:
            pv = semver.parse_version(v)
            if pv is not None and pv == exact and str(pv) == str(exact):
                return v
        raise PackageError(f"{what}: no version {spec} (latest is {tags.get('latest', '?')})")
    try:
        rng = semver.parse_range(spec)
    except ValueError:
        raise PackageError(
            f"{what}: {spec!r} is neither a dist-tag, a version nor a semver range"
        ) from None
    parsed = {v: pv for v in versions if (pv := semver.parse_version(v)) is not None}
    latest = tags.get("latest")
    if isinstance(latest, str) and latest in parsed and rng.satisfies(parsed[latest]):
        return latest
    ok = [v for v, pv in parsed.items() if rng.satisfies(pv)]
    fresh = [v for v in ok if not (versions[v] or {}).get("deprecated")]
    pool = fresh or ok
    if not pool:
        raise PackageError(f"{what}: no version satisfies {spec!r}")
    return max(pool, key=lambda v: parsed[v])


def resolve(
    client: httpx.Client,
    registry: NpmRegistry,
    name: str,
    spec: str,
    *,
    timeout: float,
) -> NpmRelease:
    """Reads ``name``'s packument from ``registry`` and picks the version ``spec`` names."""
    what = f"npm:{name}@{spec or 'latest'}"
    if not valid_name(name):
        raise PackageError(f"{what}: {name!r} is not a valid npm package name")
    url = registry.url + quote(name, safe="@")
    try:
        answer = get(
            client,
            url,
            headers={"Accept": "application/json", **registry.headers_for(url)},
            timeout=timeout,
        )
    except HttpStatusError as e:
        if e.status == 404:
            raise PackageError(f"{what}: no such package on {redact_url(registry.url)}") from None
        raise
    try:
        packument = json.loads(answer.body)
    except (ValueError, UnicodeDecodeError):
        raise PackageError(f"{what}: the registry's answer is not JSON") from None
    if not isinstance(packument, dict):
        raise PackageError(f"{what}: the registry's answer is not a packument")
    version = _pick(packument, spec, what)
    doc = packument["versions"][version]
    if not isinstance(doc, dict) or not isinstance(doc.get("dist"), dict):
        raise PackageError(f"{what}: version {version} has no `dist` in the packument")
    dist = doc["dist"]
    tarball = dist.get("tarball")
    if not isinstance(tarball, str) or urlsplit(tarball).scheme not in ("http", "https"):
        raise PackageError(f"{what}: version {version} has no http(s) tarball URL")
    integrity = dist.get("integrity") if isinstance(dist.get("integrity"), str) else ""
    shasum = dist.get("shasum") if isinstance(dist.get("shasum"), str) else None
    algorithm, digests, stated = verifier(integrity or "", shasum, f"{name}@{version}")
    return NpmRelease(
        name=name,
        version=version,
        tarball=tarball,
        integrity=stated,
        algorithm=algorithm,
        digests=digests,
        publisher=_person(doc.get("_npmUser")),
        maintainers=_people(doc.get("maintainers")),
        registry=registry,
    )


def _person(v: Any) -> Any:
    if isinstance(v, str) and v.strip():
        return v
    if isinstance(v, dict) and isinstance(v.get("name"), str):
        out = {"name": v["name"]}
        if isinstance(v.get("email"), str):
            out["email"] = v["email"]
        return out
    return None


def _people(v: Any) -> list[Any] | None:
    if not isinstance(v, list):
        return None
    return [p for p in (_person(x) for x in v) if p is not None]


def check(release: NpmRelease, data: bytes) -> None:
    """``E_INTEGRITY`` unless ``data`` has the digest the registry states."""
    actual = hashlib.new(release.algorithm, data).digest()
    if actual not in release.digests:
        shown = base64.b64encode(actual).decode()
        raise IntegrityError(
            f"npm:{release.name}@{release.version}: the tarball's {release.algorithm} is"
            f" {release.algorithm}-{shown}, the registry states {release.integrity}"
        )


def _strings(v: Any) -> dict[str, str] | None:
    if not isinstance(v, dict):
        return None
    return {k: s for k, s in v.items() if isinstance(s, str)}


def manifest_from_package_json(pkg: Mapping[str, Any], release: NpmRelease) -> dict[str, Any]:
    """The capture document's ``manifest`` from the tarball's ``package.json``."""
    manifest: dict[str, Any] = {}
    for group in ("dependencies", "optionalDependencies", "peerDependencies", "scripts"):
        values = _strings(pkg.get(group))
        if values:
            manifest[group] = values
    bin_ = pkg.get("bin")
    if isinstance(bin_, str):
        manifest["bin"] = bin_
    elif isinstance(bin_, dict):
        values = _strings(bin_)
        if values:
            manifest["bin"] = values
    if isinstance(pkg.get("main"), str):
        manifest["main"] = pkg["main"]
    if pkg.get("exports") is not None:
        manifest["exports"] = pkg["exports"]
    if release.maintainers:
        manifest["maintainers"] = release.maintainers
    return manifest
