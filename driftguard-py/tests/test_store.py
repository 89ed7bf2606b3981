"""The watch store: one contract suite run on both backends, then what only SQLite has.

The contract (schema and reopen, leasing and the schedule, the one-transaction poll record,
alert bookkeeping, the queries behind history/show/exposure, large values, E_STORE for a
newer schema) runs on a SQLite file always, and on a real PostgreSQL server (tests/pg.py:
a throwaway cluster on 127.0.0.1); where PostgreSQL is not installed those cases are
skipped with that reason (CI installs it). SQLite's own: WAL and the file, paths, corrupt
files, the portable schema text, the clock helpers, two processes leasing. PostgreSQL's own
are in tests/test_store_postgres.py.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from driftguard.store import (
    NewAlert,
    NewChange,
    PollRecord,
    SnapshotRow,
    Store,
    StoreError,
    exposure,
    format_ms,
    open_store,
    parse_time,
)
from driftguard.store.schema import SCHEMA_VERSION, statements
from driftguard.store.sqlite import SqliteStore
from storekit import A, B, C, ok_poll

if TYPE_CHECKING:
    from pg import PgServer

# The throwaway PostgreSQL cluster (tests/pg.py): fixture pg_server.
pytest_plugins = ["pg"]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store location of each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "d.db")
    server: PgServer = request.getfixturevalue("pg_server")
    return server.url(server.create_database())


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def execute_raw(store_url: str, sql: str) -> None:
    """Runs ``sql`` on the store's database behind its back (a test-side connection)."""
    if store_url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(store_url, autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]
        return
    db = sqlite3.connect(store_url)
    try:
        db.execute(sql)
        db.commit()
    finally:
        db.close()


# ---------------------------------------------------------------------------------------
# The contract, both backends
# ---------------------------------------------------------------------------------------


def test_open_creates_schema_and_reopens(store_url: str) -> None:
    store = open_store(store_url)
    assert store.dialect == ("postgresql" if store_url.startswith("postgresql") else "sqlite")
    assert store.schema_version() == SCHEMA_VERSION == 2
    password = urllib.parse.urlsplit(store_url).password
    assert password is None or password not in store.location
    store.close()
    store.close()  # idempotent
    again = open_store(store_url)
    assert again.schema_version() == 2
    assert again.surfaces() == []
    again.close()


def test_leases_and_schedule(store: Store) -> None:
    store.sync_surfaces(["b", "a", "c"], 1000)
    assert [s.name for s in store.surfaces()] == ["a", "b", "c"]
    assert store.next_due() == 1000
    assert store.lease_due("w1", 999, 10, 30) == []
    assert store.lease_due("w1", 1000, 2, 30) == ["a", "b"]
    # Leased surfaces are not handed to another watcher until the lease ends.
    assert store.lease_due("w2", 1000, 10, 30) == ["c"]
    assert store.lease_due("w2", 1000, 10, 30) == []
    assert store.lease_owners() == ["w1", "w2"]
    # next_due counts a leased surface as due when its lease ends.
    assert store.next_due() == 31_001
    assert store.lease_due("w3", 31_001, 10, 30) == ["a", "b", "c"]
    assert store.release_leases("w3") == 3
    assert store.lease_owners() == []
    assert store.lease_due("w1", 40_000, 0, 30) == []
    # record_poll releases the lease and reschedules.
    assert store.lease_due("w1", 40_000, 1, 30) == ["a"]
    store.record_poll(ok_poll("a", 40_000, A, owner="w1", next_due=50_000, etag='"v1"'))
    a = store.surface("a")
    assert a is not None
    assert (a.next_due, a.failures, a.lease_owner, a.lease_until, a.etag, a.last_digest) == (
        50_000,
        0,
        None,
        None,
        '"v1"',
        A,
    )
    # A failure keeps the digest, raw hash and validators, counts the failure.
    store.record_poll(
        PollRecord(
            surface="a", owner="w1", at=50_000, duration_ms=3, ok=False, outcome="error",
            code="E_FETCH", message="GET http://x: HTTP 500", next_due=70_000, failures=1,
        )
    )  # fmt: skip
    a = store.surface("a")
    assert a is not None
    assert (a.failures, a.etag, a.last_digest, a.last_raw, a.last_polled, a.next_due) == (
        1,
        '"v1"',
        A,
        "sha256:raw-aaaa",
        50_000,
        70_000,
    )
    # Dropped from the configuration: inactive, never leased, history kept.
    store.sync_surfaces(["b", "c"], 80_000)
    assert [(s.name, s.active) for s in store.surfaces()] == [
        ("a", False),
        ("b", True),
        ("c", True),
    ]
    assert store.lease_due("w1", 10**12, 10, 30) == ["b", "c"]
    assert len(store.observations("a")) == 2
    # Back in the configuration: active and due again.
    store.sync_surfaces(["a", "b", "c"], 90_000)
    a = store.surface("a")
    assert a is not None and (a.active, a.next_due) == (True, 90_000)


