"""Scale-out: several `driftguard watch` processes share one PostgreSQL database (a real
server, tests/pg.py) and split the surfaces by leasing due work (FOR UPDATE SKIP LOCKED).

The surfaces are served by one real HTTP server on 127.0.0.1 that counts requests per path
on the server side and notes which watcher sent each (an ``X-Watcher: ${WATCHER_ID}`` header
template; each watcher process gets its own WATCHER_ID). The interval is shortened with
``DRIFTGUARD_WATCH_INTERVAL`` (the configuration's minimum is 10 s).
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from surfaces_http import SurfacesState, serve
from watchkit import Watch, clean_env, run_cli, webhook_receiver

if TYPE_CHECKING:
    from pg import PgServer

# The throwaway PostgreSQL cluster (tests/pg.py).
pytest_plugins = ["pg"]

N = 40
INTERVAL_S = 3.0
PG_ENV = "DG_TEST_PG_PASSWORD"


def write_config(tmp: Path, base: str, store_url: str, hook: str) -> None:
    """N surfaces, [watch] store from the environment (the password is a ${VAR})."""
    lines = [
        "[defaults]",
        'timeout = "5s"',
        "",
        "[watch]",
        f'store = "{store_url}"',
        "concurrency = 4",
        "jitter = 0.1",
        "",
        "[[alerts.webhook]]",
        'name = "hook"',
        f'url = "{hook}/driftguard"',
        'on = "breaking"',
        "",
    ]
    for i in range(N):
        lines += [
            "[[surface]]",
            f'name = "s{i:03d}"',
            f'url = "{base}/s/{i}/openapi.json"',
            'headers = { X-Watcher = "${WATCHER_ID}" }',
            "",
        ]
    (tmp / "driftguard.toml").write_text("\n".join(lines))


def env_for(watcher: str, pg: PgServer) -> dict[str, str]:
    return clean_env(
        DRIFTGUARD_WATCH_INTERVAL=f"{int(INTERVAL_S * 1000)}ms",
        WATCHER_ID=watcher,
        **{PG_ENV: pg.password},
    )


def setup(tmp: Path, pg: PgServer, base: str, hook: str) -> str:
    """Writes the configuration, approves every surface; returns the database name."""
    db = pg.create_database("scaleout")
    write_config(tmp, base, f"postgresql://driftguard:${{{PG_ENV}}}@127.0.0.1:{pg.port}/{db}", hook)
    code, out, err = run_cli(tmp, "approve", env=env_for("approve", pg), timeout=300)
    assert code == 0, out + err
    assert len(json.loads((tmp / "driftguard.lock").read_text())["surfaces"]) == N
    return db


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


def assert_once_per_interval(
    state: SurfacesState, since: float, ready: float, until: float
) -> None:
    """Server side, for every surface: a first poll within one interval of ``ready`` (both
    watchers running); then consecutive polls at least 0.75 interval apart (a double poll
    — two watchers on one surface — shows as a gap near 0) and less than two intervals
    apart (none missed); and a last poll within two intervals of ``until``."""
    for i in range(N):
        times = [t for t, _w in state.hits_since(i, since) if t <= until]
        assert times, f"s{i:03d} was never polled"
        assert times[0] - ready < INTERVAL_S, (i, times[0] - ready)
        for g in gaps(times):
            assert 0.75 * INTERVAL_S <= g < 2 * INTERVAL_S, (
                f"s{i:03d}",
                [round(x, 2) for x in gaps(times)],
            )
        assert until - times[-1] < 2 * INTERVAL_S, (i, until - times[-1])


def test_two_watchers_split_the_surfaces_polling_each_once_per_interval(
    tmp_path: Path, pg_server: PgServer
) -> None:
    with serve(N) as (base, state), webhook_receiver() as (hook, rx):
        db = setup(tmp_path, pg_server, base, hook)
        start = time.monotonic()
        # Both start at once against a fresh database: they migrate it together.
        a = Watch(tmp_path, env_for("A", pg_server))
        b = Watch(tmp_path, env_for("B", pg_server))
        try:
            for w in (a, b):
                w.wait_for(
                    rf"watching {N} surface\(s\) as \S+, store postgresql://driftguard@127\.0\.0\.1:{pg_server.port}/{db}$"
                )
            ready = time.monotonic()
            # Two intervals in, surface 7 drifts (a breaking change).
            time.sleep(2 * INTERVAL_S)
            state.publish(7, 2)
            time.sleep(3 * INTERVAL_S)
            end = time.monotonic()
        finally:
            codes = (a.terminate(), b.terminate())
        assert codes == (0, 0), (a.stderr, b.stderr)
        stopped = time.monotonic()

        assert_once_per_interval(state, start, ready, end)
        # Both watchers did work, and between them each poll happened once.
        by_watcher = Counter(w for i in range(N) for _t, w in state.hits_since(i, start))
        assert set(by_watcher) == {"A", "B"}, by_watcher
        total = sum(by_watcher.values())
        assert min(by_watcher.values()) >= total // 10, by_watcher
        per_surface = [len(state.hits_since(i, start)) for i in range(N)]
        # One poll per interval (plus up to 10 % jitter and the poll itself) over the run.
        run = stopped - start
        assert min(per_surface) >= int((end - start) / (1.1 * INTERVAL_S + 0.5)), per_surface
        assert max(per_surface) <= int(run / INTERVAL_S) + 1, (per_surface, run)
        assert max(per_surface) - min(per_surface) <= 1, per_surface

        # The database agrees with the server: one observation per request, by two owners.
        with pg_server.connect(db) as conn:
            rows = conn.execute(
                "SELECT surface, count(*) FROM observations GROUP BY surface ORDER BY surface"
            ).fetchall()
            owners = conn.execute(
                "SELECT owner, count(*) FROM observations GROUP BY owner ORDER BY owner"
            ).fetchall()
            leased = conn.execute(
                "SELECT count(*) FROM surfaces WHERE lease_owner IS NOT NULL"
            ).fetchone()
            changes = conn.execute("SELECT surface, max_severity FROM changes").fetchall()
            alerts = conn.execute("SELECT surface, sink, status FROM alerts").fetchall()
        assert rows == [(f"s{i:03d}", per_surface[i]) for i in range(N)]
        assert len(owners) == 2 and sum(n for _o, n in owners) == total
        assert sorted(n for _o, n in owners) == sorted(by_watcher.values())
        assert leased == (0,)  # SIGTERM released every lease
        # The drift of s007 was judged once and alerted once, whichever watcher saw it.
        assert changes == [("s007", "breaking")]
        assert alerts == [("s007", "hook", "delivered")]
        assert len(rx.received) == 1
        receipt = json.loads(rx.received[0].body)["receipt"]
        assert (receipt["surface"], receipt["max_severity"]) == ("s007", "breaking")
        assert sorted((c["rule"], c["severity"]) for c in receipt["report"]["changes"]) == [
            ("api-version-changed", "safe"),
            ("parameter-became-required", "breaking"),
            ("property-removed", "dangerous"),
        ]
        # The store URL's password (a ${VAR}) shows nowhere: not in either watcher's output,
        # not in any text the watchers stored, not in the alert.
        for w in (a, b):
            text = "\n".join(w.lines) + w.stderr.decode()
            assert pg_server.password not in text
        with pg_server.connect(db) as conn:
            stored = conn.execute(
                "SELECT concat_ws(' ',"
                " (SELECT string_agg(concat_ws(' ', owner, message, digest), ' ')"
                "  FROM observations),"
                " (SELECT string_agg(body, ' ') FROM snapshots),"
                " (SELECT string_agg(report, ' ') FROM changes),"
                " (SELECT string_agg(payload, ' ') FROM alerts),"
                " (SELECT string_agg(detail, ' ') FROM deliveries))"
            ).fetchone()
        assert stored is not None and "s007" in stored[0]
        assert pg_server.password not in stored[0]
        assert pg_server.password.encode() not in rx.received[0].body
        assert stopped - start < 60


def test_a_killed_watcher_holds_only_its_in_flight_leases(
    tmp_path: Path, pg_server: PgServer
) -> None:
    """SIGKILL watcher A while it polls a slow surface: the other watcher goes on polling
    every surface A did not hold once per interval, and leaves the surfaces A had leased
    (in flight when it died) alone while their leases run — no double poll. A watcher that
    starts later on this host sees the dead owner, releases its leases, and those surfaces
    are polled again at once."""
    with serve(N) as (base, state), webhook_receiver() as (hook, _rx):
        db = setup(tmp_path, pg_server, base, hook)
        slow = 3
        state.delays[slow] = 30.0
        start = time.monotonic()
        a = Watch(tmp_path, env_for("A", pg_server))
        owner_a = a.wait_for(r"watching \d+ surface\(s\) as (\S+),").group(1)
        b = Watch(tmp_path, env_for("B", pg_server))
        c: Watch | None = None
        try:
            b.wait_for(r"watching \d+ surface\(s\)")
            # Wait until A is inside the slow poll (the server saw A's request), kill A.
            deadline = time.monotonic() + 10 * INTERVAL_S
            while not any(w == "A" for _t, w in state.hits_since(slow, start)):
                assert time.monotonic() < deadline, "A never polled the slow surface"
                time.sleep(0.05)
            assert [w for _t, w in state.hits_since(slow, start)] == ["A"]
            a.kill()
            killed = time.monotonic()
            state.delays[slow] = 0.0
            with pg_server.connect(db) as conn:
                held = {
                    int(r[0][1:])
                    for r in conn.execute(
                        "SELECT name FROM surfaces WHERE lease_owner = %s", (owner_a,)
                    ).fetchall()
                }
            # At most `concurrency` (4) surfaces were A's, the slow one among them.
            assert slow in held and len(held) <= 4, held
            time.sleep(3 * INTERVAL_S)
            mid = time.monotonic()
            for i in range(N):
                after_kill = state.hits_since(i, killed)
                if i in held:
                    # Still leased to dead A: nobody polls it.
                    assert after_kill == [], (i, after_kill)
                else:
                    # B alone polls every other surface once per interval.
                    times = [t for t, w in after_kill if w == "B"]
                    assert [w for _t, w in after_kill] == ["B"] * len(times)
                    assert len(times) >= 2, (i, times)
                    for g in gaps(times):
                        assert 0.75 * INTERVAL_S <= g < 2 * INTERVAL_S, (i, gaps(times))
            # C starts on this host: it releases the dead owner's leases.
            c = Watch(tmp_path, env_for("C", pg_server))
            c.wait_for(rf"released {len(held)} lease\(s\) of {owner_a} \(no longer running\)")
            c.wait_for(r"watching \d+ surface\(s\)")
            time.sleep(1.5 * INTERVAL_S)
            end = time.monotonic()
        finally:
            a.kill()
            codes = [b.terminate()] + ([c.terminate()] if c is not None else [])
        assert codes == [0, 0], (b.stderr, c.stderr if c else b"")
        # A's surfaces are polled again (by B or C) right after C released them.
        for i in held:
            after = state.hits_since(i, mid)
            assert after and {w for _t, w in after} <= {"B", "C"}, (i, after)
            assert after[0][0] - mid < INTERVAL_S, (i, after[0][0] - mid)
        # And no surface was ever polled twice within an interval, by anyone.
        for i in range(N):
            times = [t for t, _w in state.hits_since(i, killed) if t <= end]
            assert all(g >= 0.75 * INTERVAL_S for g in gaps(times)), (i, gaps(times))
        # A's polls in flight were never committed; every poll B and C made was.
        with pg_server.connect(db) as conn:
            per_owner = dict(
                conn.execute("SELECT owner, count(*) FROM observations GROUP BY owner").fetchall()
            )
        served = Counter(w for i in range(N) for _t, w in state.hits_since(i, start))
        # (A's leased surfaces were in flight or about to be: at least the slow one.)
        assert per_owner[owner_a] + 1 <= served["A"] <= per_owner[owner_a] + len(held)
        assert sum(per_owner.values()) - per_owner[owner_a] == served["B"] + served["C"]


def test_watcher_survives_a_dropped_database_session(tmp_path: Path, pg_server: PgServer) -> None:
    """The server ends the watcher's database session (as a restart or failover would)
    while a poll is in flight: the watcher logs error[E_STORE] (no password), keeps
    running, the store reconnects, and polls go on being recorded; SIGTERM exits 0."""
    with serve(4) as (base, state):
        db = pg_server.create_database("dropped")
        lines = ["[watch]", f'store = "{pg_server.url(db)}"', ""]
        for i in range(4):
            lines += ["[[surface]]", f'name = "s{i}"', f'url = "{base}/s/{i}/openapi.json"', ""]
        (tmp_path / "driftguard.toml").write_text("\n".join(lines))
        state.delays[0] = 4.0
        w = Watch(tmp_path, clean_env(DRIFTGUARD_WATCH_INTERVAL="1s"))
        try:
            w.wait_for(r"watching 4 surface\(s\)")
            deadline = time.monotonic() + 10
            while not state.hits_since(0, 0):  # the slow poll is in flight
                assert time.monotonic() < deadline
                time.sleep(0.05)
            with pg_server.connect(db) as conn:
                ended = conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND application_name = 'driftguard'",
                    (db,),
                ).fetchall()
            assert ended == [(True,)]
            dropped = time.monotonic()
            m = w.wait_for(r"error\[E_STORE\]: (.*) \(retrying in 5 s\)$", timeout=20)
            assert m.group(1).startswith(
                f"store postgresql://driftguard@127.0.0.1:{pg_server.port}/{db}: "
            )
            # After the pause it reconnects: new observations are committed again.
            w.wait_for(r"observation \d+ s[123] ok same-bytes", timeout=30)
            w.wait_for(r"observation \d+ s0 ok", timeout=30)
            code = w.terminate()
        finally:
            w.kill()
        assert code == 0, w.stderr
        assert pg_server.password not in "\n".join(w.lines) + w.stderr.decode()
        with pg_server.connect(db) as conn:
            after = conn.execute(
                "SELECT count(*) FROM observations WHERE at >= %s",
                (int((time.time() - (time.monotonic() - dropped)) * 1000),),
            ).fetchone()
            leased = conn.execute(
                "SELECT count(*) FROM surfaces WHERE lease_owner IS NOT NULL"
            ).fetchone()
        assert after is not None and after[0] >= 2
        assert leased == (0,)
