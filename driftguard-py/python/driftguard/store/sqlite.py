"""The SQLite watch store: one file (``driftguard.db`` beside the configuration by default).

- WAL journal (readers never block the writer; ``driftguard history`` can run while the
  watcher writes) with ``synchronous=FULL``: every commit is fsynced, so a committed
  observation survives a crash of the process *and* of the machine. In WAL mode
  ``NORMAL`` would already survive a killed process; ``FULL`` costs one fsync per poll,
  which is nothing next to a network capture.
- Every write is one ``BEGIN IMMEDIATE`` … ``COMMIT`` transaction (taking the write lock
  up front, so two watchers sharing a file never deadlock on lock upgrades); leasing
  due surfaces is one such transaction, so two processes never lease the same surface.
- ``busy_timeout`` 30 s: a writer waits for another instead of failing at once.
- The schema version is checked on open (``E_STORE`` for a newer one) and pending
  migrations run, each in its own transaction.

SQL is written so PostgreSQL accepts it too (see :mod:`driftguard.store.schema`); only
parameter markers (``?``) and the leasing transaction differ there.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from . import schema
from .base import (
    AlertRow,
    ChangeRow,
    DeliveryRow,
    Observation,
    PollRecord,
    Recorded,
    SnapshotRow,
    StoreError,
    SurfaceState,
)

__all__ = ["SqliteStore"]

BUSY_TIMEOUT_S = 30.0

SURFACE_COLUMNS = (
    "name, active, next_due, failures, etag, last_modified, last_raw, last_digest,"
    " last_polled, lease_owner, lease_until"
)
OBSERVATION_COLUMNS = (
    "id, surface, at, ok, outcome, digest, approved, code, message, duration_ms, owner"
)
CHANGE_COLUMNS = (
    "id, surface, at, observation_id, old_digest, new_digest, max_severity, fails, summary, report"
)
ALERT_COLUMNS = (
    "id, change_id, surface, sink, kind, created, status, attempts, next_attempt,"
    " delivered_at, last_error, payload"
)


def surface_row(r: Sequence[Any]) -> SurfaceState:
    """A ``surfaces`` row (:data:`SURFACE_COLUMNS` order) → :class:`SurfaceState`."""
    return SurfaceState(
        name=r[0],
        active=bool(r[1]),
        next_due=int(r[2]),
        failures=int(r[3]),
        etag=r[4],
        last_modified=r[5],
        last_raw=r[6],
        last_digest=r[7],
        last_polled=None if r[8] is None else int(r[8]),
        lease_owner=r[9],
        lease_until=None if r[10] is None else int(r[10]),
    )


def observation_row(r: Sequence[Any]) -> Observation:
    """An ``observations`` row (:data:`OBSERVATION_COLUMNS`) → :class:`Observation`."""
    return Observation(
        id=int(r[0]),
        surface=r[1],
        at=int(r[2]),
        ok=bool(r[3]),
        outcome=r[4],
        digest=r[5],
        approved=r[6],
        code=r[7],
        message=r[8],
        duration_ms=int(r[9]),
        owner=r[10],
    )


def change_row(r: Sequence[Any]) -> ChangeRow:
    """A ``changes`` row (:data:`CHANGE_COLUMNS`) → :class:`ChangeRow`."""
    return ChangeRow(
        id=int(r[0]),
        surface=r[1],
        at=int(r[2]),
        observation_id=int(r[3]),
        old_digest=r[4],
        new_digest=r[5],
        max_severity=r[6],
        fails=bool(r[7]),
        summary=r[8],
        report=r[9],
    )


def alert_row(r: Sequence[Any]) -> AlertRow:
    """An ``alerts`` row (:data:`ALERT_COLUMNS`) → :class:`AlertRow`."""
    return AlertRow(
        id=int(r[0]),
        change_id=int(r[1]),
        surface=r[2],
        sink=r[3],
        kind=r[4],
        created=int(r[5]),
        status=r[6],
        attempts=int(r[7]),
        next_attempt=int(r[8]),
        delivered_at=None if r[9] is None else int(r[9]),
        last_error=r[10],
        payload=r[11],
    )


class SqliteStore:
    """The watch store in a SQLite file (see the module docs). Thread-safe: one
    connection, every call serialized."""

    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self.location = path
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        try:
            parent = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(parent):
                raise StoreError(f"cannot open the store {path}: no directory {parent}")
            self._db = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            db = self._db
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                raise StoreError(f"cannot put the store {path} in WAL mode (got {mode!r})")
            db.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except sqlite3.Error as e:
            self.close()
            raise StoreError(f"cannot open the store {path}: {e}") from None
        except StoreError:
            self.close()
            raise

    # -- plumbing ------------------------------------------------------------------------

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError(f"the store {self.path} is closed")
        return self._db

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``), rolled back on any error."""
        with self._lock:
            db = self.db
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                raise StoreError(f"store {self.path}: cannot begin a transaction: {e}") from None
            try:
                yield db
                db.execute("COMMIT")
            except BaseException as e:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                if isinstance(e, sqlite3.Error):
                    raise StoreError(f"store {self.path}: {e}") from None
                raise

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            try:
                return self.db.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as e:
                raise StoreError(f"store {self.path}: {e}") from None

    def _migrate(self) -> None:
        db = self.db
        user_version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if user_version > schema.SCHEMA_VERSION:
            raise StoreError(self._newer(user_version))
        while True:
            with self._tx() as tx:
                tx.execute(schema.VERSION_TABLE)
                row = tx.execute("SELECT version FROM driftguard_schema").fetchone()
                version = 0 if row is None else int(row[0])
                if version > schema.SCHEMA_VERSION:
                    raise StoreError(self._newer(version))
                if version == schema.SCHEMA_VERSION:
                    if user_version != version:
                        tx.execute(f"PRAGMA user_version = {version}")
                    return
                target = version + 1
                for stmt in schema.statements(target, "sqlite"):
                    tx.execute(stmt)
                if row is None:
                    tx.execute("INSERT INTO driftguard_schema (version) VALUES (?)", (target,))
                else:
                    tx.execute("UPDATE driftguard_schema SET version = ?", (target,))
                tx.execute(f"PRAGMA user_version = {target}")
                user_version = target

    def _newer(self, version: int) -> str:
        return (
            f"the store {self.path} has schema version {version}, newer than this build's"
            f" {schema.SCHEMA_VERSION}: upgrade driftguard"
        )

    def close(self) -> None:
        """Closes the connection (idempotent)."""
        with self._lock:
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._db = None

    def schema_version(self) -> int:
        """The database's schema version."""
        rows = self._read("SELECT version FROM driftguard_schema")
        return int(rows[0][0]) if rows else 0

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: ``ok`` for a sound file."""
        rows = self._read("PRAGMA integrity_check")
        return "\n".join(str(r[0]) for r in rows)

    # -- schedule ------------------------------------------------------------------------

    def sync_surfaces(self, names: Sequence[str], now: int) -> None:
        """See :meth:`Store.sync_surfaces`."""
        wanted = set(names)
        with self._tx() as db:
            existing = {r[0]: bool(r[1]) for r in db.execute("SELECT name, active FROM surfaces")}
            for name in names:
                if name not in existing:
                    db.execute(
                        "INSERT INTO surfaces (name, active, next_due, failures)"
                        " VALUES (?, 1, ?, 0)",
                        (name, now),
                    )
                elif not existing[name]:
                    db.execute(
                        "UPDATE surfaces SET active = 1, next_due = ? WHERE name = ?",
                        (now, name),
                    )
            for name, active in existing.items():
                if active and name not in wanted:
                    db.execute("UPDATE surfaces SET active = 0 WHERE name = ?", (name,))

    def surface(self, name: str) -> SurfaceState | None:
        """See :meth:`Store.surface`."""
        rows = self._read(f"SELECT {SURFACE_COLUMNS} FROM surfaces WHERE name = ?", (name,))
        return surface_row(rows[0]) if rows else None

    def surfaces(self) -> list[SurfaceState]:
        """See :meth:`Store.surfaces`."""
        rows = self._read(f"SELECT {SURFACE_COLUMNS} FROM surfaces ORDER BY name")
        return [surface_row(r) for r in rows]

    def lease_due(self, owner: str, now: int, limit: int, lease_seconds: float) -> list[str]:
        """See :meth:`Store.lease_due` (one ``BEGIN IMMEDIATE`` transaction)."""
        if limit <= 0:
            return []
        until = now + int(lease_seconds * 1000)
        with self._tx() as db:
            names = [
                r[0]
                for r in db.execute(
                    "SELECT name FROM surfaces WHERE active = 1 AND next_due <= ?"
                    " AND (lease_until IS NULL OR lease_until < ?)"
                    " ORDER BY next_due, name LIMIT ?",
                    (now, now, limit),
                )
            ]
            db.executemany(
                "UPDATE surfaces SET lease_owner = ?, lease_until = ? WHERE name = ?",
                [(owner, until, n) for n in names],
            )
        return names

    def next_due(self) -> int | None:
        """See :meth:`Store.next_due`: the earliest due time, an expired lease counting
        as due when it ends."""
        rows = self._read(
            "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until + 1 > next_due"
            " THEN lease_until + 1 ELSE next_due END) FROM surfaces WHERE active = 1"
        )
        return None if not rows or rows[0][0] is None else int(rows[0][0])

    def lease_owners(self) -> list[str]:
        """See :meth:`Store.lease_owners`."""
        rows = self._read(
            "SELECT lease_owner FROM surfaces WHERE lease_owner IS NOT NULL"
            " UNION SELECT lease_owner FROM alerts WHERE lease_owner IS NOT NULL"
        )
        return sorted(r[0] for r in rows)

    def release_leases(self, owner: str) -> int:
        """See :meth:`Store.release_leases`."""
        with self._tx() as db:
            a = db.execute(
                "UPDATE surfaces SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
                (owner,),
            ).rowcount
            b = db.execute(
                "UPDATE alerts SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
                (owner,),
            ).rowcount
        return int(a) + int(b)

    def record_poll(self, poll: PollRecord) -> Recorded:
        """See :meth:`Store.record_poll` (one transaction)."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO observations (surface, at, ok, outcome, digest, approved, code,"
                " message, duration_ms, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    poll.surface,
                    poll.at,
                    int(poll.ok),
                    poll.outcome,
                    poll.digest,
                    poll.approved,
                    poll.code,
                    poll.message,
                    poll.duration_ms,
                    poll.owner,
                ),
            )
            obs_id = int(cur.lastrowid or 0)
            if poll.snapshot is not None:
                s = poll.snapshot
                db.execute(
                    "INSERT INTO snapshots (digest, kind, body, first_seen) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (digest) DO NOTHING",
                    (s.digest, s.kind, s.body, poll.at),
                )
            change_id: int | None = None
            new_change = False
            alert_ids: list[int] = []
            if poll.change is not None:
                c = poll.change
                row = db.execute(
                    "SELECT id FROM changes WHERE surface = ? AND old_digest = ?"
                    " AND new_digest = ?",
                    (poll.surface, c.old_digest, c.new_digest),
                ).fetchone()
                if row is not None:
                    change_id = int(row[0])
                else:
                    cur = db.execute(
                        "INSERT INTO changes (surface, at, observation_id, old_digest,"
                        " new_digest, max_severity, fails, summary, report)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            poll.surface,
                            poll.at,
                            obs_id,
                            c.old_digest,
                            c.new_digest,
                            c.max_severity,
                            int(c.fails),
                            c.summary,
                            c.report,
                        ),
                    )
                    change_id = int(cur.lastrowid or 0)
                    new_change = True
                    for a in poll.alerts:
                        cur = db.execute(
                            "INSERT INTO alerts (change_id, surface, sink, kind, created,"
                            " status, attempts, next_attempt, payload)"
                            " VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
                            (change_id, poll.surface, a.sink, a.kind, poll.at, poll.at, a.payload),
                        )
                        alert_ids.append(int(cur.lastrowid or 0))
            db.execute(
                "INSERT INTO surfaces (name, active, next_due, failures) VALUES (?, 1, ?, 0)"
                " ON CONFLICT (name) DO NOTHING",
                (poll.surface, poll.next_due),
            )
            if poll.ok:
                db.execute(
                    "UPDATE surfaces SET next_due = ?, failures = ?, last_polled = ?,"
                    " last_raw = COALESCE(?, last_raw), last_digest = ?, etag = ?,"
                    " last_modified = ?, lease_owner = NULL, lease_until = NULL"
                    " WHERE name = ? AND (lease_owner IS NULL OR lease_owner = ?)",
                    (
                        poll.next_due,
                        poll.failures,
                        poll.at,
                        poll.raw_hash,
                        poll.digest,
                        poll.etag,
                        poll.last_modified,
                        poll.surface,
                        poll.owner,
                    ),
                )
            else:
                db.execute(
                    "UPDATE surfaces SET next_due = ?, failures = ?, last_polled = ?,"
                    " lease_owner = NULL, lease_until = NULL"
                    " WHERE name = ? AND (lease_owner IS NULL OR lease_owner = ?)",
                    (poll.next_due, poll.failures, poll.at, poll.surface, poll.owner),
                )
        return Recorded(
            observation_id=obs_id,
            change_id=change_id,
            new_change=new_change,
            alert_ids=tuple(alert_ids),
        )

    # -- alerts --------------------------------------------------------------------------

    def lease_alerts(
        self, owner: str, now: int, limit: int, lease_seconds: float
    ) -> list[AlertRow]:
        """See :meth:`Store.lease_alerts`."""
        if limit <= 0:
            return []
        until = now + int(lease_seconds * 1000)
        with self._tx() as db:
            rows = db.execute(
                f"SELECT {ALERT_COLUMNS} FROM alerts WHERE status = 'pending'"
                " AND next_attempt <= ? AND (lease_until IS NULL OR lease_until < ?)"
                " ORDER BY next_attempt, id LIMIT ?",
                (now, now, limit),
            ).fetchall()
            db.executemany(
                "UPDATE alerts SET lease_owner = ?, lease_until = ? WHERE id = ?",
                [(owner, until, r[0]) for r in rows],
            )
        return [alert_row(r) for r in rows]

    def next_alert_due(self) -> int | None:
        """See :meth:`Store.next_alert_due`."""
        rows = self._read(
            "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until + 1 > next_attempt"
            " THEN lease_until + 1 ELSE next_attempt END) FROM alerts WHERE status = 'pending'"
        )
        return None if not rows or rows[0][0] is None else int(rows[0][0])

    def record_delivery(
        self, alert_id: int, at: int, ok: bool, detail: str, next_attempt: int
    ) -> None:
        """See :meth:`Store.record_delivery`."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO deliveries (alert_id, at, ok, detail) VALUES (?, ?, ?, ?)",
                (alert_id, at, int(ok), detail),
            )
            if ok:
                db.execute(
                    "UPDATE alerts SET status = 'delivered', attempts = attempts + 1,"
                    " delivered_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?",
                    (at, alert_id),
                )
            else:
                db.execute(
                    "UPDATE alerts SET attempts = attempts + 1, last_error = ?,"
                    " next_attempt = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?",
                    (detail, next_attempt, alert_id),
                )

    # -- queries -------------------------------------------------------------------------

    def observations(
        self,
        surface: str,
        *,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
    ) -> list[Observation]:
        """See :meth:`Store.observations`."""
        sql = f"SELECT {OBSERVATION_COLUMNS} FROM observations WHERE surface = ?"
        params: list[Any] = [surface]
        if since is not None:
            sql += " AND at >= ?"
            params.append(since)
        if until is not None:
            sql += " AND at <= ?"
            params.append(until)
        if limit is not None:
            rows = self._read(sql + " ORDER BY at DESC, id DESC LIMIT ?", [*params, limit])
            rows.reverse()
        else:
            rows = self._read(sql + " ORDER BY at, id", params)
        return [observation_row(r) for r in rows]

    def observation_at(self, surface: str, at: int) -> Observation | None:
        """See :meth:`Store.observation_at`."""
        rows = self._read(
            f"SELECT {OBSERVATION_COLUMNS} FROM observations WHERE surface = ? AND ok = 1"
            " AND at <= ? ORDER BY at DESC, id DESC LIMIT 1",
            (surface, at),
        )
        return observation_row(rows[0]) if rows else None

    def first_seen(self, surface: str, digest: str, after: int | None = None) -> int | None:
        """See :meth:`Store.first_seen`."""
        rows = self._read(
            "SELECT MIN(at) FROM observations WHERE surface = ? AND ok = 1 AND digest = ?"
            " AND at > ?",
            (surface, digest, -1 if after is None else after),
        )
        return None if not rows or rows[0][0] is None else int(rows[0][0])

    def last_seen(self, surface: str, digest: str) -> int | None:
        """See :meth:`Store.last_seen`."""
        rows = self._read(
            "SELECT MAX(at) FROM observations WHERE surface = ? AND ok = 1 AND digest = ?",
            (surface, digest),
        )
        return None if not rows or rows[0][0] is None else int(rows[0][0])

    def first_other(self, surface: str, digest: str, after: int | None = None) -> int | None:
        """See :meth:`Store.first_other`."""
        rows = self._read(
            "SELECT MIN(at) FROM observations WHERE surface = ? AND ok = 1 AND digest <> ?"
            " AND at > ?",
            (surface, digest, -1 if after is None else after),
        )
        return None if not rows or rows[0][0] is None else int(rows[0][0])

    def last_ok(self, surface: str) -> Observation | None:
        """See :meth:`Store.last_ok`."""
        rows = self._read(
            f"SELECT {OBSERVATION_COLUMNS} FROM observations WHERE surface = ? AND ok = 1"
            " ORDER BY at DESC, id DESC LIMIT 1",
            (surface,),
        )
        return observation_row(rows[0]) if rows else None

    def snapshot(self, digest: str) -> SnapshotRow | None:
        """See :meth:`Store.snapshot`."""
        rows = self._read(
            "SELECT digest, kind, body, first_seen FROM snapshots WHERE digest = ?", (digest,)
        )
        if not rows:
            return None
        r = rows[0]
        return SnapshotRow(digest=r[0], kind=r[1], body=r[2], first_seen=int(r[3]))

    def find_change(self, surface: str, old_digest: str, new_digest: str) -> ChangeRow | None:
        """See :meth:`Store.find_change`."""
        rows = self._read(
            f"SELECT {CHANGE_COLUMNS} FROM changes WHERE surface = ? AND old_digest = ?"
            " AND new_digest = ?",
            (surface, old_digest, new_digest),
        )
        return change_row(rows[0]) if rows else None

    def changes(self, surface: str) -> list[ChangeRow]:
        """See :meth:`Store.changes`."""
        rows = self._read(
            f"SELECT {CHANGE_COLUMNS} FROM changes WHERE surface = ? ORDER BY at, id", (surface,)
        )
        return [change_row(r) for r in rows]

    def alerts(self, surface: str) -> list[AlertRow]:
        """See :meth:`Store.alerts`."""
        rows = self._read(
            f"SELECT {ALERT_COLUMNS} FROM alerts WHERE surface = ? ORDER BY id", (surface,)
        )
        return [alert_row(r) for r in rows]

    def deliveries(self, alert_id: int) -> list[DeliveryRow]:
        """See :meth:`Store.deliveries`."""
        rows = self._read(
            "SELECT id, alert_id, at, ok, detail FROM deliveries WHERE alert_id = ? ORDER BY id",
            (alert_id,),
        )
        return [
            DeliveryRow(id=int(r[0]), alert_id=int(r[1]), at=int(r[2]), ok=bool(r[3]), detail=r[4])
            for r in rows
        ]
