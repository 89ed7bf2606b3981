"""Capturing one surface of the core's capture plan (``config_plan`` / ``WatchConfig.plan``),
shared by ``approve``/``check`` and ``watch``.

Values in the plan (header values, MCP environment values, URLs) were expanded by the
core: they are used verbatim here (``expand_env=False``), never expanded a second time —
a secret whose value contains ``${X}`` is sent as it is.

:func:`capture_raw` returns the raw payload's hash before any normalization, so the
watcher can skip normalizing bytes it has already seen (the digest short-circuit), and
supports conditional requests for document URLs.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import _driftguard as _n
from ._args import io_message as _io_message

__all__ = ["CaptureFailed", "RawCapture", "capture_raw"]


class CaptureFailed(Exception):
    """A capture failure that is not a :class:`~driftguard.errors.DriftGuardError`
    (an unreadable file): ``code`` and a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def read_surface_file(surface: dict[str, Any], base: str) -> bytes:
    """The bytes of a ``file`` surface (its ``path`` relative to ``base``);
    :class:`CaptureFailed` (``E_FETCH``) when it cannot be read."""
    path = os.path.join(base, surface["path"])
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise CaptureFailed("E_FETCH", f"cannot read {surface['path']}: {_io_message(e)}") from None


def endpoint_bodies(
    surface: dict[str, Any], headers: dict[str, str], timeout: float
) -> list[bytes]:
    """The sampled bodies of an ``endpoint`` surface (plan values used verbatim)."""
    from . import _capture as cap

    return cap.capture_endpoint_document(
        surface["url"],
        samples=int(surface["samples"]),
        interval_ms=int(surface["sample_interval_ms"]),
        headers=headers,
        timeout=timeout,
        expand_env=False,
    )


def mcp_document(
    surface: dict[str, Any], base: str, headers: dict[str, str], timeout: float
) -> dict[str, Any]:
    """The capture document of an MCP surface: ``mcp_stdio`` (its ``cwd`` relative to
    ``base``), any other kind over HTTP at ``url`` (plan values used verbatim)."""
    from . import _capture as cap

    if surface["kind"] == "mcp_stdio":
        cwd = surface.get("cwd")
        return asyncio.run(
            cap.capture_mcp_document(
                command=list(surface["command"]),
                env=dict(surface.get("env") or []),
                cwd=os.path.join(base, cwd) if cwd else None,
                timeout=timeout,
                expand_env=False,
            )
        )
    return asyncio.run(
        cap.capture_mcp_document(
            url=surface["url"], headers=headers, timeout=timeout, expand_env=False
        )
    )


@dataclass
class RawCapture:
    """A captured payload, not yet normalized."""

    #: ``sha256:<hex>`` of the raw payload (bytes as received; for MCP, the capture
    #: document written canonically; for sampled endpoints, every body in order).
    raw_hash: str
    #: Normalizes the payload into a snapshot (the costly step the short-circuit skips).
    load: Callable[[], _n.Snapshot]
    #: The HTTP validators of a document URL's response.
    etag: str | None = None
    last_modified: str | None = None
    #: True when the server answered ``304 Not Modified`` (nothing else is set).
    not_modified: bool = False


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def capture_raw(
    surface: dict[str, Any],
    base: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    client: Any = None,
) -> RawCapture:
    """Captures one resolved surface of the plan (``base``: the configuration's
    directory). ``etag``/``last_modified`` make a document URL's GET conditional;
    ``client`` (an ``httpx.Client`` whose timeout is the surface's) is reused for it
    instead of building one per request (a client costs ~20 ms of CPU). Raises
    :class:`~driftguard.errors.DriftGuardError` (``E_FETCH``, ``E_TIMEOUT``, ``E_MCP``…)
    or :class:`CaptureFailed`."""
    from . import _capture as cap
    from .fetch import FetchResult, HttpCache, fetch_url

    kind = surface["kind"]
    timeout = float(surface["timeout"])
    headers = dict(surface.get("headers") or [])
    if kind == "file":
        body = read_surface_file(surface, base)
        return RawCapture(_sha(body), lambda: _n.load_bytes(body))
    if kind == "url":
        url = surface["url"]
        cache = None
        if etag or last_modified:
            cache = HttpCache()
            cache.entries[url] = FetchResult(
                body=b"", status=200, url=url, etag=etag, last_modified=last_modified
            )
        r = fetch_url(
            url, headers=headers, timeout=timeout, cache=cache, client=client, expand_env=False
        )
        if r.not_modified:
            return RawCapture(
                "",
                _not_loadable,
                etag=r.etag,
                last_modified=r.last_modified,
                not_modified=True,
            )
        body = r.body
        return RawCapture(
            _sha(body), lambda: _n.load_bytes(body), etag=r.etag, last_modified=r.last_modified
        )
    if kind == "endpoint":
        bodies = endpoint_bodies(surface, headers, timeout)
        h = hashlib.sha256()
        for b in bodies:
            h.update(hashlib.sha256(b).digest())
        return RawCapture("sha256:" + h.hexdigest(), lambda: _n.load_samples(bodies))
    if kind in ("mcp_stdio", "mcp_http"):
        doc = mcp_document(surface, base, headers, timeout)
        raw = cap.document_json(doc).encode("utf-8")
        return RawCapture(_sha(raw), lambda: _n.load_value(doc, "mcp"))
    # Any other kind (e.g. published packages): captured the way approve/check capture
    # it; the snapshot's digest stands in for the raw hash (no short-circuit).
    from ._lock import _capture

    snapshot = _capture(surface, base)
    return RawCapture(snapshot.digest, lambda: snapshot)


def _not_loadable() -> _n.Snapshot:
    raise RuntimeError("a 304 Not Modified has no payload to normalize")
