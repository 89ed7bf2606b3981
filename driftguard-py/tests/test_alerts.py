"""Alert payloads (rendered by the core through `WatchConfig.alerts`) and their delivery
(`driftguard.alerts.deliver`) to real receivers on 127.0.0.1: a webhook and a
Slack-compatible endpoint (http.server) and an SMTP server (aiosmtpd), including AUTH,
STARTTLS that the server cannot do, refusals, and sinks that cannot be resolved."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import driftguard
from driftguard import _driftguard as _n
from driftguard.alerts import deliver
from httpserver import OPENAPI_V1, openapi_v2
from servers import free_port
from watchkit import SMTP_PASSWORD, smtp_server, webhook_receiver

FIRST = "2026-11-25T01:00:00Z"
LAST = "2026-11-25T00:55:00Z"
APPROVED = "2026-11-24T12:00:00Z"


def config_text(hook: str = "http://127.0.0.1:9", smtp_port: int = 25) -> str:
    return f"""
[[surface]]
name = "pets"
url = "https://api.example.test/openapi.json"

[[alerts.webhook]]
name = "strict"
url = "{hook}/strict"
secret = "${{HOOK_SECRET}}"
headers = {{ Authorization = "Bearer ${{HOOK_TOKEN}}" }}
on = "breaking"

[[alerts.slack]]
name = "chat"
url = "{hook}/services/${{SLACK_PATH}}"