def test_late_record_of_an_expired_lease_keeps_the_new_holders_schedule(store: Store) -> None:
    store.sync_surfaces(["s"], 0)
    assert store.lease_due("w1", 0, 1, 10) == ["s"]
    # w1 hangs past its lease; w2 takes the surface over.
    assert store.lease_due("w2", 10_001, 1, 10) == ["s"]
    store.record_poll(ok_poll("s", 0, A, owner="w1", next_due=5_000))
    s = store.surface("s")
    assert s is not None
    # w1's observation is kept, but the schedule and the lease stay w2's.
    assert (s.lease_owner, s.next_due) == ("w2", 0)
    assert [o.owner for o in store.observations("s")] == ["w1"]
    store.record_poll(ok_poll("s", 10_001, A, owner="w2", next_due=20_001))
    s = store.surface("s")
    assert s is not None and (s.lease_owner, s.next_due) == (None, 20_001)


def test_record_poll_change_and_alerts_once(store: Store) -> None:
    store.sync_surfaces(["s"], 0)
    snap = SnapshotRow(digest=B, kind="openapi", body='{"x":1}', first_seen=0)
    change = NewChange(
        old_digest=A,
        new_digest=B,
        max_severity="breaking",
        fails=True,
        summary="1 breaking, 0 dangerous, 0 safe",
        report='{"changes":[]}',
    )
    alerts = [NewAlert("webhook-1", "webhook", '{"body":"{}"}'), NewAlert("mail", "email", "{}")]
    first = store.record_poll(
        ok_poll("s", 1000, B, outcome="changed", snapshot=snap, change=change, alerts=alerts)
    )
    assert first.new_change and first.change_id is not None
    assert len(first.alert_ids) == 2
    again = store.record_poll(ok_poll("s", 2000, B, snapshot=snap, change=change, alerts=alerts))
    assert (again.new_change, again.change_id, again.alert_ids) == (False, first.change_id, ())
    assert len(store.alerts("s")) == 2
    assert [c.new_digest for c in store.changes("s")] == [B]
    row = store.snapshot(B)
    assert row is not None and (row.kind, row.body, row.first_seen) == ("openapi", '{"x":1}', 1000)
    assert store.snapshot(C) is None
    found = store.find_change("s", A, B)
    assert found is not None
    assert (found.observation_id, found.max_severity, found.fails, found.at) == (
        first.observation_id,
        "breaking",
        True,
        1000,
    )
    assert store.find_change("s", A, C) is None

    leased = store.lease_alerts("w1", 1000, 10, 60)
    assert [a.sink for a in leased] == ["webhook-1", "mail"]
    assert [(a.status, a.attempts, a.kind) for a in leased] == [
        ("pending", 0, "webhook"),
        ("pending", 0, "email"),
    ]
    assert store.lease_alerts("w2", 1000, 10, 60) == []
    hook = leased[0]
    store.record_delivery(hook.id, 1100, False, "HTTP 500", 5000)
    store.record_delivery(leased[1].id, 1100, True, "250 OK", 0)
    assert store.next_alert_due() == 5000
    assert store.lease_alerts("w1", 4999, 10, 60) == []
    (retry,) = store.lease_alerts("w1", 5000, 10, 60)
    assert (retry.id, retry.attempts, retry.last_error) == (hook.id, 1, "HTTP 500")
    store.record_delivery(hook.id, 5001, True, "HTTP 204", 0)
    assert store.next_alert_due() is None
    final = {a.sink: a for a in store.alerts("s")}
    assert (final["webhook-1"].status, final["webhook-1"].attempts) == ("delivered", 2)
    assert final["webhook-1"].delivered_at == 5001
    assert [(d.ok, d.detail) for d in store.deliveries(hook.id)] == [
        (False, "HTTP 500"),
        (True, "HTTP 204"),
    ]


