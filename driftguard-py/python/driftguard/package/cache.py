"""The artifact cache: verified package artifacts, stored by integrity hash.

Directory: ``$DRIFTGUARD_CACHE/packages`` when ``DRIFTGUARD_CACHE`` is set, else
``$XDG_CACHE_HOME/driftguard/packages`` (``~/.cache/driftguard/packages``). One file per
artifact, named by its digest (``sha512-<hex>``, ``sha256-<hex>``, ``sha1-<hex>``),
written only after the download was verified and extracted without error, through a
temporary file in the same directory and an atomic rename. A file read back is hashed
again: one that no longer matches its name is deleted and treated as missing. Nothing
else is ever written, and nothing outside this directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["ArtifactCache", "default_cache_dir"]

_KEY = re.compile(r"^(sha1|sha256|sha384|sha512)-([0-9a-f]+)$")


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where artifacts are cached (see the module docs)."""
    environ = os.environ if env is None else env
    root = environ.get("DRIFTGUARD_CACHE")
    if root:
        return Path(root) / "packages"
    xdg = environ.get("XDG_CACHE_HOME")
    home = environ.get("HOME")
    base = Path(xdg) if xdg else (Path(home) if home else Path.home()) / ".cache"
    return base / "driftguard" / "packages"


class ArtifactCache:
    """Verified artifacts by digest. ``directory`` None: :func:`default_cache_dir`."""

    def __init__(
        self, directory: str | os.PathLike[str] | None = None, *, enabled: bool = True
    ) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.enabled = enabled

    @staticmethod
    def key(algorithm: str, digest: bytes) -> str:
        """The file name of an artifact with this digest."""
        return f"{algorithm}-{digest.hex()}"

    def get(self, key: str) -> bytes | None:
        """The artifact's bytes, re-verified against the key; None when absent or bad."""
        m = _KEY.match(key)
        if not self.enabled or m is None:
            return None
        path = self.directory / key
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if hashlib.new(m[1], data).hexdigest() != m[2]:
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return data

    def put(self, key: str, data: bytes) -> bool:
        """Stores verified bytes (atomically); False when the cache is not writable."""
        m = _KEY.match(key)
        if not self.enabled or m is None or hashlib.new(m[1], data).hexdigest() != m[2]:
            return False
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.directory)
        except OSError:
            return False
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.directory / key)
            return True
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return False
