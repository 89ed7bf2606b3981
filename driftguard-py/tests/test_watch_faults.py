"""Faults against a running `driftguard watch` (real processes and servers only): the HTTP
server returns 500, hangs past the timeout, returns garbage, goes away; an MCP server
crashes on start; the webhook answers 500 and the SMTP server refuses. The watcher keeps
running, records each failure as an observation, alerts only on the real drift, retries
the failed deliveries until they succeed, and stops cleanly on SIGTERM. Then SIGKILL
mid-poll 20 times: the SQLite file stays sound and every observation the watcher reported
as committed is there."""

from __future__ import annotations

import json
import random
import re
import sqlite3
import time
from pathlib import Path

from httpserver import OPENAPI_V1, openapi_v2
from servers import node
from watchkit import (
    Watch,
    clean_env,
    db_rows,
    every_byte,
    run_cli,
    serve_api,
    smtp_server,
    webhook_receiver,
)

TOKEN = "api-token-5e6f7a8b9c"
HOOK_SECRET = "hook-secret-faults"


def test_faults_keep_the_watcher_running(tmp_path: Path) -> None:
    crash = "process.stderr.write('boom: cannot start\\n'); process.exit(3)"
    env = clean_env(API_TOKEN=TOKEN, HOOK_SECRET=HOOK_SECRET, DRIFTGUARD_WATCH_INTERVAL="200ms")
    with (
        serve_api(OPENAPI_V1) as (api_url, api, _server),
        serve_api(OPENAPI_V1) as (gone_url, _gone, gone_server),
        webhook_receiver([500, 500]) as (hook_url, hook),
        smtp_server() as (smtp_port, mailbox),
    ):
        (tmp_path / "driftguard.toml").write_text(
            f"""
[watch]
jitter = 0.0
max_backoff = "1s"

[[surface]]
name = "api"
url = "{api_url}"
timeout = "1s"
headers = {{ "X-Token" = "${{API_TOKEN}}" }}

[[surface]]
name = "gone"
url = "{gone_url}"
timeout = "1s"

[[surface]]
name = "crash"
timeout = "10s"
[surface.mcp_stdio]
command = [{json.dumps(node())}, "-e", {json.dumps(crash)}]

[[alerts.webhook]]
name = "hook"
url = "{hook_url}/drift"
secret = "${{HOOK_SECRET}}"

[[alerts.email]]
name = "mail"
host = "127.0.0.1"
port = {smtp_port}
starttls = false
from = "driftguard@example.test"
to = ["oncall@example.test"]
"""
        )
        code, out, err = run_cli(tmp_path, "approve", "api", "gone", env=env)
        assert code == 0, err
        w = Watch(tmp_path, env)
        try:
            w.wait_all(
                r"observation \d+ api ok changed sha256:\S+ approved$",
                r"observation \d+ gone ok changed sha256:\S+ approved$",
                r"observation \d+ crash error E_MCP MCP server `.*`: ",
            )
            api.mode = "error"
            w.wait_for(r"observation \d+ api error E_FETCH GET \S+: HTTP 500")
            api.mode = "hang"
            w.wait_for(r"observation \d+ api error E_TIMEOUT ")
            api.mode = "garbage"
            w.wait_for(r"observation \d+ api error E_ENCODING ")
            gone_server.shutdown()
            gone_server.server_close()
            w.wait_for(r"observation \d+ gone error E_FETCH GET \S+: ConnectError")
            api.mode = "ok"
            w.wait_for(r"observation \d+ api ok not-modified sha256:\S+ approved$")
            # The real drift, with a webhook that fails twice and an SMTP server that
            # refuses once.
            mailbox.refuse = 1
            api.publish(openapi_v2(), '"v2"')
            w.wait_for(r"observation \d+ api ok changed sha256:\S+ DRIFT$")
            w.wait_for(r"change \d+ api .*: 1 breaking, 1 dangerous, 1 safe; 2 alert\(s\) queued")
            pending = {"hook", "mail"}
            while pending:
                m = w.wait_for(r"alert \d+ (hook|mail) api delivered")
                pending.discard(m[1])
            time.sleep(1.0)  # more polls of the same drift: no more alerts
            assert w.terminate() == 0
        finally:
            if w.proc.poll() is None:
                w.kill()
    assert w.lines[-1].endswith(" stopped")
    assert w.stderr == b""

    store = tmp_path / "driftguard.db"
    rows = db_rows(store, "SELECT surface, ok, code, message FROM observations ORDER BY id")
    codes = {s: [r[2] for r in rows if r[0] == s and not r[1]] for s in ("api", "gone", "crash")}
    assert {"E_FETCH", "E_TIMEOUT", "E_ENCODING"} <= set(codes["api"])
    assert set(codes["gone"]) == {"E_FETCH"}
    crash_rows = [r for r in rows if r[0] == "crash"]
    assert len(crash_rows) >= 3 and {r[1] for r in crash_rows} == {0}
    assert "exit status: 3" in crash_rows[0][3] and "boom: cannot start" in crash_rows[0][3]
    # Exponential backoff (the core's poll_delay, jitter 0): after N consecutive failures
    # the next poll is due min(200 ms x 2^N, max_backoff 1 s) after the last one ended.
    ((failures, next_due),) = db_rows(
        store, "SELECT failures, next_due FROM surfaces WHERE name = 'crash'"
    )
    ((at, took),) = db_rows(
        store,
        "SELECT at, duration_ms FROM observations WHERE surface = 'crash' ORDER BY id DESC LIMIT 1",
    )
    assert failures == len(crash_rows)
    assert next_due - (at + took) == min(200 * 2**failures, 1000)
    # Only the real drift is a change; one alert per sink.
    changes = db_rows(store, "SELECT surface, max_severity FROM changes")
    assert changes == [("api", "breaking")]
    alerts = db_rows(store, "SELECT sink, status, attempts, id FROM alerts ORDER BY sink")
    assert [a[:3] for a in alerts] == [("hook", "delivered", 3), ("mail", "delivered", 2)]
    deliveries = {
        a[0]: db_rows(
            store, "SELECT ok, detail FROM deliveries WHERE alert_id = ? ORDER BY id", (a[3],)
        )
        for a in alerts
    }
    assert deliveries["hook"] == [
        (0, "HTTP 500 Internal Server Error"),
        (0, "HTTP 500 Internal Server Error"),
        (1, "HTTP 204 No Content"),
    ]
    assert deliveries["mail"] == [
        (0, "SMTP 554 5.7.1 refused by the test"),
        (1, "SMTP accepted for 1 recipient(s)"),
    ]
    # The receiver got the same signed alert three times; the mailbox one message.
    assert hook.answered == [500, 500, 204]
    assert len({r.body for r in hook.received}) == 1
    assert len({r.headers["X-DriftGuard-Signature"] for r in hook.received}) == 1
    assert (len(mailbox.messages), mailbox.refused) == (1, 1)
    # history shows the attempts.
    code, out, err = run_cli(tmp_path, "history", "api", "--format", "json", env=env)
    assert code == 0
    hist = json.loads(out)
    hook_alert = next(a for a in hist["alerts"] if a["sink"] == "hook")
    assert [d["ok"] for d in hook_alert["deliveries"]] == [False, False, True]
    code, text, err = run_cli(tmp_path, "history", "crash", env=env)
    assert code == 0 and "E_MCP" in text and "changes (0):" in text
    for hay in (every_byte(store), "\n".join(w.lines).encode(), out.encode(), text.encode()):
        assert TOKEN.encode() not in hay and HOOK_SECRET.encode() not in hay
    assert {r.get("X-Token") for r in api.requests} == {TOKEN}