def test_queries_and_exposure(store: Store) -> None:
    store.sync_surfaces(["s"], 0)
    store.record_poll(ok_poll("s", 1000, A, outcome="changed"))
    store.record_poll(ok_poll("s", 2000, A, outcome="same-bytes"))
    store.record_poll(
        PollRecord(
            surface="s", owner="w1", at=2500, duration_ms=1, ok=False, outcome="error",
            code="E_TIMEOUT", message="slow", next_due=3000, failures=1,
        )
    )  # fmt: skip
    store.record_poll(ok_poll("s", 3000, B, outcome="changed"))
    store.record_poll(ok_poll("s", 4000, C, outcome="changed"))
    store.record_poll(ok_poll("s", 5000, C, outcome="not-modified"))

    obs = store.observations("s")
    assert [(o.at, o.outcome, o.ok) for o in obs] == [
        (1000, "changed", True),
        (2000, "same-bytes", True),
        (2500, "error", False),
        (3000, "changed", True),
        (4000, "changed", True),
        (5000, "not-modified", True),
    ]
    assert [o.id for o in obs] == sorted(o.id for o in obs)
    assert (obs[2].code, obs[2].message, obs[2].digest) == ("E_TIMEOUT", "slow", None)
    assert [o.at for o in store.observations("s", limit=2)] == [4000, 5000]
    assert [o.at for o in store.observations("s", since=2000, until=3000)] == [2000, 2500, 3000]
    at = store.observation_at("s", 2999)
    assert at is not None and (at.at, at.digest) == (2000, A)
    assert store.observation_at("s", 999) is None
    assert store.first_seen("s", C) == 4000
    assert store.last_seen("s", A) == 2000
    assert store.first_other("s", A) == 3000
    last = store.last_ok("s")
    assert last is not None and (last.at, last.digest) == (5000, C)

    e = exposure(store, "s", A)
    assert (e.exposed, e.current, e.first_seen, e.drift_since, e.last_approved_seen) == (
        True,
        C,
        4000,
        3000,
        2000,
    )
    assert not exposure(store, "s", C).exposed
    never = exposure(store, "s", "sha256:never")
    assert (never.first_seen, never.drift_since, never.last_approved_seen) == (4000, 1000, None)
    store.record_poll(ok_poll("s", 6000, A))
    store.record_poll(ok_poll("s", 7000, C))
    e = exposure(store, "s", A)
    assert (e.first_seen, e.drift_since, e.last_approved_seen) == (7000, 7000, 6000)


def test_large_times_and_texts_round_trip(store: Store) -> None:
    """Times past 2^31 ms and a snapshot body of a few MB come back unchanged."""
    at = 4_102_444_800_000  # 2100-01-01
    body = '{"k":"' + "é" * 1_000_000 + '"}'
    store.sync_surfaces(["s"], at)
    store.record_poll(
        ok_poll(
            "s",
            at,
            B,
            next_due=at + 60_000,
            snapshot=SnapshotRow(digest=B, kind="openapi", body=body, first_seen=0),
        )
    )
    row = store.snapshot(B)
    assert row is not None and row.body == body and row.first_seen == at
    s = store.surface("s")
    assert s is not None and s.next_due == at + 60_000


