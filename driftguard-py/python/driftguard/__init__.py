"""DriftGuard: contract drift detection for HTTP APIs, JSON Schemas and MCP servers.

>>> import driftguard
>>> old = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
>>> new = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
>>> report = driftguard.diff(old, new)
>>> report.max_severity
'breaking'
>>> [c.rule for c in report.changes]
['type-changed']

All behaviour lives in the Rust core (``driftguard._driftguard``); this package adds the
Python conversions, the fetch layer (files, HTTP, sampled endpoints, MCP servers), the
``driftguard`` command line and a pytest plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors
from ._api import diff, load, load_policy, rules
from ._driftguard import SNAPSHOT_FORMAT, Change, IgnoredChange, Policy, Report, Snapshot
from ._driftguard import __version__ as __version__
from .errors import DriftGuardError

if TYPE_CHECKING:
    from ._capture import (
        capture,
        capture_endpoint,
        capture_mcp,
        capture_mcp_document,
        capture_mcp_sync,
    )

_LAZY = frozenset(
    {"capture", "capture_endpoint", "capture_mcp", "capture_mcp_document", "capture_mcp_sync"}
)


def __getattr__(name: str) -> Any:
    # The fetch layer (httpx, anyio, the MCP SDK) loads on first use: `import driftguard`
    # and the `diff`/`snapshot`/`rules` commands stay fast.
    if name in _LAZY:
        from . import _capture

        return getattr(_capture, name)
    raise AttributeError(f"module 'driftguard' has no attribute {name!r}")


__all__ = [
    "SNAPSHOT_FORMAT",
    "Change",
    "DriftGuardError",
    "IgnoredChange",
    "Policy",
    "Report",
    "Snapshot",
    "capture",
    "capture_endpoint",
    "capture_mcp",
    "capture_mcp_document",
    "capture_mcp_sync",
    "diff",
    "errors",
    "load",
    "load_policy",
    "rules",
]
