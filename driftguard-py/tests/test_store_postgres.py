"""The watch store contract on both backends — SQLite files and a real PostgreSQL server
(tests/pg.py: Debian's postgresql, a throwaway cluster on 127.0.0.1) — with the same
assertions, plus what only PostgreSQL has: migrations under concurrent starts, leasing with
``FOR UPDATE SKIP LOCKED`` from several processes, a reconnect after the server dropped the
connection, and E_STORE messages that never show the password."""

from __future__ import annotations

import json
import multiprocessing
import threading
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
    open_store,
)
from driftguard.store.schema import SCHEMA_VERSION, statements

if TYPE_CHECKING:
    from pg import PgServer

# The throwaway PostgreSQL cluster (tests/pg.py): fixtures pg_server, pg_database.
pytest_plugins = ["pg"]

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
C = "sha256:" + "c" * 64


def ok_poll(surface: str, at: int, digest: str, **kw: object) -> PollRecord:
    fields: dict[str, object] = {
        "surface": surface,
        "owner": "w1",
        "at": at,
        "duration_ms": 5,
        "ok": True,
        "outcome": "unchanged",
        "digest": digest,
        "approved": A,
        "raw_hash": "sha256:raw-" + digest[-4:],
        "next_due": at + 1000,
    }
    fields.update(kw)
    return PollRecord(**fields)  # type: ignore[arg-type]


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


# ---------------------------------------------------------------------------------------
# The contract, both backends
# ---------------------------------------------------------------------------------------


def test_open_creates_schema_and_reopens(store_url: str) -> None:
    store = open_store(store_url)
    assert store.dialect == ("postgresql" if store_url.startswith("postgresql") else "sqlite")
    assert store.schema_version() == SCHEMA_VERSION == 1
    password = urllib.parse.urlsplit(store_url).password
    assert password is None or password not in store.location
    store.close()
    store.close()  # idempotent
    again = open_store(store_url)
    assert again.schema_version() == 1
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


# ---------------------------------------------------------------------------------------
# PostgreSQL only
# ---------------------------------------------------------------------------------------


def test_postgres_tables_are_the_portable_schema(pg_server: PgServer) -> None:
    """The tables and columns on PostgreSQL are those of schema.py: same names, same
    types (INTEGER → integer, BIGINT → bigint, TEXT → text), keys by identity."""
    db = pg_server.create_database()
    open_store(pg_server.url(db)).close()
    with pg_server.connect(db) as conn:
        cols = conn.execute(
            "SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns"
            " WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
        ).fetchall()
        version = conn.execute("SELECT version FROM driftguard_schema").fetchall()
    assert version == [(SCHEMA_VERSION,)]
    tables = sorted({c[0] for c in cols})
    assert tables == [
        "alerts",
        "changes",
        "deliveries",
        "driftguard_schema",
        "observations",
        "snapshots",
        "surfaces",
    ]
    by = {(c[0], c[1]): (c[2], c[3]) for c in cols}
    assert by[("surfaces", "next_due")] == ("bigint", "NO")
    assert by[("surfaces", "active")] == ("integer", "NO")
    assert by[("observations", "id")] == ("bigint", "YES")
    assert by[("observations", "at")] == ("bigint", "NO")
    assert by[("snapshots", "body")] == ("text", "NO")
    # Every column of every CREATE TABLE in the migration exists, in order.
    for stmt in statements(1, "postgresql"):
        if not stmt.startswith("CREATE TABLE"):
            continue
        table = stmt.split()[2]
        declared = [
            line.strip().split()[0]
            for line in stmt.split("(", 1)[1].splitlines()
            if line.strip() and not line.strip().startswith(("UNIQUE", ")"))
        ]
        assert [c[1] for c in cols if c[0] == table] == declared


