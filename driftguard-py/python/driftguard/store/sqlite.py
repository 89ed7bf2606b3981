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

SQL is written so PostgreSQL accepts it too (see :mod:`driftguard.store.schema`); the
statements both backends share live in :mod:`driftguard.store._sql`. Only the leasing
transaction, syncing the surface list and storing a change report differ here.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from . import schema
from ._sql import ALERT_COLUMNS, INSERT_CHANGE, SELECT_CHANGE_ID, SqlStore, alert_row
from .base import AlertRow, StoreError

__all__ = ["SqliteStore"]

BUSY_TIMEOUT_S = 30.0


class SqliteStore(SqlStore):
    """The watch store in a SQLite file (see the module docs). Thread-safe: one
    connection, every call serialized."""

    dialect = "sqlite"
    #: ``PRAGMA user_version`` as last read or written.
    _user_version = 0

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
        self._user_version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if self._user_version > schema.SCHEMA_VERSION:
            raise StoreError(self._newer(self._user_version))
        super()._migrate()

    def _schema_at(self, tx: sqlite3.Connection, version: int) -> None:
        # PRAGMA user_version mirrors the version, so a newer file is refused before
        # any statement touches it.
        if self._user_version != version:
            tx.execute(f"PRAGMA user_version = {version}")
            self._user_version = version

    def close(self) -> None:
        """Closes the connection (idempotent)."""
        with self._lock:
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._db = None

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: ``ok`` for a sound file."""
        rows = self._read("PRAGMA integrity_check")
        return "\n".join(str(r[0]) for r in rows)

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

    def _insert_id(self, db: sqlite3.Connection, sql: str, params: Sequence[Any]) -> int:
        return int(db.execute(sql, tuple(params)).lastrowid or 0)

    def _add_change(self, db: sqlite3.Connection, params: Sequence[Any]) -> tuple[int | None, bool]:
        # The write lock is held (BEGIN IMMEDIATE): look first, then insert.
        row = db.execute(SELECT_CHANGE_ID, (params[0], params[3], params[4])).fetchone()
        if row is not None:
            return int(row[0]), False
        return self._insert_id(db, INSERT_CHANGE, params), True