def test_sigkill_mid_poll_loses_no_committed_observation(tmp_path: Path) -> None:
    env = clean_env(DRIFTGUARD_WATCH_INTERVAL="50ms")
    rng = random.Random(20261125)
    committed: set[int] = set()
    kills_mid_poll = 0
    with (
        serve_api(OPENAPI_V1) as (api_url, api, _server),
        webhook_receiver() as (hook_url, hook),
    ):
        api.delay_s = 0.12  # every GET takes a while: kills land mid-poll
        surfaces = "".join(
            f'\n[[surface]]\nname = "s{i}"\nurl = "{api_url}?n={i}"\ntimeout = "2s"\n'
            for i in range(4)
        )
        (tmp_path / "driftguard.toml").write_text(
            f"[watch]\njitter = 0.0\nconcurrency = 4\n{surfaces}\n"
            f'[[alerts.webhook]]\nname = "hook"\nurl = "{hook_url}/x"\n'
        )
        assert run_cli(tmp_path, "approve", env=env)[0] == 0
        for i in range(20):
            if i == 8:
                api.publish(openapi_v2(), '"v2"')  # drift while being killed
            w = Watch(tmp_path, env)
            try:
                for _ in range(rng.randint(1, 6)):
                    w.wait_for(r"observation \d+ ", timeout=60)
                # Kill while a GET is in flight (the watcher is mid-poll), at a random
                # point of it.
                deadline = time.monotonic() + 2
                while api.active == 0 and time.monotonic() < deadline:
                    time.sleep(0.002)
                time.sleep(rng.uniform(0.0, 0.06))
                kills_mid_poll += api.active > 0
            finally:
                w.kill()
            for line in w.lines:
                m = re.search(r" observation (\d+) ", line)
                if m:
                    committed.add(int(m[1]))
        db = sqlite3.connect(tmp_path / "driftguard.db")
        try:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            stored = {r[0] for r in db.execute("SELECT id FROM observations")}
        finally:
            db.close()
        print(
            f"sigkill: 20 kills, {kills_mid_poll} with a GET in flight, {len(committed)}"
            f" committed observations reported, {len(stored)} stored"
        )
        assert committed <= stored, sorted(committed - stored)
        assert len(committed) >= 20
        assert kills_mid_poll >= 10, kills_mid_poll
        # A clean pass afterwards: the dead watchers' leases are released, the drift
        # produced exactly one change and one alert per surface (never duplicated by a
        # kill), and the file is still sound.
        time.sleep(0.1)
        code, _out, err = run_cli(tmp_path, "watch", "--once", env=env)
        assert (code, err) == (0, "")
    store = tmp_path / "driftguard.db"
    assert db_rows(store, "PRAGMA integrity_check") == [("ok",)]
    changes = db_rows(store, "SELECT surface FROM changes ORDER BY surface")
    assert changes == [("s0",), ("s1",), ("s2",), ("s3",)]
    alerts = db_rows(store, "SELECT surface, sink FROM alerts ORDER BY surface")
    assert alerts == [("s0", "hook"), ("s1", "hook"), ("s2", "hook"), ("s3", "hook")]
    orphans = db_rows(
        store,
        "SELECT COUNT(*) FROM changes WHERE observation_id NOT IN (SELECT id FROM observations)",
    )
    assert orphans == [(0,)]
    assert len(hook.received) <= 4 + 20  # a delivery killed before its record may repeat
