"""The watch store: the protocol every backend implements, its rows, and ``open_store``.

The store is the watcher's only state. It holds the schedule (table ``surfaces``: when
each surface is next due, its consecutive failures, HTTP validators, the hash of the last
raw payload, and a lease), every observation, each distinct snapshot once, every change
report, the alerts to deliver and each delivery attempt. Several watchers may share one
database: each leases due surfaces (:meth:`Store.lease_due`) and due alerts
(:meth:`Store.lease_alerts`) before working on them, so no surface is polled twice.

Conventions every backend follows:

- Times are integer UTC milliseconds since the Unix epoch (``*_ms`` helpers below
  convert to and from RFC 3339). The caller passes ``now``: the store reads no clock.
- Every write method is one transaction: it commits completely or not at all. A process
  killed mid-write leaves the database as it was before the write.
- Text handed to the store is already free of secrets (the watcher redacts it).
- Errors are :class:`StoreError` (``E_STORE``): unreachable or corrupt database, a schema
  newer than this build.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..errors import DriftGuardError

__all__ = [
    "AlertRow",
    "ChangeRow",
    "DeliveryRow",
    "Exposure",
    "NewAlert",
    "NewChange",
    "Observation",
    "PollRecord",
    "Pruned",
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

#: ``observations.outcome`` values.
OUTCOMES = ("changed", "unchanged", "same-bytes", "not-modified", "error")
#: ``alerts.status`` values: ``pending`` until a delivery succeeds (never dropped).
ALERT_STATUSES = ("pending", "delivered")


class StoreError(DriftGuardError):
    """``E_STORE``: the database is unreachable or corrupt, or its schema is newer than
    this build."""

    code = "E_STORE"


# ---------------------------------------------------------------------------------------
# Rows read from the store
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurfaceState:
    """One row of ``surfaces``: a surface's schedule and what its last poll left."""

    #: The surface name (primary key).
    name: str
    #: True while the surface is in the configuration (inactive ones are never leased).
    active: bool
    #: When it is next due (ms).
    next_due: int
    #: Consecutive failed polls (0 after a success): the backoff exponent.
    failures: int
    #: The last response's ``ETag`` (HTTP document sources), for ``If-None-Match``.
    etag: str | None
    #: The last response's ``Last-Modified``, for ``If-Modified-Since``.
    last_modified: str | None
    #: ``sha256:<hex>`` of the last successfully captured raw payload (the digest
    #: short-circuit: identical bytes are not normalized again).
    last_raw: str | None
    #: The snapshot digest of the last successful observation.
    last_digest: str | None
    #: When it was last polled (ms), successfully or not.
    last_polled: int | None
    #: Who holds the lease (a watcher id), if anyone.
    lease_owner: str | None
    #: When the lease ends (ms); an expired lease is free.
    lease_until: int | None


@dataclass(frozen=True)
class Observation:
    """One poll of one surface."""

    #: Store-assigned, increasing.
    id: int
    #: The surface name.
    surface: str
    #: When the poll started (ms).
    at: int
    #: True when the capture succeeded.
    ok: bool
    #: ``changed`` (digest differs from the previous observation's, or the first one),
    #: ``unchanged`` (captured and normalized, same digest), ``same-bytes`` (the raw
    #: payload was identical: not normalized), ``not-modified`` (HTTP 304), ``error``.
    outcome: str
    #: The snapshot digest (``None`` for a failed poll).
    digest: str | None
    #: The approved digest at the time (from the lock), if any.
    approved: str | None
    #: Error code of a failed poll (``E_FETCH``, ``E_TIMEOUT``, ``E_MCP``, ``E_PARSE``…).
    code: str | None
    #: Error message (redacted) of a failed poll.
    message: str | None
    #: How long the poll took (ms).
    duration_ms: int
    #: The watcher that made it.
    owner: str


@dataclass(frozen=True)
class SnapshotRow:
    """A distinct snapshot, stored once per digest."""

    #: ``sha256:<hex>``.
    digest: str
    #: ``openapi``, ``json-schema``, ``mcp``, ``samples``…
    kind: str
    #: The canonical snapshot JSON.
    body: str
    #: When it was first stored (ms).
    first_seen: int


@dataclass(frozen=True)
class ChangeRow:
    """A change report: the approved snapshot against a newly observed digest (stored
    once per surface, approved digest and new digest)."""

    id: int
    #: The surface name.
    surface: str
    #: When the new digest was first observed (ms).
    at: int
    #: The observation that first saw it.
    observation_id: int
    #: The approved digest (the report's ``old``).
    old_digest: str
    #: The observed digest (the report's ``new``).
    new_digest: str
    #: ``breaking``, ``dangerous``, ``safe`` or ``None`` (no classified change).
    max_severity: str | None
    #: True when the report fails the surface's policy.
    fails: bool
    #: ``1 breaking, 0 dangerous, 2 safe``.
    summary: str
    #: The report as JSON (``driftguard.report/1``).
    report: str


