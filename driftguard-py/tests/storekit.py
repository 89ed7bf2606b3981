"""What the store tests share (tests/test_store.py, tests/test_store_postgres.py): digests
and a successful poll record with every field a real one has."""

from __future__ import annotations

from driftguard.store import PollRecord

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
C = "sha256:" + "c" * 64


def ok_poll(surface: str, at: int, digest: str, **kw: object) -> PollRecord:
    """A successful poll of ``surface`` at ``at`` that saw ``digest`` (``kw`` overrides)."""
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
