"""``driftguard history``, ``show`` and ``exposure``: what the watcher's store remembers.

- ``history SURFACE``: the timeline — every observation (time, ok/error, outcome, digest
  or error), the change reports, and the alerts with each delivery attempt.
- ``show SURFACE --at TIME``: the snapshot in force at TIME (the last successful
  observation at or before it), as ``driftguard snapshot`` prints snapshots.
- ``exposure SURFACE``: since when the surface has shown an unapproved shape: the first
  observation of the current digest and the last observation of the approved one.

Each reads ``driftguard.toml`` (for the store's location, the secrets to redact, and the
approved digest in ``driftguard.lock`` beside it) and opens the store read-mostly. Times are
printed in RFC 3339 UTC; ``--format json`` prints one JSON document.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from typing import Any

from . import _driftguard as _n
from ._args import ArgReader, parse_command
from ._args import UsageError as _Usage
from .errors import DriftGuardError
from .store import (
    AlertRow,
    ChangeRow,
    Observation,
    Store,
    exposure,
    format_ms,
    open_store,
    parse_time,
)

__all__ = [
    "EXPORT_FORMAT",
    "HISTORY_USAGE",
    "export_document",
    "run_exposure",
    "run_history",
    "run_show",
]

HISTORY_USAGE = """\
usage: driftguard history SURFACE [--config FILE] [--store URL] [--limit N] [--format FORMAT]
                          [--export FILE]
       driftguard history --prune [--retention DURATION] [--dry-run] [--config FILE]
                          [--store URL] [--format FORMAT]
       driftguard show SURFACE [--at TIME] [--config FILE] [--store URL] [--format FORMAT]
       driftguard exposure SURFACE [--config FILE] [--store URL] [--format FORMAT]

history: the timeline of a surface in the watch store: every observation, change report
and alert (with every delivery attempt).
show: the snapshot in force at TIME (default: now) — the last successful observation at
or before it.
history --prune: delete history older than the retention (default 90d), keeping what
retention promises to keep (docs/watch.md, Retention); prints the rows removed.
exposure: since when the surface has shown an unapproved shape (the first observation of
its current digest, the last observation of the approved one); exit 1 when exposed.