@dataclass(frozen=True)
class AlertRow:
    """An alert for one sink about one change. ``pending`` until delivered; a failed
    attempt schedules a retry (``next_attempt``), it never drops the alert."""

    id: int
    #: The change it reports.
    change_id: int
    #: The surface name.
    surface: str
    #: The sink name from the configuration (``webhook-1``…).
    sink: str
    #: ``webhook``, ``slack`` or ``email``.
    kind: str
    #: When it was queued (ms).
    created: int
    #: ``pending`` or ``delivered``.
    status: str
    #: Delivery attempts so far.
    attempts: int
    #: When the next attempt is due (ms).
    next_attempt: int
    #: When it was delivered (ms).
    delivered_at: int | None
    #: The last failed attempt's reason (redacted).
    last_error: str | None
    #: The rendered payload as JSON (webhook: ``{"body", "headers"}``; slack:
    #: ``{"body"}``; email: ``{"subject", "text", "html"}``). No secret: destinations
    #: and credentials are resolved from the configuration at delivery time.
    payload: str


@dataclass(frozen=True)
class DeliveryRow:
    """One delivery attempt of an alert."""

    id: int
    alert_id: int
    #: When it was attempted (ms).
    at: int
    #: True when the sink accepted it.
    ok: bool
    #: ``HTTP 200``, ``250 OK``, or the failure (redacted).
    detail: str


# ---------------------------------------------------------------------------------------
# What the watcher writes
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewChange:
    """A change report to store with a poll (ignored if the same surface/old/new exists)."""

    old_digest: str
    new_digest: str
    max_severity: str | None
    fails: bool
    summary: str
    report: str


@dataclass(frozen=True)
class NewAlert:
    """An alert to queue with a new change (one per sink)."""

    sink: str
    kind: str
    payload: str


@dataclass(frozen=True)
class PollRecord:
    """Everything one poll writes, in one transaction (:meth:`Store.record_poll`)."""

    surface: str
    #: The watcher id (the lease holder).
    owner: str
    #: When the poll started (ms).
    at: int
    duration_ms: int
    ok: bool
    #: See :attr:`Observation.outcome`.
    outcome: str
    digest: str | None = None
    approved: str | None = None
    code: str | None = None
    message: str | None = None
    #: The raw payload hash of a successful capture (kept for the short-circuit).
    raw_hash: str | None = None
    #: New HTTP validators (``None`` keeps nothing: validators are replaced as a pair).
    etag: str | None = None
    last_modified: str | None = None
    #: The snapshot, when its digest may be new (stored only if absent).
    snapshot: SnapshotRow | None = None
    #: The change report, when the digest differs from the approved one.
    change: NewChange | None = None
    #: Alerts to queue if ``change`` is stored now (not if it already existed).
    alerts: Sequence[NewAlert] = field(default_factory=tuple)
    #: When the surface is next due (ms) and its consecutive failures after this poll.
    next_due: int = 0
    failures: int = 0


@dataclass(frozen=True)
class Recorded:
    """What :meth:`Store.record_poll` committed."""

    observation_id: int
    #: The change row for ``PollRecord.change`` (new or existing), if one was given.
    change_id: int | None = None
    #: True when the change was new (and its alerts were queued).
    new_change: bool = False
    #: Ids of the queued alerts.
    alert_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Pruned:
    """What :meth:`Store.prune` removed (or, dry run, would remove): row counts per table."""

    #: The cutoff (ms): history before it was pruned, except the rows retention keeps.
    before: int
    observations: int = 0
    snapshots: int = 0
    changes: int = 0
    alerts: int = 0
    deliveries: int = 0
    #: True when nothing was deleted (``--dry-run``).
    dry_run: bool = False

    @property
    def total(self) -> int:
        """All rows removed."""
        return self.observations + self.snapshots + self.changes + self.alerts + self.deliveries


@dataclass(frozen=True)
class Exposure:
    """Since when a surface has shown an unapproved shape."""

    surface: str
    #: The approved digest (from the lock), if any.
    approved: str | None
    #: The digest of the last successful observation, if any.
    current: str | None
    #: True when the current digest is known and differs from the approved one.
    exposed: bool
    #: First observation of the current digest after the approved one was last seen (ms).
    first_seen: int | None
    #: First observation of any unapproved digest after the approved one was last seen.
    drift_since: int | None
    #: Last observation of the approved digest (ms).
    last_approved_seen: int | None


