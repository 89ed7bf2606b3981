"""``driftguard watch``: poll every surface of ``driftguard.toml``, remember what was seen,
alert on drift from ``driftguard.lock``.

The loop (one process; any number of processes may share a store):

1. lease the surfaces that are due from the store (the store owns the schedule);
2. capture each on a worker thread (at most ``[watch] concurrency`` at once, each within
   its ``timeout``), with conditional requests for document URLs (a ``304`` is an ok
   observation of the previous digest) and the digest short-circuit (raw bytes identical
   to the last capture's are not normalized again);
3. record the poll in one transaction: the observation, the snapshot (once per digest),
   and — when the digest differs from the approved one and no report exists yet for that
   pair — the change report judged by the core under the surface's policy and one alert
   per triggered sink, rendered by the core with its receipt; then schedule the next poll
   with the core's ``poll_delay`` (interval, doubled per consecutive failure up to
   ``max_backoff``, plus jitter);
4. deliver due alerts on other worker threads, recording every attempt; a failure is
   retried with the core's ``backoff``, never dropped;
5. once an hour (across all watchers sharing the store: the store's ``prune`` task lease),
   prune history older than ``[watch] retention`` on a background thread, in bounded
   transactions (``docs/watch.md``, Retention).

A failed capture is an observation (``error`` with its code), not a change. ``SIGTERM``
or ``SIGINT`` stops leasing, lets in-flight polls and deliveries finish (each is bounded
by its timeout) and records them, then exits 0; a second signal abandons them at once
(uncommitted work is simply not recorded; their leases are released). ``--once`` does one
pass over the surfaces due when it starts, then one delivery attempt of every due alert.

Every line printed goes through the core's redaction of the configuration's secrets.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as _dt
import json
import os
import random
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, TextIO

from . import _driftguard as _n
from ._args import ArgReader, parse_command
from ._args import UsageError as _Usage
from ._args import io_message as _io_message
from .errors import DriftGuardError
from .store import (
    AlertRow,
    NewAlert,
    NewChange,
    PollRecord,
    SnapshotRow,
    Store,
    StoreError,
    SurfaceState,
    format_ms,
    open_store,
)

__all__ = ["WATCH_USAGE", "run_watch"]

WATCH_USAGE = """\
usage: driftguard watch [--config FILE] [--once] [--store URL]

Poll every surface of driftguard.toml on its interval, record each observation in the
store, and alert when a surface drifts from driftguard.lock (one alert per sink per new
digest, retried until delivered). Stops cleanly on SIGTERM/SIGINT.

options:
  --config FILE   the configuration (default: driftguard.toml in this directory)
  --once          one pass over the surfaces that are due, deliver due alerts, exit
  --store URL     the store: a SQLite file path (relative to the configuration) or a
                  postgresql:// URL (default: [watch] store, else driftguard.db beside
                  the configuration)