options:
  --config FILE      the configuration (default: driftguard.toml in this directory)
  --store URL        the store (default: [watch] store, else driftguard.db beside the
                     configuration)
  --at TIME          RFC 3339 (2026-11-25T01:00:00Z) or a date (its midnight UTC)
  --limit N          history: only the last N observations
  --format FORMAT    text (default) or json
  --retention D      --prune: keep D of history: Nd (N >= 1 days) or Nw, or "forever"
  --dry-run          --prune: count what would be removed, remove nothing
  --export FILE      history: write the timeline to FILE as a versioned JSON document
                     (format driftguard.history/1, for the viewer's timeline chart)

exit codes: 0 ok, 1 exposure: exposed, 2 any error
"""


class _Fail(Exception):
    pass


def _parse(args: list[str], allowed: tuple[str, ...]) -> dict[str, Any]:
    opts: dict[str, Any] = {"config": "driftguard.toml", "store": None, "format": "text"}
    names: list[str] = []
    reader = ArgReader(args)
    for a in reader:
        opt, eq, val = a.partition("=")
        if a in ("--prune", "--dry-run") and "--prune" in allowed:
            opts[a[2:].replace("-", "_")] = True
        elif opt in ("--config", "--store", "--format", *allowed):
            val = reader.value(opt, eq, val)
            opts[opt[2:]] = val
        elif a.startswith("-") and a != "-":
            raise _Usage(f"unknown option {json.dumps(a)}")
        else:
            names.append(a)
    if opts.get("prune"):
        if names:
            raise _Usage("--prune prunes every surface: give no SURFACE")
        names = [""]
    elif opts.get("dry_run") or opts.get("retention") is not None:
        raise _Usage("--dry-run and --retention go with --prune")
    if len(names) != 1:
        raise _Usage("give exactly one SURFACE")
    if opts["format"] not in ("text", "json"):
        raise _Usage(f"--format must be text or json, got {json.dumps(opts['format'])}")
    opts["surface"] = names[0]
    return opts


class _Context:
    """The configuration (if readable), its secrets, the lock's approval, and the store."""

    def __init__(self, opts: dict[str, Any]) -> None:
        self.surface: str = opts["surface"]
        self.secrets: list[str] = []
        self.approved: tuple[str, str] | None = None
        self.source: str | None = None
        #: Every configured surface's approved digest (retention never prunes those).
        self.all_approved: dict[str, str] = {}
        #: ``[watch] retention`` in ms (``None``: forever).
        self.retention_ms: int | None = DEFAULT_RETENTION_DAYS * _DAY_MS
        path: str = opts["config"]
        base = os.path.dirname(path) or "."
        store_url: str | None = opts["store"]
        text: str | None = None
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            if store_url is None:
                why = (
                    f"{e.strerror} (os error {e.errno})" if isinstance(e, OSError) else "not UTF-8"
                )
                raise _Fail(f"error: cannot read {path}: {why}") from None
        lock: str | None = None
        if text is not None:
            try:
                with open(os.path.join(base, "driftguard.lock"), "rb") as f:
                    lock = f.read().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                lock = None
            cfg = _n.WatchConfig(text, lock, dict(os.environ))
            self.secrets = cfg.secrets()
            self.approved = cfg.approved(self.surface) if self.surface else None
            for s in cfg.surfaces():
                if s["name"] == self.surface:
                    self.source = s["source"]
                approval = cfg.approved(s["name"])
                if approval is not None:
                    self.all_approved[s["name"]] = approval[0]
            settings = cfg.settings() if (store_url is None or opts.get("prune")) else {}
            if "retention_ms" in settings:
                self.retention_ms = settings["retention_ms"]
            if store_url is None:
                store_url = settings["store"] or "driftguard.db"
        assert store_url is not None
        plain = "://" not in store_url and not store_url.startswith("sqlite:")
        if plain and not os.path.exists(os.path.join(base, store_url)):
            raise _Fail(f"error[E_STORE]: no store at {os.path.join(base, store_url)}")
        self.store: Store = open_store(store_url, base_dir=base)

    def out(self, text: str) -> None:
        sys.stdout.buffer.write(_n.redact(text, self.secrets).encode("utf-8"))
        sys.stdout.flush()

    def known(self) -> None:
        if not self.surface:
            return
        if self.source is None and self.store.surface(self.surface) is None:
            raise _Fail(
                f"error: no surface {json.dumps(self.surface)} in the configuration or the store"
            )


def _run(args: list[str], allowed: tuple[str, ...], body: Any) -> int:
    opts = parse_command(lambda: _parse(args, allowed), HISTORY_USAGE)
    if isinstance(opts, int):
        return opts
    ctx: _Context | None = None
    try:
        ctx = _Context(opts)
        ctx.known()
        return int(body(ctx, opts))
    except _Fail as e:
        msg = str(e) + "\n"
        sys.stderr.write(_n.redact(msg, ctx.secrets) if ctx else msg)
        return 2
    except DriftGuardError as e:
        msg = f"error[{e.code}]: {e}\n"
        sys.stderr.write(_n.redact(msg, ctx.secrets) if ctx else msg)
        return 2
    except BrokenPipeError:
        return 2
    finally:
        if ctx is not None and hasattr(ctx, "store"):
            ctx.store.close()


# ---------------------------------------------------------------------------------------
# history
# ---------------------------------------------------------------------------------------


def _obs_json(o: Observation) -> dict[str, Any]:
    return {
        "id": o.id,
        "at": format_ms(o.at),
        "ok": o.ok,
        "outcome": o.outcome,
        "digest": o.digest,
        "approved": o.approved,
        "error": None if o.ok else {"code": o.code, "message": o.message},
        "duration_ms": o.duration_ms,
        "watcher": o.owner,
    }


def _change_json(c: ChangeRow) -> dict[str, Any]:
    return {
        "id": c.id,
        "at": format_ms(c.at),
        "observation": c.observation_id,
        "old": c.old_digest,
        "new": c.new_digest,
        "max_severity": c.max_severity,
        "fails": c.fails,
        "summary": c.summary,
        "report": json.loads(c.report),
    }


def _alert_json(store: Store, a: AlertRow) -> dict[str, Any]:
    return {
        "id": a.id,
        "change": a.change_id,
        "sink": a.sink,
        "kind": a.kind,
        "created": format_ms(a.created),
        "status": a.status,
        "attempts": a.attempts,
        "next_attempt": None if a.status == "delivered" else format_ms(a.next_attempt),
        "delivered_at": format_ms(a.delivered_at),
        "last_error": a.last_error,
        "deliveries": [
            {"at": format_ms(d.at), "ok": d.ok, "detail": d.detail} for d in store.deliveries(a.id)
        ],
    }


def _short(digest: str | None) -> str:
    return "-" if digest is None else digest[: len("sha256:") + 12]


def _history(ctx: _Context, opts: dict[str, Any]) -> int:
    limit = opts.get("limit")
    if limit is not None:
        if not str(limit).isdigit() or int(limit) < 1:
            raise _Fail(f"error: --limit must be a positive integer, got {json.dumps(limit)}")
        limit = int(limit)
    store = ctx.store
    if opts.get("prune"):
        return _prune(ctx, opts)
    if opts.get("export") is not None:
        return _export(ctx, opts["export"], limit)
    observations = store.observations(ctx.surface, limit=limit)
    changes = store.changes(ctx.surface)
    alerts = store.alerts(ctx.surface)
    approved = ctx.approved[0] if ctx.approved else None
    if opts["format"] == "json":
        doc = {
            "surface": ctx.surface,
            "source": ctx.source,
            "approved": approved,
            "approved_at": ctx.approved[1] if ctx.approved else None,
            "pruned_before": format_ms(store.pruned_before(ctx.surface)),
            "observations": [_obs_json(o) for o in observations],
            "changes": [_change_json(c) for c in changes],
            "alerts": [_alert_json(store, a) for a in alerts],
        }
        ctx.out(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return 0
    lines = [f"surface {ctx.surface}" + (f" ({ctx.source})" if ctx.source else "")]
    if ctx.approved:
        lines.append(f"approved: {ctx.approved[0]} at {ctx.approved[1]}")
    else:
        lines.append("approved: nothing (run driftguard approve)")
    pruned = store.pruned_before(ctx.surface)
    if pruned is not None:
        lines.append(f"history before {format_ms(pruned)} pruned (retention)")
    lines.append(f"observations ({len(observations)}):")
    for o in observations:
        if o.ok:
            mark = ""
            if approved is not None:
                mark = "  approved" if o.digest == approved else "  DRIFT"
            detail = f"{_short(o.digest)}{mark}"
        else:
            detail = f"{o.code} {(o.message or '').splitlines()[0] if o.message else ''}".rstrip()
        lines.append(
            f"  {format_ms(o.at)}  #{o.id:<5} {'ok' if o.ok else 'error':<5}"
            f" {o.outcome:<12} {detail}"
        )
    lines.append(f"changes ({len(changes)}):")
    for c in changes:
        lines.append(
            f"  {format_ms(c.at)}  #{c.id:<5} {_short(c.old_digest)} -> {_short(c.new_digest)}:"
            f" {c.summary}{' (fails the policy)' if c.fails else ''}"
        )
        for ch in json.loads(c.report).get("changes", []):
            lines.append(f"      {ch['severity'].upper():<9} {ch['rule']}  {ch['path']}")
    lines.append(f"alerts ({len(alerts)}):")
    for a in alerts:
        state = (
            f"delivered {format_ms(a.delivered_at)}"
            if a.status == "delivered"
            else f"PENDING, next attempt {format_ms(a.next_attempt)}"
        )
        lines.append(
            f"  #{a.id:<5} change #{a.change_id} {a.sink} ({a.kind}): {state},"
            f" {a.attempts} attempt(s)"
        )
        for d in store.deliveries(a.id):
            lines.append(f"      {format_ms(d.at)}  {'ok' if d.ok else 'failed':<6} {d.detail}")
    ctx.out("\n".join(lines) + "\n")
    return 0


#: Retention when none is given: 90 days (``docs/watch.md``, Retention).
DEFAULT_RETENTION_DAYS = 90
_DAY_MS = 86_400_000


def parse_retention(text: str) -> int | None:
    """A retention as ``[watch] retention`` takes it: a duration of at least one day
    (``"90d"``, ``"36h"``) → milliseconds, or ``"forever"`` → ``None``. :class:`ValueError`
    otherwise."""
    if text == "forever":
        return None
    try:
        ms = int(_n.duration_ms(text))
    except DriftGuardError as e:
        raise ValueError(f'{e} (or "forever")') from None
    if ms < _DAY_MS:
        raise ValueError(f'must be at least 1d (or "forever"), got {json.dumps(text)}')
    return ms


def _prune(ctx: _Context, opts: dict[str, Any]) -> int:
    text = opts.get("retention")
    if text is None:
        keep = ctx.retention_ms
        text = (
            "forever"
            if keep is None
            else f"{keep // _DAY_MS}d"
            if keep % _DAY_MS == 0
            else f"{keep}ms"
        )
    else:
        try:
            keep = parse_retention(text)
        except ValueError as e:
            raise _Fail(f"error: --retention: {e}") from None
    dry = bool(opts.get("dry_run"))
    if keep is None:
        result = None
    else:
        before = time.time_ns() // 1_000_000 - keep
        result = ctx.store.prune(before, ctx.all_approved, dry_run=dry)
    counts = {
        k: (getattr(result, k) if result else 0)
        for k in ("observations", "snapshots", "changes", "alerts", "deliveries")
    }
    if opts["format"] == "json":
        doc = {
            "retention": text,
            "before": format_ms(result.before) if result else None,
            "dry_run": dry,
            "removed": counts,
        }
        ctx.out(json.dumps(doc, indent=2) + "\n")
        return 0
    if result is None:
        ctx.out('retention "forever": nothing pruned\n')
        return 0
    verb = "would remove" if dry else "removed"
    parts = ", ".join(f"{v} {k}" for k, v in counts.items())
    ctx.out(f"history before {format_ms(result.before)}: {verb} {parts}\n")
    return 0


#: The ``format`` member of an exported timeline; bumped on any incompatible change.
EXPORT_FORMAT = "driftguard.history/1"


def _redacted(value: Any, secrets: list[str]) -> Any:
    """``value`` with every string redacted (keys included), recursively."""
    if isinstance(value, str):
        return _n.redact(value, secrets) if secrets else value
    if isinstance(value, list):
        return [_redacted(v, secrets) for v in value]
    if isinstance(value, dict):
        return {_redacted(k, secrets): _redacted(v, secrets) for k, v in value.items()}
    return value


def export_document(
    store: Store,
    surface: str,
    *,
    source: str | None,
    approved: tuple[str, str] | None,
    secrets: list[str],
    limit: int | None = None,
) -> str:
    """The timeline of ``surface`` as an ``driftguard.history/1`` JSON document (text).

    Deterministic: the same store rows give the same bytes (sorted keys, rows in id order,
    no export time). Every string is redacted with ``secrets``, then the whole text again.
    """
    observations = [
        {
            "id": o.id,
            "time": format_ms(o.at),
            "ok": o.ok,
            "outcome": o.outcome,
            "digest": o.digest,
            "approved_digest": o.approved,
            "error_code": None if o.ok else o.code,
            "error_message": None if o.ok else o.message,
            "duration_ms": o.duration_ms,
        }
        for o in sorted(store.observations(surface, limit=limit), key=lambda o: o.id)
    ]
    changes = [
        {
            "id": c.id,
            "time": format_ms(c.at),
            "observation": c.observation_id,
            "old_digest": c.old_digest,
            "new_digest": c.new_digest,
            "max_severity": c.max_severity,
            "fails": c.fails,
            "summary": c.summary,
            "report": json.loads(c.report),
        }
        for c in sorted(store.changes(surface), key=lambda c: c.id)
    ]
    alerts = [_alert_json(store, a) for a in sorted(store.alerts(surface), key=lambda a: a.id)]
    doc = {
        "format": EXPORT_FORMAT,
        "surface": surface,
        "source": source,
        "approved": None
        if approved is None
        else {
            "digest": approved[0],
            "approved_at": approved[1],
        },
        "observations": observations,
        "changes": changes,
        "alerts": alerts,
    }
    pruned = store.pruned_before(surface)
    if pruned is not None:
        # Only present once retention pruned the surface: older rows are not in the file.
        doc["pruned_before"] = format_ms(pruned)
    text = json.dumps(_redacted(doc, secrets), indent=2, sort_keys=True, ensure_ascii=False)
    return (_n.redact(text, secrets) if secrets else text) + "\n"


def _export(ctx: _Context, path: str, limit: int | None) -> int:
    text = export_document(
        ctx.store,
        ctx.surface,
        source=ctx.source,
        approved=ctx.approved,
        secrets=ctx.secrets,
        limit=limit,
    )
    doc = json.loads(text)
    tmp = f"{path}.partial-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(text.encode("utf-8"))
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _Fail(f"error: cannot write {path}: {e.strerror} (os error {e.errno})") from None
    failed = sum(not o["ok"] for o in doc["observations"])
    sys.stderr.write(
        _n.redact(
            f"{ctx.surface}: wrote {len(doc['observations'])} observations ({failed} failed),"
            f" {len(doc['changes'])} changes, {len(doc['alerts'])} alerts to {path}\n",
            ctx.secrets,
        )
    )
    return 0


def run_history(args: list[str]) -> int:
    """``driftguard history SURFACE [--config FILE] [--store URL] [--limit N] [--format F]
    [--export FILE]``."""
    return _run(args, ("--limit", "--export", "--prune", "--retention"), _history)


# ---------------------------------------------------------------------------------------
# show
# ---------------------------------------------------------------------------------------


def _show(ctx: _Context, opts: dict[str, Any]) -> int:
    at_text = opts.get("at")
    try:
        at = parse_time(at_text) if at_text else time.time_ns() // 1_000_000
    except ValueError as e:
        raise _Fail(f"error: --at: {e}") from None
    pruned = ctx.store.pruned_before(ctx.surface)
    if pruned is not None and at < pruned:
        raise _Fail(
            f"error: history of {json.dumps(ctx.surface)} before {format_ms(pruned)} was pruned"
            " (retention)"
        )
    obs = ctx.store.observation_at(ctx.surface, at)
    if obs is None or obs.digest is None:
        raise _Fail(
            f"error: no successful observation of {json.dumps(ctx.surface)} at or before"
            f" {format_ms(at)}"
        )
    row = ctx.store.snapshot(obs.digest)
    if row is None:
        raise _Fail(f"error[E_STORE]: the store has no snapshot {obs.digest}")
    snapshot = _n.load_bytes(row.body.encode("utf-8"), "snapshot")
    if opts["format"] == "json":
        doc = {
            "surface": ctx.surface,
            "at": format_ms(at),
            "observation": _obs_json(obs),
            "digest": obs.digest,
            "first_stored": format_ms(row.first_seen),
            "snapshot": json.loads(snapshot.to_json()),
        }
        ctx.out(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return 0
    sys.stderr.write(
        _n.redact(
            f"{ctx.surface} at {format_ms(at)}: {obs.digest}, observed {format_ms(obs.at)}"
            f" (observation #{obs.id})\n",
            ctx.secrets,
        )
    )
    ctx.out(snapshot.to_json(pretty=True))
    return 0


def run_show(args: list[str]) -> int:
    """``driftguard show SURFACE [--at TIME] [--config FILE] [--store URL] [--format F]``."""
    return _run(args, ("--at",), _show)


# ---------------------------------------------------------------------------------------
# exposure
# ---------------------------------------------------------------------------------------


def _exposure(ctx: _Context, opts: dict[str, Any]) -> int:
    approved = ctx.approved[0] if ctx.approved else None
    e = exposure(ctx.store, ctx.surface, approved)
    if opts["format"] == "json":
        doc = {
            "surface": ctx.surface,
            "approved": approved,
            "approved_at": ctx.approved[1] if ctx.approved else None,
            "current": e.current,
            "exposed": e.exposed,
            "first_seen": format_ms(e.first_seen),
            "drift_since": format_ms(e.drift_since),
            "last_approved_seen": format_ms(e.last_approved_seen),
        }
        ctx.out(json.dumps(doc, indent=2) + "\n")
        return 1 if e.exposed else 0
    if e.current is None:
        ctx.out(f"{ctx.surface}: no successful observation yet\n")
        return 0
    if approved is None:
        ctx.out(
            f"{ctx.surface}: nothing approved (run driftguard approve); current shape {e.current}\n"
        )
        return 0
    if not e.exposed:
        ctx.out(
            f"{ctx.surface}: not exposed — the current shape is the approved one ({approved},"
            f" last seen {format_ms(e.last_approved_seen)})\n"
        )
        return 0
    lines = [
        f"{ctx.surface}: EXPOSED since {format_ms(e.first_seen)} to an unapproved shape",
        f"  current shape:  {e.current}, first seen {format_ms(e.first_seen)}",
    ]
    if e.drift_since is not None and e.drift_since != e.first_seen:
        lines.append(f"  drifting since: {format_ms(e.drift_since)} (an earlier unapproved shape)")
    last = format_ms(e.last_approved_seen) if e.last_approved_seen is not None else "never observed"
    lines.append(f"  approved shape: {approved}, last seen {last}")
    if ctx.approved:
        lines.append(f"  approved at:    {ctx.approved[1]}")
    if e.last_approved_seen is not None and e.first_seen is not None:
        lines.append(
            f"  the change happened between {format_ms(e.last_approved_seen)} and"
            f" {format_ms(e.drift_since or e.first_seen)}"
        )
    ctx.out("\n".join(lines) + "\n")
    return 1


def run_exposure(args: list[str]) -> int:
    """``driftguard exposure SURFACE [--config FILE] [--store URL] [--format F]``."""
    return _run(args, (), _exposure)
