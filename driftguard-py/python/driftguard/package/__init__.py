"""Package drift: fetch npm and PyPI packages and describe them for the core.

``npm:NAME@SPEC`` and ``pypi:NAME[==VERSION]`` are resolved against the registry the
machine is configured with (:mod:`~driftguard.package.registry`), downloaded, verified
(``E_INTEGRITY``), cached by integrity (:mod:`~driftguard.package.cache`), extracted in
memory with limits (``E_ARCHIVE``, :mod:`~driftguard.package.archive`) and written as the
package capture document the core's ``package`` normalizer reads
(:mod:`~driftguard.package.capture`).

Example (needs the network)::

    from driftguard.package import capture_package
    snapshot = capture_package("npm:@modelcontextprotocol/server-everything@2026.1.26")
"""

from __future__ import annotations

from .archive import Limits
from .cache import ArtifactCache, default_cache_dir
from .capture import (
    Fetched,
    PackageSpec,
    build_document,
    capture_package,
    capture_package_document,
    compare_packages,
    fetch,
    fetch_approved,
    is_code,
    is_package_spec,
    parse_spec,
)

__all__ = [
    "ArtifactCache",
    "Fetched",
    "Limits",
    "PackageSpec",
    "build_document",
    "capture_package",
    "capture_package_document",
    "compare_packages",
    "default_cache_dir",
    "fetch",
    "fetch_approved",
    "is_code",
    "is_package_spec",
    "parse_spec",
]
