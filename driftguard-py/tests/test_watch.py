"""`driftguard watch` and the history commands as real processes: usage and error codes,
the store location (`--store`, `[watch] store`, beside the config), E_STORE, SIGTERM/SIGINT
while a poll is in flight, reloading driftguard.lock while running, unset variables,
unapproved surfaces, and header values from the plan used verbatim (no double `${}`)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import time
from pathlib import Path

from httpserver import OPENAPI_V1, openapi_v2
from watchkit import Watch, clean_env, db_rows, run_cli, serve_api

ENV = clean_env(DRIFTGUARD_WATCH_INTERVAL="100ms")


def write(tmp: Path, url: str, extra: str = "", name: str = "driftguard.toml") -> Path:
    path = tmp / name
    path.write_text(
        f'[watch]\njitter = 0.0\nmax_backoff = "1s"\n{extra}\n'
        f'[[surface]]\nname = "api"\nurl = "{url}"\ntimeout = "2s"\n'
    )
    return path


def test_usage_and_errors(tmp_path: Path) -> None:
    code, out, err = run_cli(tmp_path, "watch", "--help", env=ENV)
    assert (code, err) == (0, "")
    assert out.startswith("usage: driftguard watch [--config FILE] [--once] [--store URL]\n")
    code, out, err = run_cli(tmp_path, "watch", "--bogus", env=ENV)
    assert (code, out) == (2, "")
    assert err.startswith('error: unknown argument "--bogus"\n\nusage: driftguard watch')
    code, out, err = run_cli(tmp_path, "watch", "--once", env=ENV)
    assert (code, out) == (2, "")
    assert err == "error: cannot read driftguard.toml: No such file or directory (os error 2)\n"
    (tmp_path / "driftguard.toml").write_text(
        '[[surface]]\nname = "a"\nurl = "http://x"\nintervall = "5m"\n'
    )
    code, out, err = run_cli(tmp_path, "watch", "--once", env=ENV)
    assert code == 2
    assert err.startswith('error[E_CONFIG]: `surface[0]`: unknown key "intervall"')
    for cmd in ("history", "show", "exposure"):
        code, out, err = run_cli(tmp_path, cmd, env=ENV)
        assert (code, out) == (2, "")
        assert err.startswith("error: give exactly one SURFACE\n\nusage: driftguard history")
    code, out, err = run_cli(tmp_path, "history", "a", "--format", "xml", env=ENV)
    assert err.startswith('error: --format must be text or json, got "xml"')
    (tmp_path / "driftguard.toml").write_text('[[surface]]\nname = "a"\nfile = "a.json"\n')
    for value, message in (
        ("0s", "error: DRIFTGUARD_WATCH_INTERVAL must be longer than 0s\n"),
        ("soon", "error: DRIFTGUARD_WATCH_INTERVAL is not a duration such as \"500ms\": 'soon'\n"),
    ):
        code, out, err = run_cli(
            tmp_path, "watch", "--once", env={**ENV, "DRIFTGUARD_WATCH_INTERVAL": value}
        )
        assert (code, out, err) == (2, "", message)
    code, out, err = run_cli(tmp_path, "--help", env=ENV)
    assert "driftguard watch [--config FILE] [--once] [--store URL]" in out


def test_store_location_and_e_store(tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    conf.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with serve_api(OPENAPI_V1) as (url, _api, _server):
        # Default: driftguard.db beside the configuration, whatever the working directory.
        write(conf, url)
        code, out, err = run_cli(
            elsewhere, "watch", "--once", "--config", str(conf / "driftguard.toml"), env=ENV
        )
        assert (code, err) == (0, ""), err
        assert (conf / "driftguard.db").exists() and not (elsewhere / "driftguard.db").exists()
        # [watch] store, relative to the configuration.
        write(conf, url, 'store = "hist/watch.db"', name="other.toml")
        (conf / "hist").mkdir()
        code, out, err = run_cli(
            elsewhere, "watch", "--once", "--config", str(conf / "other.toml"), env=ENV
        )
        assert (code, err) == (0, "")
        assert (conf / "hist" / "watch.db").exists()
        # --store wins.
        code, out, err = run_cli(
            conf, "watch", "--once", "--store", str(elsewhere / "cli.db"), env=ENV
        )
        assert (code, err) == (0, "")
        assert db_rows(elsewhere / "cli.db", "SELECT COUNT(*) FROM observations") == [(1,)]
        code, out, err = run_cli(
            conf, "history", "api", "--store", str(elsewhere / "cli.db"), env=ENV
        )
        assert code == 0 and "observations (1):" in out

    # A store whose schema is newer than this build: E_STORE, exit 2, nothing written.
    db = sqlite3.connect(conf / "driftguard.db")
    db.execute("UPDATE driftguard_schema SET version = 7")
    db.commit()
    db.close()
    for args in (["watch", "--once"], ["history", "api"], ["exposure", "api"]):
        code, out, err = run_cli(conf, *args, env=ENV)
        assert (code, out) == (2, "")
        assert err.startswith("error[E_STORE]: the store ") and "schema version 7, newer" in err
    # A corrupt file.
    (conf / "bad.db").write_bytes(b"\x00garbage, not SQLite\x00" * 300)
    code, out, err = run_cli(conf, "watch", "--once", "--store", "bad.db", env=ENV)
    assert code == 2 and err.startswith("error[E_STORE]: cannot open the store ")
    code, out, err = run_cli(conf, "history", "api", "--store", "missing.db", env=ENV)
    assert code == 2 and err.startswith("error[E_STORE]: no store at ")
    code, out, err = run_cli(conf, "history", "nope", "--store", str(elsewhere / "cli.db"), env=ENV)
    assert (code, err) == (2, 'error: no surface "nope" in the configuration or the store\n')


def test_sigterm_finishes_the_poll_in_flight(tmp_path: Path) -> None:
    with serve_api(OPENAPI_V1) as (url, api, _server):
        write(tmp_path, url)
        api.delay_s = 1.5
        w = Watch(tmp_path, ENV)
        try:
            w.wait_for(r"watching 1 surface")
            deadline = time.monotonic() + 10
            while api.active == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert api.active == 1
            started = time.monotonic()
            assert w.terminate() == 0
            took = time.monotonic() - started
        finally:
            w.kill()
    # It waited for the capture (about 1.5 s), recorded it, and stopped.
    assert any(" observation 1 api ok changed " in line for line in w.lines), w.lines
    assert w.lines[-1].endswith(" stopped")
    assert 0.3 < took < 10
    assert db_rows(tmp_path / "driftguard.db", "SELECT COUNT(*), MIN(ok) FROM observations") == [
        (1, 1)
    ]
    assert db_rows(tmp_path / "driftguard.db", "SELECT lease_owner FROM surfaces") == [(None,)]


def test_second_signal_abandons_in_flight_polls(tmp_path: Path) -> None:
    with serve_api(OPENAPI_V1) as (url, api, _server):
        write(tmp_path, url)
        api.mode = "hang"
        api.hang_s = 5
        w = Watch(tmp_path, ENV)
        try:
            w.wait_for(r"watching 1 surface")
            deadline = time.monotonic() + 10
            while api.active == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            started = time.monotonic()
            w.proc.send_signal(signal.SIGINT)
            time.sleep(0.2)
            w.proc.send_signal(signal.SIGINT)
            code = w.proc.wait(10)
            took = time.monotonic() - started
            time.sleep(0.1)
            w.drain()
        finally:
            w.kill()
    assert code == 0
    assert took < 1.5  # the 2 s capture was not waited for
    assert w.lines[-1].endswith(" stopped (1 in-flight task(s) abandoned)"), w.lines
    db = sqlite3.connect(tmp_path / "driftguard.db")
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("SELECT lease_owner FROM surfaces").fetchall() == [(None,)]
    db.close()


def test_lock_reloaded_while_running_and_unset_variables(tmp_path: Path) -> None:
    env = clean_env(DRIFTGUARD_WATCH_INTERVAL="100ms", TOKEN="t0k3n")
    with serve_api(OPENAPI_V1) as (url, api, _server):
        (tmp_path / "driftguard.toml").write_text(
            f'[watch]\njitter = 0.0\nmax_backoff = "1s"\n\n'
            f'[[surface]]\nname = "api"\nurl = "{url}"\ntimeout = "2s"\n'
            'headers = { "X-Token" = "${TOKEN}" }\n\n'
            f'[[surface]]\nname = "needs-var"\nurl = "{url}"\ntimeout = "2s"\n'
            'headers = { "X-Token" = "${UNSET_VARIABLE}" }\n'
        )
        assert run_cli(tmp_path, "approve", "api", env=env)[0] == 0
        w = Watch(tmp_path, env)
        try:
            w.wait_all(
                r"observation \d+ api ok changed sha256:\S+ approved$",
                r"observation \d+ needs-var error E_ENV environment variable UNSET_VARIABLE is"
                r' not set \(needed by `surface "needs-var" headers.X-Token`\)$',
            )
            api.publish(openapi_v2(), '"v2"')
            w.wait_for(r"observation \d+ api ok changed sha256:\S+ DRIFT$")
            w.wait_for(r"change 1 api ")
            # Approving the new shape while the watcher runs: it reloads the lock.
            assert run_cli(tmp_path, "approve", "api", env=env)[0] == 0
            w.wait_for(r"reloaded driftguard.toml and driftguard.lock")
            w.wait_for(r"observation \d+ api ok \S+ sha256:\S+ approved$")
            assert w.terminate() == 0
        finally:
            w.kill()
    code, out, err = run_cli(tmp_path, "exposure", "api", env=env)
    assert (code, err) == (0, "")
    assert out.startswith("api: not exposed — the current shape is the approved one")
    # The unapproved surface is observed (errors here), never a change.
    assert db_rows(tmp_path / "driftguard.db", "SELECT surface FROM changes") == [("api",)]
    code, out, _err = run_cli(tmp_path, "exposure", "needs-var", env=env)
    assert (code, out) == (0, "needs-var: no successful observation yet\n")


def test_plan_values_are_used_verbatim_by_approve_and_check(tmp_path: Path) -> None:
    """A secret whose value contains `${HOME}` is expanded once (by the core's plan) and
    sent as is: the fetch layer no longer expands it a second time."""
    value = "abc-${HOME}-xyz"
    env = clean_env(TOKEN=value, HOME="/should-not-appear")
    with serve_api(OPENAPI_V1) as (url, api, _server):
        (tmp_path / "driftguard.toml").write_text(
            f'[[surface]]\nname = "api"\nurl = "{url}"\nheaders = {{ "X-Token" = "${{TOKEN}}" }}\n'
        )
        assert run_cli(tmp_path, "approve", env=env)[0] == 0
        code, _out, err = run_cli(tmp_path, "check", env=env)
        assert (code, err) == (0, "")
        assert [r["X-Token"] for r in api.requests] == [value, value]
        assert json.loads((tmp_path / "driftguard.lock").read_text())["surfaces"]["api"]["source"][
            "headers"
        ] == ["X-Token"]


def test_sigterm_after_a_capture_overran_its_deadline_exits_at_once(tmp_path: Path) -> None:
    """A capture stuck beyond timeout + grace (a FIFO with no writer blocks ``open``) is
    recorded as E_TIMEOUT and left on its worker thread. SIGTERM must then still exit
    promptly: before the fix the loop ended normally and interpreter exit joined the
    stuck worker thread, so the watcher hung for as long as the capture did (forever)."""
    fifo = tmp_path / "stuck.json"
    os.mkfifo(fifo)
    (tmp_path / "driftguard.toml").write_text(
        '[watch]\njitter = 0.0\nmax_backoff = "1s"\n\n'
        '[[surface]]\nname = "stuck"\nfile = "stuck.json"\ntimeout = "1s"\n'
    )
    w = Watch(tmp_path, ENV)
    try:
        # 1 s timeout + 15 s grace, then the watchdog records it.
        w.wait_for(r"observation \d+ stuck error E_TIMEOUT ", timeout=40)
        started = time.monotonic()
        assert w.terminate(timeout=10) == 0
        took = time.monotonic() - started
    finally:
        w.kill()
        # Release the stuck reader (if any is left) so nothing lingers.
        with contextlib.suppress(OSError):
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
    assert took < 5
    assert w.lines[-1].endswith(" stopped (1 in-flight task(s) abandoned)"), w.lines
    assert db_rows(tmp_path / "driftguard.db", "SELECT code FROM observations") == [("E_TIMEOUT",)]
