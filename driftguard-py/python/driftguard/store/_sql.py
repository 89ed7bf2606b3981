"""What the SQLite and PostgreSQL stores share: row mapping and every statement that is
the same in both dialects.

:class:`SqlStore` implements most of :class:`~.base.Store` over the portable schema
(:mod:`driftguard.store.schema`). SQL here is written with ``?`` parameter markers;
:meth:`SqlStore._q` turns them into the backend's (:attr:`SqlStore.param`). A backend
supplies the connection and its transactions (:meth:`SqlStore._tx`,
:meth:`SqlStore._read`), how an inserted row's id is read back
(:meth:`SqlStore._insert_id`), how a change report is stored at most once
(:meth:`SqlStore._add_change`), and what truly differs by dialect: syncing the surface
list, leasing (``lease_due``, ``lease_alerts``), migrations and connection handling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from . import schema
from .base import (
    AlertRow,
    ChangeRow,
    DeliveryRow,
    Observation,
    PollRecord,
    Pruned,
    Recorded,
    SnapshotRow,
    StoreError,
    SurfaceState,
)

__all__ = [
    "ALERT_COLUMNS",
    "CHANGE_COLUMNS",
    "INSERT_CHANGE",
    "OBSERVATION_COLUMNS",
    "SELECT_CHANGE_ID",
    "SURFACE_COLUMNS",
    "SqlStore",
    "alert_row",
    "change_row",
    "observation_row",
    "surface_row",
]

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


#: Inserts a change report (parameters: surface, at, observation_id, old_digest,
#: new_digest, max_severity, fails, summary, report).
INSERT_CHANGE = (
    "INSERT INTO changes (surface, at, observation_id, old_digest,"
    " new_digest, max_severity, fails, summary, report)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
#: The id of the change report for (surface, old_digest, new_digest).
SELECT_CHANGE_ID = "SELECT id FROM changes WHERE surface = ? AND old_digest = ? AND new_digest = ?"


class SqlStore:
    """The statements both SQL backends share (see the module docs). Subclasses set
    :attr:`param` and implement the hooks that raise ``NotImplementedError`` here."""

    #: The dialect :func:`~driftguard.store.schema.statements` writes the DDL for.
    dialect = ""
    #: Where the store is, as messages show it (never a password).
    location = ""
    #: The backend's parameter marker (``?`` for SQLite, ``%s`` for psycopg).
    param = "?"

    def _q(self, sql: str) -> str:
        """``sql`` (written with ``?`` markers) with the backend's markers."""
        return sql if self.param == "?" else sql.replace("?", self.param)

    def _tx(self) -> AbstractContextManager[Any]:
        """One write transaction yielding the connection, rolled back on any error."""
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Runs one read-only statement (``?`` markers) and returns its rows."""
        raise NotImplementedError

    def _exec(self, db: Any, sql: str, params: Sequence[Any] = ()) -> Any:
        """Runs one statement (``?`` markers) on ``db`` inside :meth:`_tx`; the cursor."""
        return db.execute(self._q(sql), tuple(params))

    def _insert_id(self, db: Any, sql: str, params: Sequence[Any]) -> int:
        """Runs one ``INSERT`` (``?`` markers) and returns the new row's id."""
        raise NotImplementedError

    def _guard_snapshots(self, db: Any, *, deleting: bool) -> None:
        """Orders a transaction that records polls against one that deletes snapshots:
        a poll may refer to a stored snapshot it did not insert, which the deletion must
        then see. Nothing to do where write transactions are serialized (SQLite)."""

    def _add_change(self, db: Any, params: Sequence[Any]) -> tuple[int | None, bool]:
        """Stores a change report (:data:`INSERT_CHANGE` parameters) unless one for the
        same (surface, old, new digest) exists: ``(its id, whether it is new)``."""
        raise NotImplementedError

    def _migration_began(self, tx: Any) -> None:
        """Called first in each migration transaction (PostgreSQL: takes the lock that
        serializes migrating watchers)."""

    def _schema_at(self, tx: Any, version: int) -> None:
        """Called in the migration transaction once the schema is at ``version``."""

    def _newer(self, version: int) -> str:
        return (
            f"the store {self.location} has schema version {version}, newer than this"
            f" build's {schema.SCHEMA_VERSION}: upgrade driftguard"
        )

    def _migrate(self) -> None:
        """Runs the pending migrations, one transaction each; ``E_STORE`` for a schema
        newer than this build's."""
        while True:
            with self._tx() as tx:
                self._migration_began(tx)
                tx.execute(schema.VERSION_TABLE)
                row = tx.execute("SELECT version FROM driftguard_schema").fetchone()
                version = 0 if row is None else int(row[0])
                if version > schema.SCHEMA_VERSION:
                    raise StoreError(self._newer(version))
                if version == schema.SCHEMA_VERSION:
                    self._schema_at(tx, version)
                    return
                target = version + 1
                for stmt in schema.statements(target, self.dialect):
                    tx.execute(stmt)
                if row is None:
                    self._exec(tx, "INSERT INTO driftguard_schema (version) VALUES (?)", (target,))
                else:
                    self._exec(tx, "UPDATE driftguard_schema SET version = ?", (target,))
                self._schema_at(tx, target)

    def schema_version(self) -> int:
        """The database's schema version."""
        rows = self._read("SELECT version FROM driftguard_schema")
        return int(rows[0][0]) if rows else 0

    # -- schedule ------------------------------------------------------------------------

    def surface(self, name: str) -> SurfaceState | None:
        """See :meth:`Store.surface`."""
        rows = self._read(f"SELECT {SURFACE_COLUMNS} FROM surfaces WHERE name = ?", (name,))
        return surface_row(rows[0]) if rows else None

    def surfaces(self) -> list[SurfaceState]:
        """See :meth:`Store.surfaces`."""
        rows = self._read(f"SELECT {SURFACE_COLUMNS} FROM surfaces ORDER BY name")
        return [surface_row(r) for r in rows]

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
            a = self._exec(
                db,
                "UPDATE surfaces SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
                (owner,),
            ).rowcount
            b = self._exec(
                db,
                "UPDATE alerts SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
                (owner,),
            ).rowcount
        return int(a) + int(b)

    def record_poll(self, poll: PollRecord) -> Recorded:
        """See :meth:`Store.record_poll` (one transaction)."""
        with self._tx() as db:
            self._guard_snapshots(db, deleting=False)
            obs_id = self._insert_id(
                db,
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
            if poll.snapshot is not None:
                s = poll.snapshot
                self._exec(
                    db,
                    "INSERT INTO snapshots (digest, kind, body, first_seen) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (digest) DO NOTHING",
                    (s.digest, s.kind, s.body, poll.at),
                )
            change_id: int | None = None
            new_change = False
            alert_ids: list[int] = []
            if poll.change is not None:
                c = poll.change
                change_id, new_change = self._add_change(
                    db,
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
                if new_change:
                    for a in poll.alerts:
                        alert_ids.append(
                            self._insert_id(
                                db,
                                "INSERT INTO alerts (change_id, surface, sink, kind, created,"
                                " status, attempts, next_attempt, payload)"
                                " VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
                                (
                                    change_id,
                                    poll.surface,
                                    a.sink,
                                    a.kind,
                                    poll.at,
                                    poll.at,
                                    a.payload,
                                ),
                            )
                        )
            self._exec(
                db,
                "INSERT INTO surfaces (name, active, next_due, failures) VALUES (?, 1, ?, 0)"
                " ON CONFLICT (name) DO NOTHING",
                (poll.surface, poll.next_due),
            )
            if poll.ok:
                self._exec(
                    db,
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
                self._exec(
                    db,
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
            self._exec(
                db,
                "INSERT INTO deliveries (alert_id, at, ok, detail) VALUES (?, ?, ?, ?)",
                (alert_id, at, int(ok), detail),
            )
            if ok:
                self._exec(
                    db,
                    "UPDATE alerts SET status = 'delivered', attempts = attempts + 1,"
                    " delivered_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?",
                    (at, alert_id),
                )
            else:
                self._exec(
                    db,
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

    # -- retention -----------------------------------------------------------------------

    def _one_id(self, sql: str, params: Sequence[Any]) -> tuple[int, str | None] | None:
        rows = self._read(sql + " LIMIT 1", params)
        return (int(rows[0][0]), rows[0][1]) if rows else None

    def _kept_observations(self, surface: str, before: int, approved: str | None) -> set[int]:
        """Ids of ``surface``'s observations that retention keeps whatever their age:
        the latest (any outcome), the latest successful, the last successful one before
        ``before`` (the snapshot in force when the window opens), and the receipts of
        ``exposure``: the last observation of the approved digest and, after it, the
        first of the current digest and the first of any other digest."""
        base = "SELECT id, digest FROM observations WHERE surface = ?"
        newest = " ORDER BY at DESC, id DESC"
        oldest = " ORDER BY at, id"
        found = [
            self._one_id(base + newest, (surface,)),
            self._one_id(base + " AND ok = 1" + newest, (surface,)),
            self._one_id(base + " AND ok = 1 AND at < ?" + newest, (surface, before)),
        ]
        current = found[1][1] if found[1] is not None else None
        after = -1
        if approved is not None:
            last_approved = self._read(
                "SELECT id, at FROM observations WHERE surface = ? AND ok = 1 AND digest = ?"
                + newest
                + " LIMIT 1",
                (surface, approved),
            )
            if last_approved:
                found.append((int(last_approved[0][0]), approved))
                after = int(last_approved[0][1])
            found.append(
                self._one_id(
                    base + " AND ok = 1 AND digest <> ? AND at > ?" + oldest,
                    (surface, approved, after),
                )
            )
        if current is not None:
            found.append(
                self._one_id(
                    base + " AND ok = 1 AND digest = ? AND at > ?" + oldest,
                    (surface, current, after),
                )
            )
        for r in self._read(
            "SELECT observation_id FROM changes WHERE surface = ? AND (at >= ? OR id IN"
            " (SELECT change_id FROM alerts WHERE status = 'pending'))",
            (surface, before),
        ):
            found.append((int(r[0]), None))
        return {f[0] for f in found if f is not None}

    def _delete_batches(
        self,
        select: str,
        delete: str,
        params: Sequence[Any],
        batch: int,
        stop: Callable[[], bool] = lambda: False,
    ) -> int:
        """Deletes, one bounded transaction per batch, the rows whose ids ``select``
        returns (it ends in ``LIMIT ?``); ``delete`` takes the ids as ``IN ({ids})``."""
        total = 0
        while not stop():
            with self._tx() as tx:
                ids = [int(r[0]) for r in self._exec(tx, select, [*params, batch]).fetchall()]
                if not ids:
                    return total
                marks = ", ".join("?" for _ in ids)
                self._exec(tx, delete.replace("{ids}", marks), ids)
            total += len(ids)
        return total

    def prune(
        self,
        before: int,
        approved: dict[str, str],
        *,
        dry_run: bool = False,
        batch: int = 500,
        should_stop: Callable[[], bool] | None = None,
    ) -> Pruned:
        """See :meth:`Store.prune`."""
        stop = should_stop or (lambda: False)
        # Per surface through the (surface, at) indexes: never a scan of all history.
        names = {r[0] for r in self._read("SELECT name FROM surfaces")}
        names |= {r[0] for r in self._read("SELECT DISTINCT surface FROM changes")}
        surfaces = [
            n
            for n in sorted(names)
            if self._read(
                "SELECT 1 FROM observations WHERE surface = ? AND at < ? LIMIT 1", (n, before)
            )
            or self._read("SELECT 1 FROM changes WHERE surface = ? AND at < ? LIMIT 1", (n, before))
        ]
        counts = {"observations": 0, "changes": 0, "alerts": 0, "deliveries": 0}
        kept_digests: set[str] = set(approved.values())
        touched: list[str] = []
        for surface in surfaces:
            if stop():
                break
            keep = sorted(self._kept_observations(surface, before, approved.get(surface)))
            if keep:
                marks = ", ".join("?" for _ in keep)
                for r in self._read(
                    f"SELECT digest FROM observations WHERE id IN ({marks}) AND digest IS NOT NULL",
                    keep,
                ):
                    kept_digests.add(r[0])
            not_kept = f" AND id NOT IN ({', '.join('?' for _ in keep)})" if keep else ""
            obs_where = "surface = ? AND at < ?" + not_kept
            obs_params = [surface, before, *keep]
            old_changes = (
                "surface = ? AND at < ? AND id NOT IN"
                " (SELECT change_id FROM alerts WHERE status = 'pending')"
            )
            change_params = [surface, before]
            # The rows each table loses, as ids and the order to delete them in: deepest
            # first (deliveries, their alerts, their changes), then the observations.
            doomed_changes = f"SELECT id FROM changes WHERE {old_changes}"
            doomed = {
                "deliveries": (
                    "SELECT d.id FROM deliveries d JOIN alerts a ON a.id = d.alert_id"
                    f" WHERE a.change_id IN ({doomed_changes})",
                    "d.id",
                    change_params,
                ),
                "alerts": (
                    f"SELECT id FROM alerts WHERE change_id IN ({doomed_changes})",
                    "id",
                    change_params,
                ),
                "changes": (doomed_changes, "id", change_params),
                "observations": (
                    f"SELECT id FROM observations WHERE {obs_where}",
                    "at, id",
                    obs_params,
                ),
            }
            n: dict[str, int] = {}
            for table, (ids, order, params) in doomed.items():
                if dry_run:
                    rows = self._read(f"SELECT COUNT(*) FROM ({ids}) AS doomed", params)
                    n[table] = int(rows[0][0])
                else:
                    n[table] = self._delete_batches(
                        f"{ids} ORDER BY {order} LIMIT ?",
                        f"DELETE FROM {table} WHERE id IN ({{ids}})",
                        params,
                        batch,
                        stop,
                    )
            for k, v in n.items():
                counts[k] += v
            if any(n.values()):
                touched.append(surface)
        # A snapshot goes once nothing retained refers to it. Each candidate is checked
        # through the index on observations (digest, at): no scan of the whole history.
        live = set(kept_digests)
        for r in self._read("SELECT last_digest FROM surfaces WHERE last_digest IS NOT NULL"):
            live.add(r[0])
        # A dry run deleted nothing: only rows from ``before`` on count as retained.
        since = before if dry_run else -1
        dead: list[str] = []
        for (digest,) in self._read("SELECT digest FROM snapshots ORDER BY digest"):
            if digest in live or self._read(
                "SELECT 1 FROM observations WHERE digest = ? AND at >= ? LIMIT 1",
                (digest, since),
            ):
                continue
            if self._read(
                "SELECT 1 FROM changes WHERE (old_digest = ? OR new_digest = ?) AND (at >= ?"
                " OR id IN (SELECT change_id FROM alerts WHERE status = 'pending')) LIMIT 1",
                (digest, digest, since),
            ):
                continue
            dead.append(digest)
        snapshots = len(dead)
        if not dry_run:
            if stop():
                dead = []
            snapshots = 0
            for i in range(0, len(dead), batch):
                chunk = dead[i : i + batch]
                marks = ", ".join("?" for _ in chunk)
                with self._tx() as tx:
                    self._guard_snapshots(tx, deleting=True)
                    cur = self._exec(
                        tx,
                        f"DELETE FROM snapshots WHERE digest IN ({marks}) AND NOT EXISTS"
                        " (SELECT 1 FROM observations o WHERE o.digest = snapshots.digest)"
                        " AND NOT EXISTS (SELECT 1 FROM changes c WHERE"
                        " c.old_digest = snapshots.digest OR c.new_digest = snapshots.digest)",
                        chunk,
                    )
                    snapshots += max(cur.rowcount, 0)
            with self._tx() as tx:
                for surface in touched:
                    self._exec(
                        tx,
                        "INSERT INTO pruned (surface, pruned_before) VALUES (?, ?)"
                        " ON CONFLICT (surface) DO UPDATE SET pruned_before = CASE WHEN"
                        " excluded.pruned_before > pruned.pruned_before THEN"
                        " excluded.pruned_before ELSE pruned.pruned_before END",
                        (surface, before),
                    )
        return Pruned(before=before, snapshots=snapshots, dry_run=dry_run, **counts)

    def pruned_before(self, surface: str) -> int | None:
        """See :meth:`Store.pruned_before`."""
        rows = self._read("SELECT pruned_before FROM pruned WHERE surface = ?", (surface,))
        return int(rows[0][0]) if rows else None

    def lease_task(self, task: str, owner: str, now: int, every_ms: int, lease_ms: int) -> bool:
        """See :meth:`Store.lease_task`."""
        with self._tx() as tx:
            self._exec(
                tx,
                "INSERT INTO maintenance (task) VALUES (?) ON CONFLICT (task) DO NOTHING",
                (task,),
            )
            cur = self._exec(
                tx,
                "UPDATE maintenance SET owner = ?, lease_until = ? WHERE task = ?"
                " AND (lease_until IS NULL OR lease_until < ? OR owner = ?)"
                " AND (last_run IS NULL OR last_run <= ?)",
                (owner, now + lease_ms, task, now, owner, now - every_ms),
            )
            return int(cur.rowcount) == 1

    def finish_task(self, task: str, owner: str, now: int) -> None:
        """See :meth:`Store.finish_task`."""
        with self._tx() as tx:
            self._exec(
                tx,
                "UPDATE maintenance SET owner = NULL, lease_until = NULL, last_run = ?"
                " WHERE task = ? AND owner = ?",
                (now, task, owner),
            )
