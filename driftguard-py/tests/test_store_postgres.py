"""What only the PostgreSQL watch store has, on a real server (tests/pg.py: Debian's
postgresql, a throwaway cluster on 127.0.0.1): the portable schema as PostgreSQL types,
migrations (from version 0, all-or-nothing, under concurrent starts), leasing with
``FOR UPDATE SKIP LOCKED`` from several processes, a reconnect after the server dropped the
connection, session settings, E_STORE messages that never show the password, and the
commands on a PostgreSQL store. The contract both backends share (the same assertions on
SQLite and PostgreSQL) is tests/test_store.py."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from driftguard.store import (
    NewAlert,
    NewChange,
    Store,
    StoreError,
    open_store,
)
from driftguard.store.schema import SCHEMA_VERSION, statements
from storekit import A, B, ok_poll

if TYPE_CHECKING:
    from pg import PgServer

# The throwaway PostgreSQL cluster (tests/pg.py): fixtures pg_server, pg_database.
pytest_plugins = ["pg"]


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
        "maintenance",
        "observations",
        "pruned",
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


def test_postgres_migrates_a_version_0_database(pg_server: PgServer) -> None:
    """A database that has the version table but no migration applied (version 0 row
    absent) is migrated to the current version; its other tables are left alone."""
    db = pg_server.create_database()
    with pg_server.connect(db) as conn:
        conn.execute("CREATE TABLE driftguard_schema (version INTEGER NOT NULL)")
        conn.execute("CREATE TABLE unrelated (x INTEGER)")
        conn.execute("INSERT INTO unrelated VALUES (7)")
    store = open_store(pg_server.url(db))
    assert store.schema_version() == 2
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
    assert [s.schema_version() for s in opened] == [SCHEMA_VERSION] * 6
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
    assert pg_server.terminate_store_sessions(db) == [(True,)]
    with pytest.raises(StoreError) as e:
        store.surfaces()
    assert pg_server.password not in str(e.value)
    assert [o.at for o in store.observations("s")] == [1000]
    store.close()
    with pytest.raises(StoreError, match="is closed"):
        store.surfaces()


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
