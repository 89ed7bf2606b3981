"""The watch store: history and schedule of ``driftguard watch``.

``open_store(url_or_path)`` opens SQLite (a file path, ``sqlite:…``) or PostgreSQL
(``postgresql://…``); both implement :class:`Store` over the same schema
(:mod:`driftguard.store.schema`). See ``docs/watch.md``.

The public names are those of :mod:`driftguard.store.base` (its ``__all__``).
"""

from __future__ import annotations

from . import base
from .base import *  # noqa: F403 - re-exports exactly base.__all__

__all__ = list(base.__all__)
