"""Alert delivery for ``driftguard watch``: the I/O half of the core's alert payloads.

The core renders each payload around its receipt (``WatchConfig.alerts``); the store keeps
the payload (no secret in it) until a delivery succeeds. This module sends one payload to
one sink, whose destination and credentials come from the configuration at send time
(``WatchConfig.sinks``):

- ``webhook``: ``POST`` the exact body bytes the core signed, with its headers
  (``Content-Type``, ``X-DriftGuard-Event``, ``X-DriftGuard-Signature``) and the sink's
  own headers; any 2xx is delivered.
- ``slack``: ``POST`` the Block Kit JSON to the incoming-webhook URL; any 2xx.
- ``email``: SMTP (``smtplib``), ``STARTTLS`` when the sink asks for it (the default),
  ``AUTH`` when it has a username, a ``multipart/alternative`` message (plain text, then
  HTML), UTF-8.

Redirects are not followed (a webhook that redirects is a misconfiguration, and a
redirect must not carry a signed body elsewhere). Every failure is returned, never
raised: the watcher records it as an attempt and schedules a retry.
"""

from __future__ import annotations

import json
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import httpx

__all__ = ["DELIVERY_TIMEOUT", "Delivery", "deliver"]

#: Seconds a delivery may take (connect + send + answer).
DELIVERY_TIMEOUT = 30.0


@dataclass(frozen=True)
class Delivery:
    """The outcome of one attempt: ``detail`` is ``HTTP 204``, ``250 …`` or the reason
    it failed (the caller redacts it before storing or printing)."""

    ok: bool
    detail: str


def deliver(
    kind: str, payload: dict[str, Any], sink: dict[str, Any] | None, *, timeout: float
) -> Delivery:
    """Sends ``payload`` (an alert's stored payload) to ``sink`` (its entry from
    ``WatchConfig.sinks``; ``None`` when the sink is no longer configured)."""
    if sink is None:
        return Delivery(False, "the sink is no longer configured (kept; retried later)")
    err = sink.get("error")
    if err is not None:
        return Delivery(False, f"error[{err['code']}]: {err['message']}")
    try:
        if kind in ("webhook", "slack"):
            headers = dict(payload.get("headers") or [])
            headers.setdefault("Content-Type", "application/json")
            headers.update(dict(sink.get("headers") or []))
            return _post(sink["url"], payload["body"].encode("utf-8"), headers, timeout)
        if kind == "email":
            return _email(payload, sink, timeout)
        return Delivery(False, f"unknown sink kind {kind!r}")
    except Exception as e:  # every failure is an attempt to record, never a crash
        return Delivery(False, f"{type(e).__name__}: {e}")


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Delivery:
    from ._driftguard import __version__

    headers.setdefault("User-Agent", f"driftguard/{__version__}")
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout), trust_env=False) as client:
            r = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        return Delivery(False, f"no answer within {timeout:g} s")
    except httpx.HTTPError as e:
        return Delivery(False, f"{type(e).__name__}: {e or 'connection failed'}")
    status = f"HTTP {r.status_code}{' ' + r.reason_phrase if r.reason_phrase else ''}"
    return Delivery(200 <= r.status_code < 300, status)


def _email(payload: dict[str, Any], sink: dict[str, Any], timeout: float) -> Delivery:
    msg = EmailMessage()
    msg["Subject"] = payload["subject"]
    msg["From"] = sink["from"]
    msg["To"] = ", ".join(sink["to"])
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain="driftguard")
    msg["X-DriftGuard-Event"] = "drift"
    msg.set_content(payload["text"], charset="utf-8")
    msg.add_alternative(payload["html"], subtype="html", charset="utf-8")
    try:
        with smtplib.SMTP(sink["host"], int(sink["port"]), timeout=timeout) as smtp:
            smtp.ehlo()
            if sink.get("starttls", True):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if sink.get("username"):
                smtp.login(sink["username"], sink.get("password") or "")
            refused = smtp.send_message(msg)
    except smtplib.SMTPResponseException as e:
        text = e.smtp_error.decode("utf-8", "replace") if isinstance(e.smtp_error, bytes) else ""
        return Delivery(False, f"SMTP {e.smtp_code} {text}".strip())
    except smtplib.SMTPRecipientsRefused as e:
        return Delivery(False, f"every recipient was refused: {sorted(e.recipients)}")
    except (smtplib.SMTPException, OSError) as e:
        return Delivery(False, f"{type(e).__name__}: {e}")
    if refused:
        return Delivery(False, f"some recipients were refused: {sorted(refused)}")
    return Delivery(True, f"SMTP accepted for {len(sink['to'])} recipient(s)")


def load_payload(text: str) -> dict[str, Any]:
    """A stored payload (JSON) → dict."""
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("an alert payload is a JSON object")
    return value