[[alerts.email]]
name = "mail"
host = "127.0.0.1"
port = {smtp_port}
starttls = false
from = "dg@example.test"
to = ["a@example.test", "b@example.test"]
username = "watcher"
password = "${{SMTP_PASSWORD}}"
on = "dangerous"
"""


ENV = {
    "HOOK_SECRET": "k3y",
    "HOOK_TOKEN": "hook-bearer-1",
    "SLACK_PATH": "T000/B000/XXXX",
    "SMTP_PASSWORD": SMTP_PASSWORD,
}


def reports() -> tuple[Any, Any]:
    """(breaking report v1 → v2, safe-only report)."""
    v1 = _n.load_value(OPENAPI_V1, "openapi")
    v2 = _n.load_value(openapi_v2(), "openapi")
    only_version = json.loads(json.dumps(OPENAPI_V1))
    only_version["info"]["version"] = "1.0.1"
    v1b = _n.load_value(only_version, "openapi")
    return driftguard.diff(v1, v2), driftguard.diff(v1, v1b)


def test_payloads_follow_each_sinks_threshold() -> None:
    cfg = _n.WatchConfig(config_text(), None, ENV)
    breaking, safe = reports()
    assert safe.max_severity == "safe"
    alerts = cfg.alerts("pets", breaking, FIRST, LAST, APPROVED)
    assert [(a["sink"], a["kind"]) for a in alerts] == [
        ("strict", "webhook"),
        ("chat", "slack"),
        ("mail", "email"),
    ]
    assert [a["sink"] for a in cfg.alerts("pets", safe, FIRST, None, None)] == ["chat"]
    hook = alerts[0]["payload"]
    body = hook["body"].encode()
    headers = dict(hook["headers"])
    assert headers["Content-Type"] == "application/json"
    assert headers[_n.SIGNATURE_HEADER] == _n.alert_signature(b"k3y", body)
    assert (
        headers[_n.SIGNATURE_HEADER]
        == "sha256=" + hmac.new(b"k3y", body, hashlib.sha256).hexdigest()
    )
    receipt = json.loads(body)["receipt"]
    assert (receipt["first_seen"], receipt["last_approved_seen"], receipt["approved_at"]) == (
        FIRST,
        LAST,
        APPROVED,
    )
    assert [(c["rule"], c["severity"]) for c in receipt["report"]["changes"]] == [
        ("parameter-became-required", "breaking"),
        ("property-removed", "dangerous"),
        ("api-version-changed", "safe"),
    ]
    # Destinations and credentials are not in the payloads (they are stored).
    for a in alerts:
        text = json.dumps(a)
        for secret in ("k3y", "hook-bearer-1", "T000/B000/XXXX", SMTP_PASSWORD):
            assert secret not in text
    mail = alerts[2]["payload"]
    assert mail["subject"] == "[DriftGuard] pets drifted: 1 breaking, 1 dangerous, 1 safe"
    # The sinks, resolved for delivery (secret values).
    sinks = cfg.sinks()
    assert sinks["strict"] == {
        "kind": "webhook",
        "url": "http://127.0.0.1:9/strict",
        "headers": [["Authorization", "Bearer hook-bearer-1"]],
    }
    assert sinks["chat"] == {"kind": "slack", "url": "http://127.0.0.1:9/services/T000/B000/XXXX"}
    assert sinks["mail"]["password"] == SMTP_PASSWORD
    # Unset variables: the sink carries E_ENV, rendering a signed webhook is E_ENV.
    partial = _n.WatchConfig(config_text(), None, {})
    assert partial.sinks()["chat"]["error"]["code"] == "E_ENV"
    try:
        partial.alerts("pets", breaking, FIRST)
    except driftguard.DriftGuardError as e:
        assert e.code == "E_ENV"
    else:
        raise AssertionError("expected E_ENV")
    # Receipt times must be RFC 3339.
    try:
        cfg.alerts("pets", breaking, "yesterday")
    except driftguard.DriftGuardError as e:
        assert e.code == "E_CONFIG"
    else:
        raise AssertionError("expected E_CONFIG")
    assert _n.backoff_ms(10_000, 0, 3_600_000) == 10_000
    assert _n.backoff_ms(10_000, 3, 3_600_000) == 80_000
    assert _n.backoff_ms(10_000, 40, 3_600_000) == 3_600_000


def test_webhook_and_slack_delivery() -> None:
    breaking, _safe = reports()
    with webhook_receiver([500]) as (url, rx):
        cfg = _n.WatchConfig(config_text(url), None, ENV)
        alerts = {a["sink"]: a for a in cfg.alerts("pets", breaking, FIRST, LAST, APPROVED)}
        sinks = cfg.sinks()
        hook = alerts["strict"]
        failed = deliver("webhook", hook["payload"], sinks["strict"], timeout=5)
        assert (failed.ok, failed.detail) == (False, "HTTP 500 Internal Server Error")
        ok = deliver("webhook", hook["payload"], sinks["strict"], timeout=5)
        assert (ok.ok, ok.detail) == (True, "HTTP 204 No Content")
        slack = deliver("slack", alerts["chat"]["payload"], sinks["chat"], timeout=5)
        assert slack.ok
    first, second, chat = rx.received
    assert first.body == second.body == hook["payload"]["body"].encode()
    assert first.path == "/strict"
    assert first.headers["Authorization"] == "Bearer hook-bearer-1"
    assert first.headers["X-DriftGuard-Signature"] == (
        "sha256=" + hmac.new(b"k3y", first.body, hashlib.sha256).hexdigest()
    )
    assert chat.path == "/services/T000/B000/XXXX"
    assert chat.headers["Content-Type"] == "application/json"
    blocks = json.loads(chat.body)
    assert blocks["text"].startswith("DriftGuard: pets drifted")
    assert [b["type"] for b in blocks["blocks"]][:3] == ["header", "section", "divider"]
    # Nobody listening: a failure to record, not an exception.
    gone = deliver(
        "webhook",
        hook["payload"],
        {"kind": "webhook", "url": f"http://127.0.0.1:{free_port()}/x", "headers": []},
        timeout=2,
    )
    assert not gone.ok and gone.detail.startswith("ConnectError: ")
    assert deliver("webhook", hook["payload"], None, timeout=2).detail == (
        "the sink is no longer configured (kept; retried later)"
    )
    broken = {"error": {"code": "E_ENV", "message": "environment variable X is not set"}}
    assert deliver("slack", {}, broken, timeout=2).detail == (
        "error[E_ENV]: environment variable X is not set"
    )


def test_email_delivery_auth_starttls_and_refusal() -> None:
    breaking, _safe = reports()
    with smtp_server(auth=True) as (port, box):
        cfg = _n.WatchConfig(config_text(smtp_port=port), None, ENV)
        (mail,) = [
            a for a in cfg.alerts("pets", breaking, FIRST, LAST, APPROVED) if a["kind"] == "email"
        ]
        sink = cfg.sinks()["mail"]
        sent = deliver("email", mail["payload"], sink, timeout=10)
        assert (sent.ok, sent.detail) == (True, "SMTP accepted for 2 recipient(s)")
        assert box.logins == [("watcher", SMTP_PASSWORD)]
        box.refuse = 1
        refused = deliver("email", mail["payload"], sink, timeout=10)
        assert (refused.ok, refused.detail) == (False, "SMTP 554 5.7.1 refused by the test")
        # STARTTLS asked for, the server cannot: nothing is sent in clear text.
        tls = deliver("email", mail["payload"], {**sink, "starttls": True}, timeout=10)
        assert not tls.ok
        assert tls.detail == "SMTPNotSupportedError: STARTTLS extension not supported by server."
    assert len(box.messages) == 1
    sender, rcpts, msg, _raw = box.messages[0]
    assert (sender, rcpts) == ("dg@example.test", ["a@example.test", "b@example.test"])
    assert msg["Subject"] == "[DriftGuard] pets drifted: 1 breaking, 1 dangerous, 1 safe"
    assert msg["To"] == "a@example.test, b@example.test"
    plain, html = (p for p in msg.walk() if not p.is_multipart())
    assert plain.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert plain.get_content_charset() == "utf-8"
    text = plain.get_payload(decode=True).decode()
    assert "First seen:" in text and FIRST in text and "parameter-became-required" in text
    assert "&lt;" not in text and "<h1>Drift on pets</h1>" in html.get_payload(decode=True).decode()