def test_postgres_newer_schema_is_e_store(pg_server: PgServer) -> None:
    db = pg_server.create_database()
    open_store(pg_server.url(db)).close()
    with pg_server.connect(db) as conn:
        conn.execute("UPDATE driftguard_schema SET version = 99")
    with pytest.raises(StoreError) as e:
        open_store(pg_server.url(db))
    assert e.value.code == "E_STORE"
    assert "schema version 99, newer than this build's 1: upgrade driftguard" in str(e.value)
    assert pg_server.password not in str(e.value)


def test_postgres_migrates_a_version_0_database(pg_server: PgServer) -> None:
    """A database that has the version table but no migration applied (version 0 row
    absent) is migrated to the current version; its other tables are left alone."""
    db = pg_server.create_database()
    with pg_server.connect(db) as conn:
        conn.execute("CREATE TABLE driftguard_schema (version INTEGER NOT NULL)")
        conn.execute("CREATE TABLE unrelated (x INTEGER)")
        conn.execute("INSERT INTO unrelated VALUES (7)")
    store = open_store(pg_server.url(db))
    assert store.schema_version() == 1
    store.close()
    with pg_server.connect(db) as conn:
        assert conn.execute("SELECT x FROM unrelated").fetchall() == [(7,)]
        assert conn.execute("SELECT count(*) FROM driftguard_schema").fetchone() == (1,)


def test_postgres_failed_migration_leaves_nothing(pg_server: PgServer) -> None:
    """Migration 1 runs in one transaction: when one statement fails (a table of that
    name already exists), none of the others stay (not even the version table)."""
    db = pg_server.create_database()
    with pg_server.connect(db) as conn:
        conn.execute("CREATE TABLE deliveries (x INTEGER)")
    with pytest.raises(StoreError) as e:
        open_store(pg_server.url(db))
    assert e.value.code == "E_STORE"
    assert 'relation "deliveries" already exists' in str(e.value)
    with pg_server.connect(db) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            " ORDER BY 1"
        ).fetchall()
        # Even the version table, created in the same transaction, is gone.
        assert tables == [("deliveries",)]


def test_postgres_concurrent_first_opens_migrate_once(pg_server: PgServer) -> None:
    url = pg_server.url(pg_server.create_database())
    errors: list[BaseException] = []
    opened: list[Store] = []

    def opener() -> None:
        try:
            opened.append(open_store(url))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=opener) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert [s.schema_version() for s in opened] == [1] * 6
    for s in opened:
        s.close()


def test_postgres_unreachable_is_e_store_without_password(pg_server: PgServer) -> None:
    secret = "Sup3r:s3cret@pw/%"
    quoted = "Sup3r%3As3cret%40pw%2F%25"
    port = pg_server.free_port()  # nothing listens there
    url = f"postgresql://driftguard:{quoted}@127.0.0.1:{port}/nowhere"
    with pytest.raises(StoreError) as e:
        open_store(url)
    msg = str(e.value)
    assert e.value.code == "E_STORE"
    assert msg.startswith(
        f"store postgresql://driftguard@127.0.0.1:{port}/nowhere: cannot connect:"
    )
    assert "Connection refused" in msg
    for leak in (secret, quoted, "s3cret"):
        assert leak not in msg
        assert leak not in repr(e.value)
    # The real server, a wrong password: the message says why, never what.
    wrong = "Wr0ng-" + pg_server.password[::-1]
    with pytest.raises(StoreError) as e:
        open_store(pg_server.url("postgres", password=wrong))
    msg = str(e.value)
    assert 'password authentication failed for user "driftguard"' in msg
    assert wrong not in msg and pg_server.password not in msg
    # A database that does not exist.
    with pytest.raises(StoreError, match='database "no_such_db" does not exist') as e:
        open_store(pg_server.url("no_such_db"))
    assert pg_server.password not in str(e.value)


