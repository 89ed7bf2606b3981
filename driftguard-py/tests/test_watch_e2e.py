"""`driftguard watch` end to end with real parts only: a real HTTP server on 127.0.0.1 whose
OpenAPI document changes mid-test, the real MCP server-everything swapped between two
published versions (2026.1.14 → 2026.1.26, a symlink the configuration names), a real
webhook receiver and a real SMTP server (aiosmtpd) on loopback. The watcher is the console
script (`--once` passes); the history, exposure window and the alerts received are
asserted exactly, and a secret given through `${VAR}` is grepped for everywhere."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from pathlib import Path
from typing import Any

from httpserver import OPENAPI_V1, openapi_v2
from servers import NODE_MODULES, everything_js, node
from watchkit import (
    clean_env,
    db_rows,
    every_byte,
    run_cli,
    serve_api,
    smtp_server,
    webhook_receiver,
)

# A token whose value contains `${HOME}`: the plan expands it once; sent verbatim.
TOKEN = "tok-${HOME}-9f8e7d6c5b4a"
HOOK_SECRET = "hook-secret-0a1b2c3d"
PETS_RULES = [
    ["parameter-became-required", "breaking"],
    ["property-removed", "dangerous"],
    ["api-version-changed", "safe"],
]
MCP_RULES = [["mcp-capability-added", "dangerous"], ["mcp-tool-added", "dangerous"]]


def point(link: Path, version: str) -> None:
    """Points the stable path the configuration names at one published version."""
    target = everything_js(version).parent.parent
    tmp = link.with_name(link.name + ".new")
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(target)
    os.replace(tmp, link)


def config(tmp: Path, api: str, hook: str, smtp_port: int) -> str:
    return f"""
[watch]
jitter = 0.0
max_backoff = "1s"
concurrency = 4

[[surface]]
name = "pets"
url = "{api}"
timeout = "5s"
headers = {{ Authorization = "Bearer ${{PETS_TOKEN}}" }}

[[surface]]
name = "everything"
timeout = "60s"
[surface.mcp_stdio]
command = [{json.dumps(node())}, "{tmp}/everything/dist/index.js", "stdio"]

[[alerts.webhook]]
name = "hook"
url = "{hook}/drift"
secret = "${{HOOK_SECRET}}"
headers = {{ "X-Team" = "payments" }}