environment:
  DRIFTGUARD_WATCH_INTERVAL  a duration ("500ms", "2s") that replaces every surface's
                             interval and the alert retry base (tests and demos; the
                             configuration's minimum interval is 10s)
  DRIFTGUARD_WATCH_PRUNE_EVERY  a duration replacing the hour between two prunes (tests)

output: one line per committed observation, change, and delivery attempt
exit codes: 0 stopped cleanly (or --once done), 2 configuration or store error
"""

#: The first retry of a failed alert delivery waits this long (doubling up to max_backoff).
ALERT_RETRY_BASE_MS = 10_000
#: Extra time a capture is allowed beyond its timeout (process start and reaping) before
#: the watcher records E_TIMEOUT and abandons it.
CAPTURE_GRACE_S = 15.0
#: Longest sleep between checks of the schedule and the configuration files.
TICK_S = 1.0
#: Pause after a store failure while running (the watcher keeps running).
STORE_RETRY_S = 5.0
#: Time between two prunes of the store's history (any watcher; ``DRIFTGUARD_WATCH_PRUNE_EVERY``).
PRUNE_EVERY_MS = 3_600_000
#: How long a stopping watcher waits for the prune thread to finish its batch.
PRUNE_JOIN_S = 35.0
#: How long one watcher holds the prune lease (renewed by finishing; a dead one's expires).
PRUNE_LEASE_MS = 3_600_000


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _today() -> str:
    return _dt.datetime.now(_dt.timezone.utc).date().isoformat()


def _parse(args: list[str]) -> tuple[str, bool, str | None]:
    config = "driftguard.toml"
    once = False
    store: str | None = None
    reader = ArgReader(args)
    for a in reader:
        if a == "--once":
            once = True
            continue
        opt, eq, val = a.partition("=")
        if opt in ("--config", "--store"):
            val = reader.value(opt, eq, val)
            if opt == "--config":
                config = val
            else:
                store = val
            continue
        raise _Usage(f"unknown argument {json.dumps(a)}")
    return config, once, store


class ConfigFiles:
    """``driftguard.toml``, its policy files and ``driftguard.lock``, read into the core's
    ``WatchConfig``; :meth:`changed` tells when any of them changed on disk."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.base = os.path.dirname(path)
        self.lock_path = os.path.join(self.base, "driftguard.lock")
        self.cfg, self.plan, self.secrets, self.policy_files = self._load()
        self.stamp = self._stamp()

    def _read(self, path: str) -> str:
        with open(path, "rb") as f:
            return f.read().decode("utf-8")

    def _load(self) -> tuple[_n.WatchConfig, dict[str, dict[str, Any]], list[str], list[str]]:
        try:
            text = self._read(self.path)
        except OSError as e:
            raise ConfigProblem(f"cannot read {self.path}: {_io_message(e)}") from None
        except UnicodeDecodeError:
            raise ConfigProblem(f"{self.path} is not UTF-8") from None
        env = dict(os.environ)
        first = _n.WatchConfig(text, None, env)  # E_CONFIG before anything is read
        policy_files: list[str] = list(first.plan()["policy_files"])
        policies: dict[str, str] = {}
        for p in policy_files:
            try:
                policies[p] = self._read(os.path.join(self.base, p))
            except (OSError, UnicodeDecodeError) as e:
                msg = _io_message(e) if isinstance(e, OSError) else "not UTF-8"
                raise ConfigProblem(f"cannot read policy file {p}: {msg}") from None
        lock: str | None
        try:
            lock = self._read(self.lock_path)
        except FileNotFoundError:
            lock = None
        except (OSError, UnicodeDecodeError) as e:
            msg = _io_message(e) if isinstance(e, OSError) else "not UTF-8"
            raise ConfigProblem(f"cannot read driftguard.lock: {msg}") from None
        cfg = _n.WatchConfig(text, lock, env, policies)
        plan = cfg.plan()
        surfaces = {s["name"]: s for s in plan["surfaces"]}
        return cfg, surfaces, list(plan["secrets"]), policy_files

    def _stamp(self) -> tuple[Any, ...]:
        out: list[Any] = []
        for p in [
            self.path,
            self.lock_path,
            *(os.path.join(self.base, f) for f in self.policy_files),
        ]:
            try:
                st = os.stat(p)
                out.append((p, st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                out.append((p, None))
        return tuple(out)

    def changed(self) -> bool:
        """True when a file changed since the last (re)load."""
        return self._stamp() != self.stamp

    def reload(self) -> None:
        """Re-reads every file (the old state stays if that fails)."""
        stamp = self._stamp()
        self.cfg, self.plan, self.secrets, self.policy_files = self._load()
        self.stamp = stamp


class ConfigProblem(Exception):
    """A configuration file could not be read (the message is the whole error line)."""


@dataclass
class PollResult:
    """What a worker thread found (no store access on workers)."""

    name: str
    at: int
    duration_ms: int
    ok: bool
    outcome: str
    digest: str | None = None
    raw_hash: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    snapshot: _n.Snapshot | None = None
    code: str | None = None
    message: str | None = None


_local = threading.local()


def _http_client(timeout: float) -> Any:
    """This worker thread's HTTP client for a timeout (reused across polls: building one
    costs ~20 ms of CPU, and its pool keeps connections alive). Cookies are not kept
    from one poll to the next."""
    import httpx

    from .fetch import MAX_REDIRECTS

    clients: dict[float, httpx.Client] = _local.__dict__.setdefault("clients", {})
    client = clients.get(timeout)
    if client is None:
        client = clients[timeout] = httpx.Client(
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            timeout=httpx.Timeout(timeout),
            trust_env=False,
        )
    client.cookies.clear()
    return client


def _poll(surface: dict[str, Any], base: str, state: SurfaceState | None) -> PollResult:
    """Captures one surface (runs on a worker thread)."""
    from ._poll import capture_raw

    name = surface["name"]
    at = _now_ms()
    t0 = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - t0) * 1000)

    err = surface.get("error")
    if err is not None:
        return PollResult(
            name, at, took(), False, "error", code=err["code"], message=err["message"]
        )
    last_digest = state.last_digest if state else None
    try:
        raw = capture_raw(
            surface,
            base,
            etag=state.etag if state and last_digest else None,
            last_modified=state.last_modified if state and last_digest else None,
            client=_http_client(float(surface["timeout"])) if surface["kind"] == "url" else None,
        )
        if raw.not_modified:
            return PollResult(
                name,
                at,
                took(),
                True,
                "not-modified",
                digest=last_digest,
                etag=raw.etag,
                last_modified=raw.last_modified,
            )
        if state is not None and last_digest and raw.raw_hash == state.last_raw:
            return PollResult(
                name,
                at,
                took(),
                True,
                "same-bytes",
                digest=last_digest,
                raw_hash=raw.raw_hash,
                etag=raw.etag,
                last_modified=raw.last_modified,
            )
        snapshot = raw.load()
        digest = snapshot.digest
        return PollResult(
            name,
            at,
            took(),
            True,
            "unchanged" if digest == last_digest else "changed",
            digest=digest,
            raw_hash=raw.raw_hash,
            etag=raw.etag,
            last_modified=raw.last_modified,
            snapshot=snapshot,
        )
    except DriftGuardError as e:
        return PollResult(name, at, took(), False, "error", code=e.code, message=str(e))
    except Exception as e:
        code = getattr(e, "code", None)
        if isinstance(code, str) and code.startswith("E_"):
            return PollResult(name, at, took(), False, "error", code=code, message=str(e))
        return PollResult(
            name, at, took(), False, "error", code="E_FETCH", message=f"{type(e).__name__}: {e}"
        )


def _owner_alive(owner: str, host: str) -> bool:
    """False only when ``owner`` (``host:pid:nonce``) was a process of this host that is gone."""
    parts = owner.split(":")
    if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
        return True
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _env_duration(name: str, example: str) -> int | None:
    """The duration (ms) in environment variable ``name``, or None when it is unset or empty."""
    value = os.environ.get(name)
    if not value:
        return None
    try:
        return _n.duration_ms(value)
    except DriftGuardError:
        raise ConfigProblem(f'{name} is not a duration such as "{example}": {value!r}') from None


class Watcher:
    """One watcher process (see the module docs)."""

    def __init__(self, files: ConfigFiles, store: Store, *, once: bool, out: TextIO) -> None:
        self.files = files
        self.store = store
        self.once = once
        self.out = out
        self.host = socket.gethostname()
        self.owner = f"{self.host}:{os.getpid()}:{os.urandom(4).hex()}"
        self.stop = threading.Event()
        self.abandon = threading.Event()
        self.interval_override = _env_duration("DRIFTGUARD_WATCH_INTERVAL", "500ms")
        if self.interval_override == 0:
            raise ConfigProblem("DRIFTGUARD_WATCH_INTERVAL must be longer than 0s")
        every = _env_duration("DRIFTGUARD_WATCH_PRUNE_EVERY", "1h")
        self.prune_every_ms = PRUNE_EVERY_MS if every is None else every
        self.pruner: threading.Thread | None = None
        #: Polls the watchdog recorded as E_TIMEOUT whose threads may still be running.
        self.overdue: list[cf.Future[Any]] = []
        self.next_prune_check = 0.0
        self.random = random.Random()
        self._configure()

    # -- configuration -------------------------------------------------------------------

    def _configure(self) -> None:
        cfg = self.files.cfg
        settings = cfg.settings()
        self.concurrency = max(1, int(settings["concurrency"]))
        self.max_backoff_ms = int(settings["max_backoff_ms"])
        self.retention_ms: int | None = settings.get("retention_ms", 90 * 86_400_000)
        self.surfaces = {s["name"]: s for s in cfg.surfaces()}
        timeouts = [s["timeout_ms"] / 1000 for s in self.surfaces.values()]
        self.lease_seconds = max(timeouts, default=0.0) + CAPTURE_GRACE_S + 60
        self.sinks = cfg.sinks()

    def _maybe_reload(self) -> None:
        if not self.files.changed():
            return
        try:
            self.files.reload()
        except (ConfigProblem, DriftGuardError) as e:
            code = getattr(e, "code", None)
            head = f"error[{code}]" if code else "error"
            self.log(f"{head}: {e} (keeping the previous configuration)")
            self.files.stamp = self.files._stamp()
            return
        self._configure()
        self.store.sync_surfaces(list(self.surfaces), _now_ms())
        self.log(f"reloaded {os.path.basename(self.files.path)} and driftguard.lock")

    # -- output --------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        return _n.redact(text, self.files.secrets)

    def log(self, line: str) -> None:
        text = f"{format_ms(_now_ms())} {self.redact(line)}\n"
        with contextlib.suppress(BrokenPipeError, ValueError):
            self.out.write(text)
            self.out.flush()

    # -- the loop ------------------------------------------------------------------------

    def interval_ms(self, name: str) -> int:
        if self.interval_override is not None:
            return self.interval_override
        return int(self.surfaces[name]["interval_ms"])

    def _release_dead_owners(self) -> None:
        for owner in self.store.lease_owners():
            if owner != self.owner and not _owner_alive(owner, self.host):
                n = self.store.release_leases(owner)
                self.log(f"released {n} lease(s) of {owner} (no longer running)")

    def run(self) -> int:
        _import_capture_modules()
        self.store.sync_surfaces(list(self.surfaces), _now_ms())
        self._release_dead_owners()
        self.log(
            f"watching {len(self.surfaces)} surface(s) as {self.owner}, store {self.store.location}"
            + (" (one pass)" if self.once else "")
        )
        polls = cf.ThreadPoolExecutor(self.concurrency, thread_name_prefix="driftguard-poll")
        sends = cf.ThreadPoolExecutor(4, thread_name_prefix="driftguard-alert")
        inflight: dict[cf.Future[Any], tuple[str, Any, float]] = {}
        pass_start = _now_ms()
        polling_done = False
        alerts_started = False
        try:
            while True:
                try:
                    if self.abandon.is_set():
                        break
                    stopping = self.stop.is_set()
                    if not stopping and not self.once:
                        self._maybe_reload()
                        self._maybe_prune()
                    n_polls = sum(1 for k, _x, _d in inflight.values() if k == "poll")
                    # 1. lease due surfaces into free slots
                    if not stopping and not polling_done:
                        free = self.concurrency - n_polls
                        now = pass_start if self.once else _now_ms()
                        names = (
                            self.store.lease_due(self.owner, now, free, self.lease_seconds)
                            if free > 0
                            else []
                        )
                        for name in names:
                            self._submit_poll(polls, inflight, name)
                        if self.once and not names and n_polls == 0 and not inflight:
                            polling_done = True
                    # 2. lease due alerts
                    if not stopping and (not self.once or polling_done):
                        n_sends = sum(1 for k, _x, _d in inflight.values() if k == "alert")
                        if self.once and alerts_started and n_sends == 0:
                            break
                        if not self.once or not alerts_started:
                            alerts_started = True
                            for alert in self.store.lease_alerts(
                                self.owner, _now_ms(), 64 - n_sends, 120
                            ):
                                fut = sends.submit(self._deliver, alert)
                                inflight[fut] = ("alert", alert, time.monotonic() + 3600)
                        if self.once and not inflight:
                            break
                    if stopping and not inflight:
                        break
                    # 3. wait for work to finish or become due
                    timeout = TICK_S
                    if not stopping and n_polls < self.concurrency:
                        nxt = [
                            t
                            for t in (self.store.next_due(), self.store.next_alert_due())
                            if t is not None
                        ]
                        if nxt:
                            timeout = min(TICK_S, max(0.01, (min(nxt) - _now_ms()) / 1000))
                    if self.once and not polling_done:
                        timeout = min(timeout, 0.05) if not inflight else TICK_S
                    if inflight:
                        done, _ = cf.wait(
                            list(inflight), timeout=timeout, return_when=cf.FIRST_COMPLETED
                        )
                    else:
                        done = set()
                        self.stop.wait(timeout)
                    for fut in done:
                        kind, item, _deadline = inflight.pop(fut)
                        if kind == "poll":
                            self._record_poll(item, fut.result())
                        else:
                            self._record_delivery(item, fut.result())
                    self._watchdog(inflight)
                except StoreError as e:
                    # The database is unreachable or busy: what was not committed is not
                    # printed (its lease runs out and it is polled again). Keep running.
                    self.log(f"error[{e.code}]: {e} (retrying in {STORE_RETRY_S:g} s)")
                    if self.once:
                        raise
                    self.stop.wait(STORE_RETRY_S)
        finally:
            if self.pruner is not None:
                # It stops between two bounded batches once self.stop is set; a batch
                # waits at most the store's busy timeout.
                self.stop.set()
                self.pruner.join(0 if self.abandon.is_set() else PRUNE_JOIN_S)
            # Polls the watchdog gave up on (recorded as E_TIMEOUT) may still be running
            # on a worker thread: interpreter exit would join that thread and hang for as
            # long as the capture does, so they count as abandoned too.
            abandoned = [f for f in inflight if not f.done()]
            abandoned += [f for f in self.overdue if not f.done()]
            stuck = bool(abandoned) or (self.pruner is not None and self.pruner.is_alive())
            with contextlib.suppress(StoreError):
                self.store.release_leases(self.owner)
            polls.shutdown(wait=False, cancel_futures=True)
            sends.shutdown(wait=False, cancel_futures=True)
            self.log(
                "stopped"
                + (f" ({len(abandoned)} in-flight task(s) abandoned)" if abandoned else "")
            )
            self.store.close()
            if stuck:
                # Worker threads cannot be killed; do not wait for them at exit.
                with contextlib.suppress(Exception):
                    self.out.flush()
                os._exit(0)
        return 0

    def _maybe_prune(self) -> None:
        """Starts a prune on a background thread when this watcher wins the hourly
        ``prune`` lease (checked at most once a minute, or per prune period if shorter)."""
        if self.retention_ms is None or (self.pruner is not None and self.pruner.is_alive()):
            return
        now_s = time.monotonic()
        if now_s < self.next_prune_check:
            return
        self.next_prune_check = now_s + min(60.0, self.prune_every_ms / 1000)
        now = _now_ms()
        if not self.store.lease_task("prune", self.owner, now, self.prune_every_ms, PRUNE_LEASE_MS):
            return
        before = now - self.retention_ms
        approved = {name: a[0] for name in self.surfaces if (a := self.files.cfg.approved(name))}
        self.pruner = threading.Thread(
            target=self._prune, args=(before, approved), name="driftguard-prune", daemon=True
        )
        self.pruner.start()

    def _prune(self, before: int, approved: dict[str, str]) -> None:
        try:
            result = self.store.prune(before, approved, should_stop=self.stop.is_set)
            self.store.finish_task("prune", self.owner, _now_ms())
        except StoreError as e:
            self.log(f"error[{e.code}]: pruning: {e} (retrying at the next prune)")
            return
        if result.total or self.stop.is_set():
            self.log(
                f"pruned history before {format_ms(before)}: {result.observations} observations,"
                f" {result.snapshots} snapshots, {result.changes} changes, {result.alerts} alerts,"
                f" {result.deliveries} deliveries"
                + (" (interrupted by stop)" if self.stop.is_set() else "")
            )

    def _submit_poll(
        self,
        pool: cf.ThreadPoolExecutor,
        inflight: dict[cf.Future[Any], tuple[str, Any, float]],
        name: str,
    ) -> None:
        surface = self.files.plan.get(name)
        state = self.store.surface(name)
        if surface is None:  # dropped from the configuration since leasing
            return
        deadline = time.monotonic() + float(surface["timeout"]) + CAPTURE_GRACE_S
        fut = pool.submit(_poll, surface, self.files.base, state)
        inflight[fut] = ("poll", (name, state), deadline)

    def _watchdog(self, inflight: dict[cf.Future[Any], tuple[str, Any, float]]) -> None:
        now = time.monotonic()
        self.overdue = [f for f in self.overdue if not f.done()]
        for fut, (kind, item, deadline) in list(inflight.items()):
            if kind == "poll" and now > deadline and not fut.done():
                inflight.pop(fut)
                self.overdue.append(fut)
                name = item[0]
                timeout = float(self.files.plan.get(name, {}).get("timeout", 0))
                self._record_poll(
                    item,
                    PollResult(
                        name,
                        _now_ms() - int((timeout + CAPTURE_GRACE_S) * 1000),
                        int((timeout + CAPTURE_GRACE_S) * 1000),
                        False,
                        "error",
                        code="E_TIMEOUT",
                        message=f"the capture did not finish within {timeout:g} s (abandoned)",
                    ),
                )

    # -- recording -----------------------------------------------------------------------

    def _record_poll(self, item: tuple[str, SurfaceState | None], r: PollResult) -> None:
        name, state = item
        cfg = self.files.cfg
        approved = cfg.approved(name)
        approved_digest = approved[0] if approved else None
        failures = 0 if r.ok else (state.failures if state else 0) + 1
        finished = r.at + r.duration_ms
        interval = self.interval_ms(name) if name in self.surfaces else 300_000
        delay = cfg.poll_delay_ms(interval, failures, self.random.random())
        snapshot_row = None
        if r.snapshot is not None and r.outcome == "changed":
            snapshot_row = SnapshotRow(
                digest=r.snapshot.digest,
                kind=r.snapshot.kind,
                body=self.redact(r.snapshot.with_source(None).to_json()),
                first_seen=r.at,
            )
        change: NewChange | None = None
        alerts: list[NewAlert] = []
        drift_note = ""
        if r.ok and r.digest and approved and r.digest != approved_digest and name in self.surfaces:
            assert approved_digest is not None
            if self.store.find_change(name, approved_digest, r.digest) is None:
                try:
                    change, alerts, drift_note = self._judge(name, r, approved)
                except DriftGuardError as e:
                    self.log(f"error[{e.code}]: surface {name}: cannot judge the drift: {e}")
        record = PollRecord(
            surface=name,
            owner=self.owner,
            at=r.at,
            duration_ms=r.duration_ms,
            ok=r.ok,
            outcome=r.outcome,
            digest=r.digest,
            approved=approved_digest,
            code=r.code,
            message=self.redact(r.message) if r.message is not None else None,
            raw_hash=r.raw_hash,
            etag=r.etag,
            last_modified=r.last_modified,
            snapshot=snapshot_row,
            change=change,
            alerts=alerts,
            next_due=finished + delay,
            failures=failures,
        )
        rec = self.store.record_poll(record)
        if r.ok:
            mark = (
                ""
                if approved_digest is None
                else (" approved" if r.digest == approved_digest else " DRIFT")
            )
            self.log(f"observation {rec.observation_id} {name} ok {r.outcome} {r.digest}{mark}")
        else:
            first = (r.message or "").splitlines()[0] if r.message else ""
            self.log(f"observation {rec.observation_id} {name} error {r.code} {first}")
        if rec.new_change and change is not None:
            self.log(
                f"change {rec.change_id} {name} {change.old_digest} -> {change.new_digest}: "
                f"{change.summary}; {len(rec.alert_ids)} alert(s) queued{drift_note}"
            )

    def _judge(
        self, name: str, r: PollResult, approved: tuple[str, str]
    ) -> tuple[NewChange | None, list[NewAlert], str]:
        cfg = self.files.cfg
        assert r.digest is not None
        snapshot = r.snapshot
        if snapshot is None:
            row = self.store.snapshot(r.digest)
            if row is None:
                return None, [], ""
            snapshot = _n.load_bytes(row.body.encode("utf-8"), "snapshot")
        from .package.surfaces import approved_from_lock_file

        texts = approved_from_lock_file(
            self.files.plan.get(name), self.files.lock_path, snapshot, self.files.base
        )
        verdict = cfg.judge(name, snapshot, _today(), texts)
        if verdict["status"] != "changed":
            err = verdict.get("error")
            if err:
                self.log(f"error[{err['code']}]: surface {name}: {err['message']}")
            return None, [], ""
        report = verdict["report"]
        approved_digest, approved_at = approved
        last_approved = self.store.last_seen(name, approved_digest)
        first_seen = self.store.first_seen(name, r.digest, after=last_approved)
        first = r.at if first_seen is None else min(first_seen, r.at)
        try:
            rendered = cfg.alerts(
                name, report, format_ms(first) or "", format_ms(last_approved), approved_at
            )
        except DriftGuardError as e:
            self.log(f"error[{e.code}]: surface {name}: cannot render alerts: {e}")
            rendered = []
        alerts = [
            NewAlert(
                sink=a["sink"],
                kind=a["kind"],
                payload=self.redact(json.dumps(a["payload"], sort_keys=True, ensure_ascii=False)),
            )
            for a in rendered
        ]
        summary = report.summary
        change = NewChange(
            old_digest=approved_digest,
            new_digest=r.digest,
            max_severity=report.max_severity,
            fails=bool(verdict["fails"]),
            summary=(
                f"{summary['breaking']} breaking, {summary['dangerous']} dangerous,"
                f" {summary['safe']} safe"
            ),
            report=self.redact(report.render("json")),
        )
        return change, alerts, ""

    # -- alerts --------------------------------------------------------------------------

    def _deliver(self, alert: AlertRow) -> Any:
        from .alerts import DELIVERY_TIMEOUT, deliver, load_payload

        at = _now_ms()
        try:
            payload = load_payload(alert.payload)
        except ValueError as e:
            from .alerts import Delivery

            return at, Delivery(False, f"unreadable payload: {e}")
        return at, deliver(
            alert.kind, payload, self.sinks.get(alert.sink), timeout=DELIVERY_TIMEOUT
        )

    def _record_delivery(self, alert: AlertRow, result: Any) -> None:
        at, d = result
        detail = self.redact(d.detail)
        base = self.interval_override if self.interval_override is not None else ALERT_RETRY_BASE_MS
        retry = at + _n.backoff_ms(base, alert.attempts, max(self.max_backoff_ms, base))
        self.store.record_delivery(alert.id, at, d.ok, detail, retry)
        if d.ok:
            self.log(f"alert {alert.id} {alert.sink} {alert.surface} delivered ({detail})")
        else:
            self.log(
                f"alert {alert.id} {alert.sink} {alert.surface} failed"
                f" (attempt {alert.attempts + 1}): {detail}; retry at {format_ms(retry)}"
            )


def _store_location(files: ConfigFiles, cli_store: str | None) -> str:
    if cli_store:
        return cli_store
    configured = files.cfg.settings()["store"]
    return configured or "driftguard.db"


def open_configured_store(files: ConfigFiles, cli_store: str | None) -> Store:
    """The store named by ``--store``, else ``[watch] store``, else ``driftguard.db``
    beside the configuration."""
    return open_store(_store_location(files, cli_store), base_dir=files.base or ".")


def _import_capture_modules() -> None:
    """Imports the MCP SDK and the HTTP client on the main thread before the poll pool
    starts: two workers importing ``mcp.client.stdio`` at once can see it partially
    initialized (an ImportError for the second one), which would look like a failed
    poll."""
    import importlib

    for name in (
        "httpx",
        "anyio",
        "mcp",
        "mcp.types",
        "mcp.client.stdio",
        "mcp.client.streamable_http",
        "mcp.shared.exceptions",
        "mcp.shared.message",
        "driftguard._capture",
        "driftguard._poll",
    ):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def run_watch(args: list[str]) -> int:
    """``driftguard watch [--config FILE] [--once] [--store URL]``."""
    parsed = parse_command(lambda: _parse(args), WATCH_USAGE)
    if isinstance(parsed, int):
        return parsed
    path, once, cli_store = parsed
    secrets: list[str] = []
    try:
        files = ConfigFiles(path)
        secrets = files.secrets
        store = open_configured_store(files, cli_store)
        try:
            watcher = Watcher(files, store, once=once, out=sys.stdout)
        except BaseException:
            store.close()
            raise
    except ConfigProblem as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    except DriftGuardError as e:
        sys.stderr.write(_n.redact(f"error[{e.code}]: {e}\n", secrets))
        return 2

    def on_signal(signum: int, _frame: Any) -> None:
        if watcher.stop.is_set():
            watcher.abandon.set()
        watcher.stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        return watcher.run()
    except StoreError as e:
        sys.stderr.write(_n.redact(f"error[{e.code}]: {e}\n", secrets))
        return 2
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