def test_postgres_reconnects_after_the_connection_dies(pg_server: PgServer) -> None:
    """The server ends the watcher's session (as a restart or failover would): the call in
    flight is E_STORE, the next call reconnects and works; nothing committed is lost."""
    db = pg_server.create_database()
    store = open_store(pg_server.url(db))
    store.sync_surfaces(["s"], 0)
    store.record_poll(ok_poll("s", 1000, A))
    with pg_server.connect(db) as conn:
        killed = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND application_name = 'driftguard'",
            (db,),
        ).fetchall()
    assert killed == [(True,)]
    with pytest.raises(StoreError) as e:
        store.surfaces()
    assert pg_server.password not in str(e.value)
    assert [o.at for o in store.observations("s")] == [1000]
    store.close()
    with pytest.raises(StoreError, match="is closed"):
        store.surfaces()


def _pg_lease_worker(url: str, owner: str, start: Any, out: Any) -> None:
    store = open_store(url)
    start.wait(60)  # every process connected: lease together
    got: list[str] = []
    while True:
        batch = store.lease_due(owner, 10**12, 3, 3600)
        if not batch:
            break
        got += batch
    store.close()
    out.put(got)


def test_postgres_processes_never_lease_the_same_surface(pg_server: PgServer) -> None:
    """Three processes lease 3 at a time from 300 due surfaces at once (SKIP LOCKED) until
    none is left: every surface is leased exactly once, and every process got some."""
    url = pg_server.url(pg_server.create_database())
    store = open_store(url)
    names = [f"s{i:03d}" for i in range(300)]
    store.sync_surfaces(names, 0)
    store.close()
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    start = ctx.Barrier(3)
    procs = [ctx.Process(target=_pg_lease_worker, args=(url, f"w{i}", start, q)) for i in range(3)]
    for p in procs:
        p.start()
    results = [q.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    leased = [n for r in results for n in r]
    assert sorted(leased) == names
    assert all(results), [len(r) for r in results]


def test_postgres_skip_locked_does_not_wait_for_a_slow_leaser(pg_server: PgServer) -> None:
    """While another session holds row locks on some due surfaces (a leasing transaction
    in flight), lease_due returns the others at once instead of blocking."""
    db = pg_server.create_database()
    store = open_store(pg_server.url(db))
    store.sync_surfaces(["a", "b", "c", "d"], 0)
    with pg_server.connect(db) as other, other.transaction():
        other.execute("SELECT name FROM surfaces WHERE name IN ('a', 'b') FOR UPDATE")
        other.execute("SET LOCAL statement_timeout = '10s'")
        assert store.lease_due("w1", 0, 10, 30) == ["c", "d"]
    assert store.lease_due("w2", 0, 10, 30) == ["a", "b"]
    store.close()


def test_postgres_concurrent_identical_changes_queue_alerts_once(pg_server: PgServer) -> None:
    """Two watchers record the same new digest for a surface (the first one's lease had
    expired): one change row, alerts queued once."""
    url = pg_server.url(pg_server.create_database())
    s1, s2 = open_store(url), open_store(url)
    s1.sync_surfaces(["s"], 0)
    change = NewChange(A, B, "breaking", True, "1 breaking, 0 dangerous, 0 safe", "{}")
    alerts = [NewAlert("webhook-1", "webhook", "{}")]
    r1 = s1.record_poll(ok_poll("s", 1000, B, owner="w1", change=change, alerts=alerts))
    r2 = s2.record_poll(ok_poll("s", 1001, B, owner="w2", change=change, alerts=alerts))
    assert (r1.new_change, len(r1.alert_ids)) == (True, 1)
    assert (r2.new_change, r2.change_id, r2.alert_ids) == (False, r1.change_id, ())
    assert len(s1.alerts("s")) == 1
    s1.close()
    s2.close()


# ---------------------------------------------------------------------------------------
# The commands on a PostgreSQL store (real processes)
# ---------------------------------------------------------------------------------------


def test_cli_unreachable_postgres_is_e_store_exit_2_without_password(
    tmp_path: Path, pg_server: PgServer
) -> None:
    from watchkit import clean_env, run_cli

    (tmp_path / "driftguard.toml").write_text(
        '[watch]\nstore = "postgresql://driftguard:${DG_PW}@127.0.0.1:'
        f'{pg_server.free_port()}/driftguard"\n\n'
        '[[surface]]\nname = "api"\nurl = "http://127.0.0.1:9/openapi.json"\n'
    )
    secret = "pw-" + pg_server.password[::-1]
    env = clean_env(DG_PW=secret)
    for args in (("watch", "--once"), ("watch",), ("history", "api"), ("exposure", "api")):
        code, out, err = run_cli(tmp_path, *args, env=env, timeout=60)
        assert (code, out) == (2, ""), (args, out, err)
        assert err.startswith("error[E_STORE]: store postgresql://driftguard@127.0.0.1:"), err
        assert "cannot connect" in err and "Connection refused" in err, err
        assert secret not in err
    # --store on the command line: the password never shows either.
    url = f"postgresql://driftguard:{secret}@127.0.0.1:{pg_server.free_port()}/x"
    code, out, err = run_cli(tmp_path, "watch", "--once", "--store", url, env=env, timeout=60)
    assert code == 2 and err.startswith("error[E_STORE]: ") and secret not in err, err


def test_cli_watch_once_and_history_on_postgres(tmp_path: Path, pg_server: PgServer) -> None:
    """`watch --once` records into PostgreSQL; `history --store` reads it back."""
    from surfaces_http import serve
    from watchkit import clean_env, run_cli

    db = pg_server.create_database()
    url = pg_server.url(db)
    with serve(2) as (base, _state):
        (tmp_path / "driftguard.toml").write_text(
            "".join(
                f'[[surface]]\nname = "s{i}"\nurl = "{base}/s/{i}/openapi.json"\n\n'
                for i in range(2)
            )
        )
        env = clean_env(DRIFTGUARD_WATCH_INTERVAL="100ms")
        code, out, err = run_cli(tmp_path, "approve", env=env)
        assert code == 0, err
        for _ in range(2):
            code, out, err = run_cli(tmp_path, "watch", "--once", "--store", url, env=env)
            assert (code, err) == (0, ""), err
    assert f"store postgresql://driftguard@127.0.0.1:{pg_server.port}/{db}" in out
    assert pg_server.password not in out
    code, out, err = run_cli(tmp_path, "history", "s1", "--store", url, "--format", "json", env=env)
    assert code == 0, err
    doc = json.loads(out)
    obs = doc["observations"]
    assert [(o["ok"], o["outcome"]) for o in obs] == [(True, "changed"), (True, "same-bytes")]
    assert {o["digest"] for o in obs} == {doc["approved"]}
    assert (doc["changes"], doc["alerts"]) == ([], [])
    assert not (tmp_path / "driftguard.db").exists()  # nothing went to SQLite


def test_postgres_session_settings_and_statement_timeout(pg_server: PgServer) -> None:
    """By default the store's session has a 60 s statement_timeout and its name; a URL that
    sets its own options wins, and a statement blocked past the timeout is E_STORE."""
    db = pg_server.create_database()
    store = open_store(pg_server.url(db))
    with pg_server.connect(db) as conn:
        rows = conn.execute(
            "SELECT application_name FROM pg_stat_activity WHERE datname = %s"
            " AND application_name = 'driftguard'",
            (db,),
        ).fetchall()
    assert rows == [("driftguard",)]
    assert store._read("SHOW statement_timeout") == [("1min",)]  # type: ignore[attr-defined]
    store.sync_surfaces(["s"], 0)
    store.close()
    short = open_store(pg_server.url(db) + "?options=-c%20statement_timeout%3D300")
    assert short._read("SHOW statement_timeout") == [("300ms",)]  # type: ignore[attr-defined]
    with pg_server.connect(db) as other, other.transaction():
        other.execute("SELECT * FROM surfaces WHERE name = 's' FOR UPDATE")
        with pytest.raises(StoreError, match="canceling statement due to statement timeout"):
            short.record_poll(ok_poll("s", 1000, A))
    # Nothing of the failed record was committed; the store works again.
    assert short.observations("s") == []
    short.record_poll(ok_poll("s", 2000, A))
    assert [o.at for o in short.observations("s")] == [2000]
    short.close()
