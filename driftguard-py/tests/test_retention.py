"""Retention: ``Store.prune``, ``driftguard history --prune``, the schema 1 → 2 migration,
and ``[watch] retention``. A seeded 200-day history (several digests, change reports,
delivered and pending alerts) on a real SQLite file, and on a real PostgreSQL server where
tests/pg.py finds one (CI installs it); exact row counts and the exact kept rows."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import driftguard
import pytest
from driftguard.store import (
    NewAlert,
    NewChange,
    PollRecord,
    Pruned,
    SnapshotRow,
    Store,
    exposure,
    format_ms,
    open_store,
    parse_time,
)
from driftguard.store.schema import MIGRATIONS, SCHEMA_VERSION, statements
from httpserver import OPENAPI_V1
from storekit import ok_poll
from watchkit import Watch, clean_env, run_cli, serve_api

if TYPE_CHECKING:
    from pg import PgServer

pytest_plugins = ["pg"]

DAY = 86_400_000
HOUR = 3_600_000
#: A fixed clock for the store-level cases.
NOW = 1_790_000_000_000


def _schema(title: str, *props: str) -> driftguard.Snapshot:
    return driftguard.load(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": title,
            "type": "object",
            "properties": {p: {"type": "string"} for p in props},
        }
    )


SNAPS = {
    "A": _schema("t", "a"),
    "B": _schema("t", "a", "b"),
    "C": _schema("t", "a", "b", "c"),
    "D": _schema("t", "d"),
    "E": _schema("t", "e"),
}
DIG = {k: s.digest for k, s in SNAPS.items()}


def _snap(key: str, at: int) -> SnapshotRow:
    s = SNAPS[key]
    return SnapshotRow(digest=s.digest, kind=s.kind, body=s.to_json(), first_seen=at)


def seed(store: Store, now: int) -> dict[str, int]:
    """The 200-day history; returns the ids of the observations the cases name.

    ``api`` (approved A): one poll a day, day 199 (oldest) to 0; A, then D (days 180-171),
    A (170-150), B (149-60), C (59-0); errors at days 119.5 and 29.5; changes A→D, A→B,
    A→C each with one delivered webhook alert. ``pend`` (approved A): A days 199-100, B
    days 99-95 with the change A→B whose alert is still pending; then nothing. ``idle``
    (no approval): E days 199-180.
    """
    store.sync_surfaces(["api", "pend", "idle"], now - 300 * DAY)
    ids: dict[str, int] = {}
    seen: set[str] = set()

    def poll(surface: str, day: float, key: str | None, approved: str | None) -> int:
        at = now - int(day * DAY) + HOUR
        if key is None:
            rec = store.record_poll(
                PollRecord(
                    surface=surface,
                    owner="w1",
                    at=at,
                    duration_ms=5,
                    ok=False,
                    outcome="error",
                    approved=approved,
                    code="E_FETCH",
                    message="connection refused",
                    next_due=at + 1000,
                    failures=1,
                )
            )
            return rec.observation_id
        digest = DIG[key]
        change = alerts = None
        if approved is not None and digest != approved:
            change = NewChange(approved, digest, "breaking", True, f"to {key}", '{"changes":[]}')
            alerts = [NewAlert("hook", "webhook", '{"body":"{}"}')]
        rec = store.record_poll(
            ok_poll(
                surface,
                at,
                digest,
                approved=approved,
                outcome="changed" if change else "unchanged",
                snapshot=None if digest in seen else _snap(key, at),
                change=change,
                alerts=alerts or (),
            )
        )
        seen.add(digest)
        if rec.new_change and surface == "api":
            store.record_delivery(rec.alert_ids[0], at + 1000, True, "HTTP 200", 0)
        return rec.observation_id

    for d in range(199, -1, -1):
        key = "A" if d >= 181 or 150 <= d <= 170 else "D" if d >= 171 else "B" if d >= 60 else "C"
        ids[f"api{d}"] = poll("api", d, key, DIG["A"])
        if d == 120:
            ids["api_err120"] = poll("api", 119.5, None, DIG["A"])
        if d == 30:
            ids["api_err30"] = poll("api", 29.5, None, DIG["A"])
    for d in range(199, 94, -1):
        ids[f"pend{d}"] = poll("pend", d, "A" if d >= 100 else "B", DIG["A"])
    for d in range(199, 179, -1):
        ids[f"idle{d}"] = poll("idle", d, "E", None)
    return ids


def counts(store: Store) -> dict[str, int]:
    tables = ("observations", "snapshots", "changes", "alerts", "deliveries")
    out = {}
    for t in tables:
        rows = store._read(f"SELECT COUNT(*) FROM {t}")  # type: ignore[attr-defined]
        out[t] = int(rows[0][0])
    return out


SEEDED = {"observations": 327, "snapshots": 5, "changes": 4, "alerts": 4, "deliveries": 3}
REMOVED = {"observations": 227, "snapshots": 1, "changes": 2, "alerts": 2, "deliveries": 2}
APPROVED = {"api": DIG["A"], "pend": DIG["A"]}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = str(tmp_path / "driftguard.db")
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        url = server.url(server.create_database())
    s = open_store(url)
    yield s
    s.close()


def test_prune_removes_exactly_what_retention_does_not_keep(store: Store) -> None:
    ids = seed(store, NOW)
    assert counts(store) == SEEDED
    before = NOW - 90 * DAY
    old_exposure = {s: exposure(store, s, APPROVED.get(s)) for s in ("api", "pend", "idle")}

    dry = store.prune(before, APPROVED, dry_run=True)
    assert dry.dry_run and {k: getattr(dry, k) for k in REMOVED} == REMOVED
    assert counts(store) == SEEDED  # a dry run changes nothing
    assert store.pruned_before("api") is None

    done = store.prune(before, APPROVED, batch=7)  # many small transactions
    assert {k: getattr(done, k) for k in REMOVED} == REMOVED
    assert counts(store) == {k: SEEDED[k] - REMOVED[k] for k in SEEDED}
    for s in ("api", "pend", "idle"):
        assert store.pruned_before(s) == before

    # The rows kept before the cutoff, exactly.
    def old_ids(surface: str) -> list[int]:
        return [o.id for o in store.observations(surface, until=before - 1)]

    # api: last approved (A, day 150), first unapproved after it (B, day 149), the
    # snapshot in force when the window opens (day 91).
    assert old_ids("api") == [ids["api150"], ids["api149"], ids["api91"]]
    # pend: last approved (day 100), the pending change's observation (day 99), latest (95).
    assert old_ids("pend") == [ids["pend100"], ids["pend99"], ids["pend95"]]
    # idle: first of its current digest (exposure's "since"), and its latest.
    assert old_ids("idle") == [ids["idle199"], ids["idle180"]]
    # The window itself is untouched: 91 daily polls and one error.
    window = store.observations("api", since=before)
    assert len(window) == 92 and [o.id for o in window if not o.ok] == [ids["api_err30"]]
    assert [(c.old_digest, c.new_digest) for c in store.changes("api")] == [(DIG["A"], DIG["C"])]
    assert [a.status for a in store.alerts("pend")] == ["pending"]
    assert [c.new_digest for c in store.changes("pend")] == [DIG["B"]]
    assert store.snapshot(DIG["D"]) is None
    for k in ("A", "B", "C", "E"):
        assert store.snapshot(DIG[k]) is not None
    # exposure and show --at answer as before for the retained window.
    for s in ("api", "pend", "idle"):
        assert exposure(store, s, APPROVED.get(s)) == old_exposure[s]
    for day in (90, 60, 59, 0):
        at = NOW - day * DAY + 2 * HOUR
        o = store.observation_at("api", at)
        assert o is not None and o.digest == DIG["B" if day >= 60 else "C"]
    o = store.observation_at("api", before)
    assert o is not None and o.id == ids["api91"]

    # Pruning again is a no-op.
    again = store.prune(before, APPROVED)
    assert again.total == 0
    assert counts(store) == {k: SEEDED[k] - REMOVED[k] for k in SEEDED}


def test_prune_lease_one_at_a_time(store: Store) -> None:
    assert store.lease_task("prune", "w1", 1000, 3_600_000, 60_000)
    assert not store.lease_task("prune", "w2", 1001, 3_600_000, 60_000)
    store.finish_task("prune", "w1", 2000)
    # Not again within the period, by anyone; then one taker.
    assert not store.lease_task("prune", "w2", 3000, 3_600_000, 60_000)
    assert store.lease_task("prune", "w2", 2000 + 3_600_000, 3_600_000, 60_000)
    assert not store.lease_task("prune", "w1", 2000 + 3_600_000, 3_600_000, 60_000)
    # A dead holder's lease runs out.
    assert store.lease_task("prune", "w3", 2000 + 3_600_000 + 60_001, 3_600_000, 60_000)


def test_migration_from_schema_1_keeps_history(tmp_path: Path) -> None:
    """A store written by the schema-1 code path (its migration list) opens at schema 2
    with its rows intact, and prunes."""
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE driftguard_schema (version INTEGER NOT NULL)")
    assert MIGRATIONS[0][0] == 1
    for stmt in statements(1, "sqlite"):
        db.execute(stmt)
    db.execute("INSERT INTO driftguard_schema (version) VALUES (1)")
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO surfaces (name, next_due) VALUES ('api', 0)",
    )
    for day in (200, 100, 1):
        db.execute(
            "INSERT INTO observations (surface, at, ok, outcome, digest, duration_ms, owner)"
            " VALUES ('api', ?, 1, 'unchanged', ?, 5, 'w')",
            (NOW - day * DAY, DIG["A"]),
        )
    db.execute(
        "INSERT INTO snapshots VALUES (?, ?, ?, 0)",
        (DIG["A"], SNAPS["A"].kind, SNAPS["A"].to_json()),
    )
    db.close()
    store = open_store(str(path))
    assert store.schema_version() == SCHEMA_VERSION == 2
    assert len(store.observations("api")) == 3
    assert store.pruned_before("api") is None
    r = store.prune(NOW - 90 * DAY, {"api": DIG["A"]})
    # Day 200 goes; day 100 is both the last approved one and the anchor; day 1 is latest.
    assert (r.observations, r.snapshots) == (1, 0)
    assert [o.at for o in store.observations("api")] == [NOW - 100 * DAY, NOW - DAY]
    store.close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone() == (2,)
    names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
    assert {
        "pruned",
        "maintenance",
        "changes_surface_at",
        "deliveries_at",
        "observations_digest",
    } <= names
    raw.close()


# ---------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------


def _cli_store(tmp_path: Path) -> Path:
    import time

    path = tmp_path / "driftguard.db"
    store = open_store(str(path))
    seed(store, time.time_ns() // 1_000_000)
    store.close()
    return path


def test_history_prune_command(tmp_path: Path) -> None:
    path = _cli_store(tmp_path)
    env = clean_env()
    base = ("--config", str(tmp_path / "none.toml"), "--store", str(path))
    # No lock here, so no approved digest: api's days 150/149 and pend's day 100 (the
    # approved shape's receipts) are not kept: 3 more observations than with the lock.
    code, out, err = run_cli(
        tmp_path, "history", "--prune", "--retention", "90d", "--dry-run", *base, env=env
    )
    assert (code, err) == (0, ""), err
    assert out.endswith(
        ": would remove 230 observations, 1 snapshots, 2 changes, 2 alerts, 2 deliveries\n"
    )
    assert out.startswith("history before ")
    code, out, _ = run_cli(tmp_path, "history", "api", *base, env=env)
    assert "pruned" not in out and "observations (202):" in out

    code, out, err = run_cli(
        tmp_path, "history", "--prune", "--retention", "90d", "--format", "json", *base, env=env
    )
    assert code == 0, err
    doc = json.loads(out)
    assert (
        doc["removed"] == {**REMOVED, "observations": 230}
        and doc["dry_run"] is False
        and doc["retention"] == "90d"
    )
    cutoff = doc["before"]

    code, out, err = run_cli(tmp_path, "history", "api", *base, env=env)
    assert code == 0, err
    assert f"history before {cutoff} pruned (retention)\n" in out
    assert "observations (93):" in out and "changes (1):" in out and "alerts (1):" in out

    code, out, err = run_cli(tmp_path, "history", "api", "--format", "json", *base, env=env)
    assert json.loads(out)["pruned_before"] == cutoff

    # show --at inside the window answers; before the cutoff it says the history is gone.
    code, out, err = run_cli(tmp_path, "show", "api", "--at", cutoff, *base, env=env)
    assert code == 0, err
    assert DIG["B"] in err  # the snapshot in force when the window opens
    code, out, err = run_cli(tmp_path, "show", "api", "--at", "2020-01-01", *base, env=env)
    assert code == 2
    assert err == f'error: history of "api" before {cutoff} was pruned (retention)\n'

    # exposure (no lock here: every shape counts as unapproved) still reaches back to the
    # first observation of the current digest.
    code, out, err = run_cli(tmp_path, "exposure", "idle", "--format", "json", *base, env=env)
    assert code == 1, err
    assert json.loads(out)["first_seen"] == format_ms(
        open_store(str(path)).observations("idle")[0].at
    )

    # Twice is a no-op; "forever" prunes nothing.
    code, out, _ = run_cli(tmp_path, "history", "--prune", "--retention", "90d", *base, env=env)
    assert out.endswith(
        ": removed 0 observations, 0 snapshots, 0 changes, 0 alerts, 0 deliveries\n"
    )
    code, out, _ = run_cli(tmp_path, "history", "--prune", "--retention", "forever", *base, env=env)
    assert (code, out) == (0, 'retention "forever": nothing pruned\n')


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--retention", "12h"),
            'error: --retention: must be at least 1d (or "forever"), got "12h"\n',
        ),
        (("--retention", "soon"), "error: --retention: "),
        (("api",), "error: --prune prunes every surface: give no SURFACE\n"),
    ],
)
def test_history_prune_usage_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    path = _cli_store(tmp_path)
    code, out, err = run_cli(
        tmp_path,
        "history",
        "--prune",
        *args,
        "--store",
        str(path),
        "--config",
        str(tmp_path / "none.toml"),
        env=clean_env(),
    )
    assert code == 2 and out == ""
    assert err.startswith(message), err


def test_config_retention_is_validated_and_used(tmp_path: Path) -> None:
    path = _cli_store(tmp_path)
    cfg = tmp_path / "driftguard.toml"
    cfg.write_text('[watch]\nstore = "driftguard.db"\nretention = "12h"\n')
    code, out, err = run_cli(tmp_path, "history", "--prune", env=clean_env())
    assert code == 2
    assert "error[E_CONFIG]" in err and "watch.retention" in err and "line 3" in err, err
    assert "out of range: must be from 1d to 36500d" in err
    cfg.write_text('[watch]\nstore = "driftguard.db"\nretention = "150d"\n')
    code, out, err = run_cli(tmp_path, "history", "--prune", "--dry-run", env=clean_env())
    assert code == 0, err
    # 150 days: only days 150.. of api/pend/idle are older.
    assert ": would remove " in out
    assert path.exists()


def test_watcher_prunes_while_polling(tmp_path: Path) -> None:
    """A watcher with retention 90d prunes the seeded history on its background thread
    while it keeps polling; every observation it reported committed is still there."""
    path = _cli_store(tmp_path)
    # The seed's newest poll is an hour ahead (see seed): make api due now.
    db = sqlite3.connect(path)
    db.execute("UPDATE surfaces SET next_due = 0")
    db.commit()
    db.close()
    env = clean_env(DRIFTGUARD_WATCH_INTERVAL="50ms", DRIFTGUARD_WATCH_PRUNE_EVERY="1s")
    with serve_api(OPENAPI_V1) as (url, _api, _server):
        (tmp_path / "driftguard.toml").write_text(
            '[watch]\njitter = 0.0\nmax_backoff = "1s"\nretention = "90d"\n\n'
            f'[[surface]]\nname = "api"\nurl = "{url}"\ntimeout = "2s"\n'
        )
        w = Watch(tmp_path, env)
        try:
            m = w.wait_for(r"pruned history before (\S+): (.*)$")
            w.wait_for(r"observation \d+ api ok")
            w.wait_for(r"observation \d+ api ok")
            assert w.terminate() == 0
        finally:
            w.kill()
    # No lock: as for the command, 230 observations (see test_history_prune_command).
    assert m.group(2) == "230 observations, 1 snapshots, 2 changes, 2 alerts, 2 deliveries"
    reported = [
        int(line.split(" observation ")[1].split()[0])
        for line in w.lines
        if " observation " in line
    ]
    assert len(reported) >= 2
    store = open_store(str(path))
    try:
        kept = {o.id for o in store.observations("api")}
        assert set(reported) <= kept
        assert store.pruned_before("api") == parse_time(m.group(1))
        assert store.observations("idle", until=parse_time(m.group(1)) - 1)[0].id > 0
    finally:
        store.close()
    assert not [line for line in w.lines if "error" in line], w.lines


def test_prune_never_deletes_a_snapshot_a_concurrent_poll_refers_to(
    request: pytest.FixtureRequest,
) -> None:
    """PostgreSQL, two connections: a poll that sees an old digest again (its snapshot
    stored long ago, unreferenced within the window) is inside its transaction when a
    prune deletes unreferenced snapshots. The prune waits for the poll to commit and then
    keeps the snapshot; without that ordering it would delete it under the poll's new
    observation."""
    import threading
    import time

    server: PgServer = request.getfixturevalue("pg_server")
    url = server.url(server.create_database())
    poller, pruner = open_store(url), open_store(url)
    try:
        seed(poller, NOW)
        inside, release = threading.Event(), threading.Event()
        plain_exec = poller._exec  # type: ignore[attr-defined]

        def exec_then_wait(db: object, sql: str, params: object = ()) -> object:
            cur = plain_exec(db, sql, params)
            if sql.startswith("INSERT INTO snapshots"):
                inside.set()
                assert release.wait(30)
            return cur

        poller._exec = exec_then_wait  # type: ignore[attr-defined]
        seen_again = ok_poll("idle", NOW, DIG["D"], approved=None, snapshot=_snap("D", NOW))
        poll = threading.Thread(target=poller.record_poll, args=(seen_again,))
        poll.start()
        assert inside.wait(30), "the poll never reached its snapshot insert"
        result: list[Pruned] = []
        prune = threading.Thread(
            target=lambda: result.append(pruner.prune(NOW - 90 * DAY, APPROVED))
        )
        prune.start()
        time.sleep(1.0)
        assert prune.is_alive(), "the prune deleted snapshots while a poll was in flight"
        release.set()
        poll.join(30)
        prune.join(30)
        assert not poll.is_alive() and not prune.is_alive()
        assert result and result[0].snapshots == 0
        assert pruner.snapshot(DIG["D"]) is not None
        latest = pruner.observations("idle", since=NOW)
        assert [o.digest for o in latest] == [DIG["D"]]
    finally:
        poller.close()
        pruner.close()
