"""``package`` surfaces of ``driftguard.toml`` for ``approve``, ``check`` (and ``watch``).

A surface of kind ``package`` in the capture plan names ``ecosystem``, ``package_name``
and ``version`` (a range, an exact version or ``latest``), and ``registry`` when the MCP
command line gave one (``npx --registry URL``, ``uvx --index-url URL``). A companion
surface (``<mcp surface>.package``, ``of`` set) resolves with what its MCP server runs
with: the MCP stdio environment (the SDK's default variables plus the surface's ``env``)
and its ``cwd``, so ``npm_config_registry``, ``.npmrc`` and ``PIP_INDEX_URL`` pick the
same registry ``npx``/``uvx`` would. A standalone ``package`` surface uses this process's
environment.

``check`` needs the approved version's texts for the code review: :func:`approved_snapshots`
re-reads the approved artifact (from the cache by integrity, else from the registry,
accepted only when it still has the approved integrity) and rebuilds its capture
document, whose digest then equals the lock's.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import Any

from .. import _driftguard as _n
from .cache import ArtifactCache, default_cache_dir
from .capture import PackageSpec, build_document, fetch, fetch_approved

__all__ = ["approved_from_lock_file", "approved_snapshots", "capture_surface", "surface_env"]


def surface_env(surface: Mapping[str, Any], base: str) -> tuple[dict[str, str], str | None]:
    """``(environment, working directory)`` to resolve a package surface with."""
    env: dict[str, str]
    if surface.get("of"):
        env = _mcp_default_environment()
        env.update(dict(surface.get("env") or []))
    else:
        env = dict(os.environ)
    registry = surface.get("registry")
    if registry:
        env["npm_config_registry" if surface["ecosystem"] == "npm" else "PIP_INDEX_URL"] = registry
    cwd = surface.get("cwd")
    return env, (os.path.join(base, cwd) if cwd else (base or None))


#: The variables the MCP SDK's stdio client passes to a server (``mcp.client.stdio.
#: DEFAULT_INHERITED_ENV_VARS``), copied so that a watcher's worker threads never import
#: the SDK concurrently with an MCP capture on another thread.
_MCP_INHERITED = (
    (
        "APPDATA",
        "HOMEDRIVE",
        "HOMEPATH",
        "LOCALAPPDATA",
        "PATH",
        "PATHEXT",
        "PROCESSOR_ARCHITECTURE",
        "SYSTEMDRIVE",
        "SYSTEMROOT",
        "TEMP",
        "USERNAME",
        "USERPROFILE",
    )
    if sys.platform == "win32"
    else ("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER")
)


def _mcp_default_environment() -> dict[str, str]:
    """What ``mcp.client.stdio.get_default_environment()`` returns."""
    return {
        k: v
        for k in _MCP_INHERITED
        if (v := os.environ.get(k)) is not None and not v.startswith("()")
    }


def _cache() -> ArtifactCache:
    # DriftGuard's own environment says where its cache is, never the surface's.
    return ArtifactCache(default_cache_dir(os.environ))


def _spec(surface: Mapping[str, Any]) -> PackageSpec:
    return PackageSpec(surface["ecosystem"], surface["package_name"], surface["version"])


def capture_surface(surface: Mapping[str, Any], base: str) -> _n.Snapshot:
    """The snapshot of a ``package`` surface, with every code file's text beside it."""
    env, cwd = surface_env(surface, base)
    fetched = fetch(
        _spec(surface), env=env, cwd=cwd, cache=_cache(), timeout=float(surface["timeout"])
    )
    return _n.load_value(build_document(fetched), "package")


def approved_snapshots(
    plan: Mapping[str, Any],
    lock_text: str | None,
    captured: Mapping[str, Any],
    base: str,
) -> dict[str, _n.Snapshot]:
    """For each ``package`` surface that moved, its approved snapshot with the approved
    artifact's code texts (surfaces whose artifact cannot be had are left out: the core
    then reports their changed code as ``package-code-not-reviewed``)."""
    if not lock_text:
        return {}
    try:
        entries = json.loads(lock_text).get("surfaces") or {}
    except (ValueError, AttributeError):
        return {}
    out: dict[str, _n.Snapshot] = {}
    for surface in plan["surfaces"]:
        name = surface["name"]
        new = captured.get(name)
        entry = entries.get(name)
        if surface.get("kind") != "package" or not isinstance(new, _n.Snapshot):
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("snapshot"), dict):
            continue
        old = entry["snapshot"]
        if old.get("kind") != "package" or entry.get("digest") == new.digest:
            continue
        env, cwd = surface_env(surface, base)
        fetched = fetch_approved(
            old, env=env, cwd=cwd, cache=_cache(), timeout=float(surface["timeout"])
        )
        if fetched is None:
            continue
        # Who published and maintains a version can change in the registry after the
        # approval; the approved artifact's bytes cannot (its integrity was checked).
        approved_surface = old.get("surface") or {}
        fetched.publisher = approved_surface.get("publisher")
        maintainers = approved_surface.get("maintainers")
        if maintainers:
            fetched.manifest["maintainers"] = list(maintainers)
        else:
            fetched.manifest.pop("maintainers", None)
        try:
            out[name] = _n.load_value(build_document(fetched), "package")
        except Exception:  # a document the core refuses: review without it
            continue
    return out


def approved_from_lock_file(
    surface: Mapping[str, Any] | None, lock_path: str, new: _n.Snapshot, base: str
) -> _n.Snapshot | None:
    """``watch``: the approved snapshot with texts of one ``package`` surface whose new
    capture ``new`` differs from the lock (None for any other surface, or when the
    approved artifact cannot be had)."""
    if surface is None or surface.get("kind") != "package":
        return None
    try:
        with open(lock_path, encoding="utf-8") as f:
            lock_text = f.read()
    except (OSError, UnicodeDecodeError):
        return None
    plan = {"surfaces": [surface]}
    return approved_snapshots(plan, lock_text, {surface["name"]: new}, base).get(surface["name"])