# ---------------------------------------------------------------------------------------
# The protocol
# ---------------------------------------------------------------------------------------


@runtime_checkable
class Store(Protocol):
    """A watch store (SQLite: :class:`~driftguard.store.sqlite.SqliteStore`;
    PostgreSQL: ``driftguard.store.postgres``). Every method raises :class:`StoreError`
    when the database fails."""

    #: ``sqlite`` or ``postgresql``.
    dialect: str
    #: Where it is, without a password (for messages).
    location: str

    def close(self) -> None:
        """Closes the connection (idempotent)."""

    def schema_version(self) -> int:
        """The schema version of the database (after migration: ``schema.SCHEMA_VERSION``)."""

    # -- schedule ------------------------------------------------------------------------

    def sync_surfaces(self, names: Sequence[str], now: int) -> None:
        """Makes ``names`` the active surfaces: missing ones are added, due at ``now``;
        others are marked inactive (their history is kept)."""

    def surface(self, name: str) -> SurfaceState | None:
        """The schedule row of a surface."""

    def surfaces(self) -> list[SurfaceState]:
        """Every schedule row, by name."""

    def lease_due(self, owner: str, now: int, limit: int, lease_seconds: float) -> list[str]:
        """Leases up to ``limit`` active surfaces that are due (``next_due <= now``) and
        not leased (or whose lease ended), earliest due first: sets ``lease_owner`` and
        ``lease_until = now + lease_seconds``. Atomic: two watchers never lease the same
        surface (SQLite ``BEGIN IMMEDIATE``; PostgreSQL ``FOR UPDATE SKIP LOCKED``)."""

    def next_due(self) -> int | None:
        """The earliest ``next_due`` of an active surface that is not leased (or whose
        lease ended); ``None`` when there is none. For sleeping until work is due."""

    def lease_owners(self) -> list[str]:
        """Every distinct current lease holder (surfaces and alerts)."""

    def release_leases(self, owner: str) -> int:
        """Drops every lease ``owner`` holds (a watcher that is gone); returns how many."""

    def record_poll(self, poll: PollRecord) -> Recorded:
        """Writes one poll in one transaction: the observation; the snapshot if its
        digest is not stored yet; the change report if no report exists for
        (surface, old, new) — and then, only then, its alerts; and the surface's
        ``next_due``, ``failures``, validators, ``last_raw``/``last_digest`` (kept on a
        failed poll), releasing the lease."""

    # -- alerts --------------------------------------------------------------------------

    def lease_alerts(
        self, owner: str, now: int, limit: int, lease_seconds: float
    ) -> list[AlertRow]:
        """Leases up to ``limit`` pending alerts whose ``next_attempt <= now`` and that
        are not leased (or whose lease ended), oldest first."""

    def next_alert_due(self) -> int | None:
        """The earliest ``next_attempt`` of a pending alert that is not leased."""

    def record_delivery(
        self, alert_id: int, at: int, ok: bool, detail: str, next_attempt: int
    ) -> None:
        """Records one delivery attempt and updates the alert: ``delivered`` on success,
        else ``attempts + 1``, ``last_error`` and ``next_attempt``; releases its lease."""

    # -- queries -------------------------------------------------------------------------

    def observations(
        self,
        surface: str,
        *,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
    ) -> list[Observation]:
        """The observations of a surface, oldest first (``since <= at <= until``; with
        ``limit``, the most recent ``limit`` of them)."""

    def observation_at(self, surface: str, at: int) -> Observation | None:
        """The last successful observation at or before ``at``: the shape in force then."""

    def first_seen(self, surface: str, digest: str, after: int | None = None) -> int | None:
        """When ``digest`` was first observed for ``surface`` (strictly after ``after``)."""

    def last_seen(self, surface: str, digest: str) -> int | None:
        """When ``digest`` was last observed for ``surface``."""

    def first_other(self, surface: str, digest: str, after: int | None = None) -> int | None:
        """The first successful observation of a digest other than ``digest`` (strictly
        after ``after``)."""

    def last_ok(self, surface: str) -> Observation | None:
        """The last successful observation of a surface."""

    def snapshot(self, digest: str) -> SnapshotRow | None:
        """A stored snapshot."""

    def find_change(self, surface: str, old_digest: str, new_digest: str) -> ChangeRow | None:
        """The change report for (surface, approved digest, new digest), if stored."""

    def changes(self, surface: str) -> list[ChangeRow]:
        """The change reports of a surface, oldest first."""

    def alerts(self, surface: str) -> list[AlertRow]:
        """The alerts of a surface, oldest first."""

    def prune(
        self,
        before: int,
        approved: dict[str, str],
        *,
        dry_run: bool = False,
        batch: int = 500,
        should_stop: Callable[[], bool] | None = None,
    ) -> Pruned:
        """Deletes history older than ``before`` (ms) except what retention keeps (see
        ``docs/watch.md``, Retention); ``approved`` maps surfaces to their locked digest.
        Deletes in transactions of at most ``batch`` rows; stops between two of them
        once ``should_stop()`` is true (what was deleted stays deleted)."""
        ...

    def pruned_before(self, surface: str) -> int | None:
        """The time (ms) before which ``surface``'s history was pruned, if it was."""
        ...

    def lease_task(self, task: str, owner: str, now: int, every_ms: int, lease_ms: int) -> bool:
        """Takes the lease on watch-wide ``task`` for ``lease_ms`` when no other owner holds
        it and it last finished at least ``every_ms`` ago: whether ``owner`` got it."""
        ...

    def finish_task(self, task: str, owner: str, now: int) -> None:
        """Releases ``owner``'s lease on ``task``, recording ``now`` as its last run."""
        ...

    def deliveries(self, alert_id: int) -> list[DeliveryRow]:
        """The delivery attempts of an alert, oldest first."""