def test_newer_schema_is_e_store(store_url: str) -> None:
    open_store(store_url).close()
    execute_raw(store_url, "UPDATE driftguard_schema SET version = 99")
    with pytest.raises(StoreError) as e:
        open_store(store_url)
    assert e.value.code == "E_STORE"
    assert "schema version 99, newer than this build's 2: upgrade driftguard" in str(e.value)
    password = urllib.parse.urlsplit(store_url).password
    assert password is None or password not in str(e.value)


def _lease_worker(url: str, owner: str, start: Any, out: Any) -> None:
    store = open_store(url)
    start.wait(60)  # every process connected: lease together
    got: list[str] = []
    while True:
        batch = store.lease_due(owner, 10**12, 3, 3600)
        if not batch:
            break
        got += batch
        time.sleep(0.005)  # a watcher polls what it leased before it leases again
    store.close()
    out.put(got)


def test_processes_never_lease_the_same_surface(store_url: str) -> None:
    """Three processes lease 3 at a time from 300 due surfaces at once (SQLite: BEGIN
    IMMEDIATE; PostgreSQL: FOR UPDATE SKIP LOCKED) until none is left: every surface is
    leased exactly once, and every process got some."""
    store = open_store(store_url)
    names = [f"s{i:03d}" for i in range(300)]
    store.sync_surfaces(names, 0)
    store.close()
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    start = ctx.Barrier(3)
    procs = [
        ctx.Process(target=_lease_worker, args=(store_url, f"w{i}", start, q)) for i in range(3)
    ]
    for p in procs:
        p.start()
    results = [q.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    leased = [n for r in results for n in r]
    assert sorted(leased) == names
    assert all(results), [len(r) for r in results]


# ---------------------------------------------------------------------------------------
# SQLite only
# ---------------------------------------------------------------------------------------


def test_new_file_is_wal_full_sync_schema_current(tmp_path: Path) -> None:
    path = tmp_path / "driftguard.db"
    store = open_store(str(path))
    assert isinstance(store, SqliteStore)
    assert store.schema_version() == SCHEMA_VERSION == 2
    store.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"surfaces", "observations", "snapshots", "changes", "alerts", "deliveries"} <= tables
    db.close()
    # Reopening migrates nothing and keeps the version.
    again = open_store(f"sqlite://{path}")
    assert again.schema_version() == 2
    again.close()


def test_relative_path_is_beside_base_dir(tmp_path: Path) -> None:
    store = open_store("history.db", base_dir=str(tmp_path))
    store.close()
    assert (tmp_path / "history.db").exists()


def test_corrupt_and_unreachable_files_are_e_store(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database, just some bytes" * 200)
    with pytest.raises(StoreError, match="cannot open the store"):
        open_store(str(garbage))
    with pytest.raises(StoreError, match="no directory"):
        open_store(str(tmp_path / "missing" / "x.db"))


def test_postgres_statements_differ_only_in_keys() -> None:
    lite = statements(1, "sqlite")
    pg = statements(1, "postgresql")
    assert len(lite) == len(pg)
    diffs = [(a, b) for a, b in zip(lite, pg, strict=True) if a != b]
    assert len(diffs) == 4  # observations, changes, alerts, deliveries
    for a, b in diffs:
        assert "INTEGER PRIMARY KEY AUTOINCREMENT" in a
        assert a.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "X") == b.replace(
            "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "X"
        )


def test_times() -> None:
    assert format_ms(0) == "1970-01-01T00:00:00Z"
    assert format_ms(1_764_032_523_456) == "2025-11-25T01:02:03.456Z"
    assert parse_time("2025-11-25T01:02:03.456Z") == 1_764_032_523_456
    assert parse_time("2025-11-25T02:02:03+01:00") == 1_764_032_523_000
    assert parse_time("2025-11-25") == 1_764_028_800_000
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_time("yesterday")
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_time("2025-11-25T01:02:03")