[[alerts.email]]
name = "mail"
host = "127.0.0.1"
port = {smtp_port}
starttls = false
from = "driftguard@example.test"
to = ["oncall@example.test"]
on = "dangerous"
"""


def test_watch_end_to_end(tmp_path: Path) -> None:
    assert (NODE_MODULES / "everything-2026.1.26").exists()
    link = tmp_path / "everything"
    point(link, "2026.1.14")
    env = clean_env(PETS_TOKEN=TOKEN, HOOK_SECRET=HOOK_SECRET, DRIFTGUARD_WATCH_INTERVAL="50ms")
    outputs: list[str] = []

    def cli(*args: str) -> tuple[int, str]:
        code, out, err = run_cli(tmp_path, *args, env=env)
        outputs.extend([out, err])
        assert err == "", err
        return code, out

    def once() -> list[str]:
        time.sleep(0.1)  # every surface is due again (interval 50ms)
        code, out = cli("watch", "--once")
        assert code == 0
        return out.splitlines()

    with (
        serve_api(OPENAPI_V1) as (api_url, api, _server),
        webhook_receiver() as (hook_url, hook),
        smtp_server() as (smtp_port, mailbox),
    ):
        (tmp_path / "driftguard.toml").write_text(config(tmp_path, api_url, hook_url, smtp_port))
        code, out = cli("approve")
        assert code == 0, out
        lock = json.loads((tmp_path / "driftguard.lock").read_text())
        pets_v1 = lock["surfaces"]["pets"]["digest"]
        mcp_v14 = lock["surfaces"]["everything"]["digest"]
        approved_at = lock["surfaces"]["pets"]["approved_at"]

        # Pass 1: both surfaces observed, approved shapes, nothing to alert.
        lines = once()
        assert any(f"pets ok changed {pets_v1} approved" in line for line in lines), lines
        assert any(f"everything ok changed {mcp_v14} approved" in line for line in lines)
        # Pass 2: the API answers 304 to the conditional GET; the MCP catalog is the same
        # bytes (not normalized again).
        lines = once()
        assert any(f"pets ok not-modified {pets_v1} approved" in line for line in lines), lines
        assert any(f"everything ok same-bytes {mcp_v14} approved" in line for line in lines)
        assert api.requests[-1].get("If-None-Match") == '"v1"'

        # The API changes: drift, one change report, one alert per sink.
        api.publish(openapi_v2(), '"v2"')
        lines = once()
        drift = [line for line in lines if " pets ok changed " in line]
        assert len(drift) == 1 and drift[0].endswith(" DRIFT"), lines
        pets_v2 = drift[0].split()[-2]
        assert any(
            line.startswith(tuple("0123456789")) and " change 1 pets " in line for line in lines
        )
        assert sum(" delivered " in line for line in lines) == 2, lines
        # More passes: the same drift, no more alerts (not per poll).
        once()
        once()
        assert len(hook.received) == 1 and len(mailbox.messages) == 1

        # The MCP server is swapped for the next published version.
        point(link, "2026.1.26")
        lines = once()
        mcp_drift = [line for line in lines if " everything ok changed " in line]
        assert len(mcp_drift) == 1 and mcp_drift[0].endswith(" DRIFT"), lines
        mcp_v26 = mcp_drift[0].split()[-2]
        once()

    store = tmp_path / "driftguard.db"
    # ---- history rows ----------------------------------------------------------------
    obs = db_rows(
        store,
        "SELECT surface, ok, outcome, digest, approved, at FROM observations ORDER BY id",
    )
    pets = [(o[1], o[2], o[3]) for o in obs if o[0] == "pets"]
    assert pets == [
        (1, "changed", pets_v1),
        (1, "not-modified", pets_v1),
        (1, "changed", pets_v2),
        (1, "not-modified", pets_v2),
        (1, "not-modified", pets_v2),
        (1, "not-modified", pets_v2),
        (1, "not-modified", pets_v2),
    ]
    mcp = [(o[2], o[3]) for o in obs if o[0] == "everything"]
    assert mcp == [
        ("changed", mcp_v14),
        ("same-bytes", mcp_v14),
        ("same-bytes", mcp_v14),
        ("same-bytes", mcp_v14),
        ("same-bytes", mcp_v14),
        ("changed", mcp_v26),
        ("same-bytes", mcp_v26),
    ]
    assert {o[4] for o in obs if o[0] == "pets"} == {pets_v1}
    pets_times = [o[5] for o in obs if o[0] == "pets"]
    # Each distinct snapshot once.
    assert sorted(r[0] for r in db_rows(store, "SELECT digest FROM snapshots")) == sorted(
        [pets_v1, pets_v2, mcp_v14, mcp_v26]
    )

    code, out = cli("history", "pets", "--format", "json")
    assert code == 0
    history = json.loads(out)
    assert [o["outcome"] for o in history["observations"]] == [p[1] for p in pets]
    (change,) = history["changes"]
    assert (change["old"], change["new"], change["max_severity"], change["fails"]) == (
        pets_v1,
        pets_v2,
        "breaking",
        True,
    )
    assert [[c["rule"], c["severity"]] for c in change["report"]["changes"]] == PETS_RULES
    assert sorted((a["sink"], a["status"], a["attempts"]) for a in history["alerts"]) == [
        ("hook", "delivered", 1),
        ("mail", "delivered", 1),
    ]
    code, text = cli("history", "pets")
    assert "parameter-became-required" in text and "DRIFT" in text

    # ---- exposure window -------------------------------------------------------------
    code, out = cli("exposure", "pets", "--format", "json")
    assert code == 1  # exposed
    exposure = json.loads(out)
    from driftguard.store import format_ms

    assert exposure == {
        "surface": "pets",
        "approved": pets_v1,
        "approved_at": approved_at,
        "current": pets_v2,
        "exposed": True,
        "first_seen": format_ms(pets_times[2]),
        "drift_since": format_ms(pets_times[2]),
        "last_approved_seen": format_ms(pets_times[1]),
    }
    code, out = cli("exposure", "everything")
    assert code == 1 and "EXPOSED since" in out

    # ---- show --at -------------------------------------------------------------------
    between = format_ms(pets_times[1] + 1)
    assert between is not None
    code, out = cli("show", "pets", "--at", between, "--format", "json")
    assert code == 0 and json.loads(out)["digest"] == pets_v1
    code, out = cli("show", "pets", "--format", "json")
    assert json.loads(out)["digest"] == pets_v2
    code, out, err = run_cli(tmp_path, "show", "pets", "--at", between, env=env)
    outputs.extend([out, err])
    assert json.loads(out)["digest"] == pets_v1  # the snapshot itself
    assert err.startswith(f"pets at {between}: {pets_v1}, observed ")

    # ---- the alerts received ---------------------------------------------------------
    by_surface: dict[str, Any] = {}
    for req in hook.received:
        assert req.path == "/drift"
        expected = "sha256=" + hmac.new(HOOK_SECRET.encode(), req.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(req.headers["X-DriftGuard-Signature"], expected)
        assert req.headers["X-Team"] == "payments"
        assert req.headers["X-DriftGuard-Event"] == "drift"
        doc = json.loads(req.body)
        assert doc["format"] == "driftguard.alert/1"
        by_surface[doc["receipt"]["surface"]] = doc["receipt"]
    assert sorted(by_surface) == ["everything", "pets"]
    receipt = by_surface["pets"]
    assert [[c["rule"], c["severity"]] for c in receipt["report"]["changes"]] == PETS_RULES
    assert receipt["first_seen"] == format_ms(pets_times[2])
    assert receipt["last_approved_seen"] == format_ms(pets_times[1])
    assert receipt["approved_at"] == approved_at
    assert (receipt["old_digest"], receipt["new_digest"], receipt["max_severity"]) == (
        pets_v1,
        pets_v2,
        "breaking",
    )
    assert receipt["source"] == f"url {api_url}"
    mcp_receipt = by_surface["everything"]
    assert [[c["rule"], c["severity"]] for c in mcp_receipt["report"]["changes"]] == MCP_RULES
    assert (mcp_receipt["old_digest"], mcp_receipt["new_digest"]) == (mcp_v14, mcp_v26)

    assert [m[2]["Subject"] for m in mailbox.messages] == [
        "[DriftGuard] pets drifted: 1 breaking, 1 dangerous, 1 safe",
        "[DriftGuard] everything drifted: 0 breaking, 2 dangerous, 0 safe",
    ]
    for sender, rcpts, msg, _raw in mailbox.messages:
        assert (sender, rcpts) == ("driftguard@example.test", ["oncall@example.test"])
        assert msg.get_content_type() == "multipart/alternative"
        parts = [p.get_content_type() for p in msg.walk() if not p.is_multipart()]
        assert parts == ["text/plain", "text/html"]
    pets_mail = mailbox.messages[0][2]
    plain, html = (
        p.get_payload(decode=True).decode() for p in pets_mail.walk() if not p.is_multipart()
    )
    assert "parameter-became-required" in plain and "<code>parameter-became-required</code>" in html

    # ---- secrets: the token reached the server verbatim, and appears nowhere else -----
    assert {r.get("Authorization") for r in api.requests} == {f"Bearer {TOKEN}"}
    haystacks = [every_byte(store), *(o.encode() for o in outputs)]
    haystacks += [r.body for r in hook.received] + [m[3] for m in mailbox.messages]
    haystacks += [json.dumps(r.headers).encode() for r in hook.received]
    for secret in (TOKEN, "9f8e7d6c5b4a", HOOK_SECRET):
        for hay in haystacks:
            assert secret.encode() not in hay
