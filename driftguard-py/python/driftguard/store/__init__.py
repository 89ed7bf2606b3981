"""The watch store: history and schedule of ``driftguard watch``.

``open_store(url_or_path)`` opens SQLite (a file path, ``sqlite:…``) or PostgreSQL
(``postgresql://…``); both implement :class:`Store` over the same schema
(:mod:`driftguard.store.schema`). See ``docs/watch.md``.
"""

from __future__ import annotations

from .base import (
    AlertRow,
    ChangeRow,
    DeliveryRow,
    Exposure,
    NewAlert,
    NewChange,
    Observation,
    PollRecord,
    Recorded,
    SnapshotRow,
    Store,
    StoreError,
    SurfaceState,
    exposure,
    format_ms,
    open_store,
    parse_time,
)

__all__ = [
    "AlertRow",
    "ChangeRow",
    "DeliveryRow",
    "Exposure",
    "NewAlert",
    "NewChange",
    "Observation",
    "PollRecord",
    "Recorded",
    "SnapshotRow",
    "Store",
    "StoreError",
    "SurfaceState",
    "exposure",
    "format_ms",
    "open_store",
    "parse_time",
]