# ---------------------------------------------------------------------------------------
# Helpers shared by the backends and the commands
# ---------------------------------------------------------------------------------------


def exposure(store: Store, surface: str, approved: str | None) -> Exposure:
    """The exposure window of ``surface`` against the ``approved`` digest: when the
    current (last observed) shape was first seen, when any unapproved shape was first
    seen, and when the approved one was last seen."""
    last = store.last_ok(surface)
    current = last.digest if last is not None else None
    last_approved = store.last_seen(surface, approved) if approved else None
    exposed = current is not None and current != approved
    first = drift = None
    if exposed and current is not None:
        first = store.first_seen(surface, current, after=last_approved)
        drift = store.first_other(surface, approved, after=last_approved) if approved else first
    return Exposure(
        surface=surface,
        approved=approved,
        current=current,
        exposed=exposed,
        first_seen=first,
        drift_since=drift,
        last_approved_seen=last_approved,
    )


def format_ms(ms: int | None) -> str | None:
    """Milliseconds since the epoch → RFC 3339 UTC (``2026-11-25T01:02:03.456Z``; whole
    seconds without a fraction)."""
    if ms is None:
        return None
    t = _dt.datetime.fromtimestamp(ms / 1000, tz=_dt.timezone.utc)
    base = t.strftime("%Y-%m-%dT%H:%M:%S")
    frac = ms % 1000
    return f"{base}.{frac:03d}Z" if frac else f"{base}Z"


def parse_time(text: str) -> int:
    """RFC 3339 (``2026-11-25T01:02:03Z``, fractions and offsets allowed) or a date
    (``2026-11-25``, its midnight UTC) → milliseconds. ``ValueError`` otherwise."""
    s = text.strip()
    try:
        if len(s) == 10:
            d = _dt.datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=_dt.timezone.utc)
        else:
            d = _dt.datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
            if d.tzinfo is None:
                raise ValueError("no time zone")
    except ValueError:
        raise ValueError(
            f"not an RFC 3339 time such as 2026-11-25T01:00:00Z (or a date): {text!r}"
        ) from None
    return round(d.timestamp() * 1000)


def open_store(url_or_path: str, *, base_dir: str | None = None) -> Store:
    """Opens (creating and migrating as needed) the store at ``url_or_path``:
    ``postgresql://…``/``postgres://…`` (PostgreSQL), ``sqlite:///abs/path`` or
    ``sqlite:rel/path``, or a plain file path (SQLite; relative to ``base_dir``)."""
    if url_or_path.startswith(("postgresql://", "postgres://")):
        try:
            from .postgres import PostgresStore  # type: ignore[import-not-found,unused-ignore]
        except ImportError as e:
            raise StoreError(f"PostgreSQL store unavailable in this installation: {e}") from None
        store: Store = PostgresStore(url_or_path)
        return store
    from .sqlite import SqliteStore

    path = url_or_path
    if path.startswith("sqlite://"):
        path = path[len("sqlite://") :]
    elif path.startswith("sqlite:"):
        path = path[len("sqlite:") :]
    if not path:
        raise StoreError("an empty SQLite store path")
    if base_dir is not None and not os.path.isabs(path):
        path = os.path.join(base_dir, path)
    return SqliteStore(path)
