"""The Python API: ``load``, ``diff``, ``rules`` over the native core."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from typing import Any, Union

from . import _driftguard as _n
from ._driftguard import Policy, Report, Snapshot

#: What :func:`load` accepts: a snapshot, a file path, document text or bytes, an
#: http(s) URL, or an already-parsed document (dict/list, e.g. ``app.openapi()``).
Source = Union[
    Snapshot, str, bytes, bytearray, memoryview, "os.PathLike[str]", Mapping[str, Any], list[Any]
]

#: What :func:`diff` accepts as a policy.
PolicyLike = Union[Policy, Mapping[str, Any], str, "os.PathLike[str]", None]

FORMATS = ("auto", "openapi", "swagger", "json-schema", "mcp", "samples", "snapshot", "package")


def is_url(text: str) -> bool:
    """True for an ``http://`` or ``https://`` URL."""
    lowered = text[:8].lower()
    return lowered.startswith("http://") or lowered.startswith("https://")


def _looks_like_text(text: str) -> bool:
    stripped = text.lstrip()
    return (
        "\n" in text
        or stripped[:1] in ("{", "[")
        or ": " in text
        or stripped.startswith("---")
        or text == ""
    )


def read_file(path: str) -> bytes:
    """Reads a file's bytes (``-`` reads standard input)."""
    if path == "-":
        import sys

        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def load(
    source: Source,
    format: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Snapshot:
    """Reads a contract into a canonical :class:`Snapshot`.

    ``source`` may be a :class:`Snapshot` (returned as is), a path (``str`` or
    ``os.PathLike``; ``-`` is stdin), JSON or YAML text (a ``str`` that is not an existing
    file and reads as a document), ``bytes``, an http(s) URL (fetched with the fetch
    layer: ``headers`` may use ``${ENV}``), or Python objects (``dict``/``list``), which
    are converted to JSON values natively — no JSON round trip.

    ``format``: ``auto`` (default), ``openapi``, ``swagger``, ``json-schema``, ``mcp``,
    ``samples`` or ``snapshot``.
    """
    if isinstance(source, Snapshot):
        return source
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _n.load_bytes(bytes(source), format)
    if isinstance(source, os.PathLike):
        return _n.load_bytes(read_file(os.fspath(source)), format)
    if isinstance(source, str):
        if is_url(source):
            from .fetch import fetch_url

            body = fetch_url(source, headers=headers, timeout=timeout).body
            return _n.load_bytes(body, format, {"url": source})
        if source == "-" or os.path.exists(source):
            return _n.load_bytes(read_file(source), format)
        if _looks_like_text(source):
            return _n.load_bytes(source.encode("utf-8", "surrogatepass"), format)
        raise FileNotFoundError(
            2, "No such file or directory (and not a JSON/YAML document)", source
        )
    return _n.load_value(source, format)


def load_policy(policy: PolicyLike) -> Policy | None:
    """A :class:`Policy` from a policy object, a dict, a ``.toml``/``.json`` path, or TOML
    text. None stays None (the default policy)."""
    if policy is None or isinstance(policy, Policy):
        return policy
    if isinstance(policy, Mapping):
        return Policy.from_dict(policy)
    if isinstance(policy, (str, os.PathLike)):
        path = os.fspath(policy)
        if isinstance(policy, os.PathLike) or os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            return Policy.from_json(text) if path.endswith(".json") else Policy.from_toml(text)
        return Policy.from_toml(path)
    raise TypeError(
        f"policy must be a Policy, dict, path or TOML text, not {type(policy).__name__}"
    )


def diff(
    old: Source,
    new: Source,
    policy: PolicyLike = None,
    today: str | _dt.date | None = None,
    *,
    format: str | None = None,
) -> Report:
    """Classifies the changes from ``old`` to ``new``.

    Each side is anything :func:`load` accepts (a snapshot, a path, text, a dict such as
    ``app.openapi()``…). ``policy`` is a :class:`Policy`, a dict, a ``.toml``/``.json``
    path or TOML text. ``today`` (``YYYY-MM-DD`` or a ``date``) enables date-based
    judgments (sunsets, ignore expiry); None means none.
    """
    if isinstance(today, _dt.date):
        today = today.isoformat()
    return _n.diff(load(old, format), load(new, format), load_policy(policy), today)


def rules() -> list[dict[str, Any]]:
    """The rule registry: one dict per rule (``id``, ``area``, severities per position,
    ``tags``, ``description``…), in registry order."""
    return _n.rules_list()
