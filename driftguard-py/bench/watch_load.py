#!/usr/bin/env python3
"""Load benchmark of `driftguard watch`: many HTTP surfaces, one watcher, SQLite store.

What it does, with real parts only:

1. Serves ``--surfaces`` small OpenAPI documents from one real HTTP server on 127.0.0.1
   (``GET /s/<i>/openapi.json``; ThreadingHTTPServer in this process, counting requests
   per path: the tests' server, ``tests/surfaces_http.py``) and runs a real webhook
   receiver (another HTTP server in this process).
2. Writes ``driftguard.toml`` (every surface at ``--interval``, default 60 s; the default
   ``[watch]`` settings: concurrency 8, jitter 0.1; a webhook sink) and runs
   ``driftguard approve`` (the lock).
3. Starts ``driftguard watch`` (the console script of this venv, its own process, a SQLite
   store beside the configuration) and waits until every surface was polled once (the
   first round: every document parsed and normalized once).
4. **Idle**: for ``--idle-intervals`` intervals (and until that many full rounds of polls
   were served, at most 1.5x as long) nothing changes. Every second it samples the
   watcher's CPU time (``/proc/PID/stat`` utime+stime) and RSS (``/proc/PID/status``);
   reports CPU seconds / wall seconds, RSS mean/max and peak (VmHWM), polls served.
5. **Change**: publishes a breaking change of ``--changes`` surfaces at once and waits for
   each alert at the webhook receiver; reports, per surface, change → alert (includes the
   wait for the next poll: up to interval + jitter) and poll → alert (the server handing out
   the changed document → the alert arriving: capture, normalize, diff, judge, commit,
   lease the alert, deliver).
6. SIGTERM, and checks: exit code 0, one alert per changed surface, ``PRAGMA
   integrity_check``. Prints a summary and writes it as JSON (``--json FILE``).

``--postgres`` uses a PostgreSQL store instead (a throwaway cluster from Debian's
``postgresql``, as the tests start it; its CPU is reported too) and ``--watchers N`` runs N
watcher processes sharing it (scale-out; figures summed and per watcher).

A benchmark, not a test: CI runs only ``--smoke`` (20 surfaces, a 2 s interval through
``DRIFTGUARD_WATCH_INTERVAL``, which the configuration itself would refuse below 10 s).
Run it on an otherwise idle machine; the load average is reported next to the figures.

    driftguard-py/.venv/bin/python driftguard-py/bench/watch_load.py            # 1,000 x 60 s
    driftguard-py/.venv/bin/python driftguard-py/bench/watch_load.py --smoke    # ~10 s
    driftguard-py/.venv/bin/python driftguard-py/bench/watch_load.py --postgres --watchers 2
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from itertools import pairwise
from pathlib import Path
from typing import Any

CONSOLE_SCRIPT = Path(sys.executable).with_name("driftguard")
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The surfaces' HTTP server and the throwaway PostgreSQL cluster are the tests' own.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from surfaces_http import serve, serving  # type: ignore[import-not-found]  # noqa: E402

# ---------------------------------------------------------------------------------------
# The watched surfaces and the webhook receiver
# ---------------------------------------------------------------------------------------


@dataclass
class Inbox:
    """Webhook POSTs: (monotonic arrival, parsed body)."""

    got: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)


def inbox_handler(box: Inbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            now = time.monotonic()
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            with box.cond:
                box.got.append((now, json.loads(body)))
                box.cond.notify_all()

    return Handler


# ---------------------------------------------------------------------------------------
# Process figures from /proc
# ---------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` (and of its waited-for children), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command: state(0) ppid … utime(11) stime(12) cutime(13) cstime(14).
    return sum(int(fields[k]) for k in (11, 12, 13, 14)) / CLK_TCK


def status_kib(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def self_cpu() -> float:
    t = os.times()
    return t.user + t.system


# ---------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------


def write_config(work: Path, base: str, hook: str, n: int, interval: str, store: str) -> None:
    lines = [
        "[defaults]",
        f'interval = "{interval}"',
        'timeout = "10s"',
        "",
        "[watch]",
        f'store = "{store}"',
        "",
        "[[alerts.webhook]]",
        'name = "bench-hook"',
        f'url = "{hook}/driftguard"',
        'secret = "${BENCH_HOOK_SECRET}"',
        'on = "dangerous"',
        "",
    ]
    for i in range(n):
        lines += ["[[surface]]", f'name = "s{i:04d}"', f'url = "{base}/s/{i}/openapi.json"', ""]
    (work / "driftguard.toml").write_text("\n".join(lines))


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def postmaster_cpu(datadir: str) -> float:
    """CPU seconds of a PostgreSQL cluster: its postmaster (with the children it reaped)
    and every live child (backends, background workers)."""
    pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    total = 0.0
    master = None
    for pid in pids:
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            if argv and argv[0].endswith(b"postgres") and datadir.encode() in argv:
                master = pid
    if master is None:
        return 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if pid == master or int(fields[1]) == master:
                total += sum(int(fields[k]) for k in (11, 12, 13, 14)) / CLK_TCK
    return total


@contextlib.contextmanager
def store_for(args: argparse.Namespace, env: dict[str, str]) -> Iterator[tuple[str, str | None]]:
    """(the [watch] store value, the cluster's data directory or None) for SQLite or a
    throwaway PostgreSQL cluster (driftguard-py/tests/pg.py; its password via ${VAR})."""
    if not args.postgres:
        yield "driftguard.db", None
        return
    from pg import running_server  # type: ignore[import-not-found]

    with running_server() as pg:
        db = pg.create_database("bench")
        env["BENCH_PG_PASSWORD"] = pg.password
        yield (
            f"postgresql://driftguard:${{BENCH_PG_PASSWORD}}@127.0.0.1:{pg.port}/{db}",
            str(pg.datadir),
        )


def run(args: argparse.Namespace) -> dict[str, Any]:
    n = args.surfaces
    interval_s = args.interval
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTGUARD_")}
    env["BENCH_HOOK_SECRET"] = "bench-secret"
    config_interval = f"{interval_s:g}s" if interval_s >= 10 else "10s"
    if interval_s < 10:
        # Below the configuration's 10 s minimum: the test/demo override.
        env["DRIFTGUARD_WATCH_INTERVAL"] = f"{round(interval_s * 1000)}ms"
    result: dict[str, Any] = {
        "surfaces": n,
        "interval_s": interval_s,
        "idle_intervals": args.idle_intervals,
        "watchers": args.watchers,
        "store": "postgresql" if args.postgres else "sqlite",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "kernel": platform.release(),
            "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        },
    }
    box = Inbox()
    with (
        tempfile.TemporaryDirectory(prefix="driftguard-watch-load-") as tmp,
        serve(n) as (base, surfaces),
        serving(inbox_handler(box)) as hook,
        store_for(args, env) as (store, pg_datadir),
    ):
        work = Path(args.workdir) if args.workdir else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        write_config(work, base, hook, n, config_interval, store)

        t0 = time.monotonic()
        p = subprocess.run(
            [str(CONSOLE_SCRIPT), "approve"], cwd=work, env=env, capture_output=True, text=True
        )
        if p.returncode != 0:
            raise SystemExit(f"approve failed ({p.returncode}): {p.stderr[-2000:]}")
        result["approve_s"] = round(time.monotonic() - t0, 2)
        log(f"approved {n} surfaces in {result['approve_s']} s")

        server_cpu0 = self_cpu()
        started = time.monotonic()
        procs: list[subprocess.Popen[bytes]] = []
        for w in range(args.watchers):
            with open(work / f"watch-{w}.out", "wb") as out:
                procs.append(
                    subprocess.Popen(
                        [str(CONSOLE_SCRIPT), "watch"], cwd=work, env=env, stdout=out, stderr=out
                    )
                )

        def alive() -> bool:
            return all(p.poll() is None for p in procs)

        def tail() -> str:
            return "\n".join(
                (work / f"watch-{w}.out").read_text()[-1500:] for w in range(len(procs))
            )

        names: dict[str, int] = {}
        try:
            # First round: every surface polled once (each document parsed and normalized).
            deadline = started + interval_s * 2 + 60
            while not surfaces.all_polled_since(started):
                if not alive() or time.monotonic() > deadline:
                    raise SystemExit(f"first round incomplete:\n{tail()}")
                time.sleep(0.05)
            first_round = time.monotonic()
            result["first_round_s"] = round(first_round - started, 2)
            log(f"first round of {n} polls took {result['first_round_s']} s")

            # Idle: nothing changes for idle_intervals intervals.
            idle_s = interval_s * args.idle_intervals
            cpu_a = [cpu_seconds(p.pid) for p in procs]
            wall_a, srv_a = time.monotonic(), self_cpu()
            pg_a = postmaster_cpu(pg_datadir) if pg_datadir else 0.0
            rss: list[list[int]] = [[] for _ in procs]
            # At least idle_intervals intervals, and until the polls in the window make
            # idle_intervals full rounds (the rounds are interval + jitter apart, bunched
            # as the first one was), at most 1.5 x as long.
            want = round(n * args.idle_intervals)
            while time.monotonic() - wall_a < idle_s or (
                surfaces.polled(wall_a) < want and time.monotonic() - wall_a < 1.5 * idle_s
            ):
                for k, p in enumerate(procs):
                    rss[k].append(status_kib(p.pid, "VmRSS"))
                time.sleep(min(1.0, max(0.05, idle_s / 20)))
            cpu_b = [cpu_seconds(p.pid) for p in procs]
            wall_b, srv_b = time.monotonic(), self_cpu()
            pg_b = postmaster_cpu(pg_datadir) if pg_datadir else 0.0
            wall = wall_b - wall_a
            polls = surfaces.polled(wall_a, wall_b)
            cpu = sum(cpu_b) - sum(cpu_a)
            idle: dict[str, Any] = {
                "wall_s": round(wall, 1),
                "cpu_s": round(cpu, 2),
                "cpu_percent_of_one_core": round(100 * cpu / wall, 2),
                "polls": polls,
                # n x window / (interval x 1.05, the mean jitter); +- n with the phase.
                "polls_nominal": round(n * wall / (interval_s * 1.05)),
                "cpu_ms_per_poll": round(1000 * cpu / polls, 2) if polls else None,
                "rss_mean_mib": round(sum(map(sum, rss)) / sum(map(len, rss)) / 1024, 1),
                "rss_max_mib": round(max(map(max, rss)) / 1024, 1),
                "server_cpu_s": round(srv_b - srv_a, 2),
            }
            if len(procs) > 1:
                idle["per_watcher_cpu_percent"] = [
                    round(100 * (b - a) / wall, 2) for a, b in zip(cpu_a, cpu_b, strict=True)
                ]
                idle["per_watcher_rss_max_mib"] = [round(max(r) / 1024, 1) for r in rss]
            if pg_datadir:
                idle["postgres_cpu_s"] = round(pg_b - pg_a, 2)
                idle["postgres_cpu_percent_of_one_core"] = round(100 * (pg_b - pg_a) / wall, 2)
            result["idle"] = idle
            log(f"idle: {idle}")

            # Change k surfaces at once; wait for their alerts.
            k = min(args.changes, n)
            changed = [round(j * (n - 1) / max(1, k - 1)) if k > 1 else n // 2 for j in range(k)]
            names = {f"s{i:04d}": i for i in changed}
            before = len(box.got)
            t_change = time.monotonic()
            for i in changed:
                surfaces.publish(i, 2)
            arrived: dict[str, float] = {}
            deadline = t_change + interval_s * 1.2 + 60
            with box.cond:
                while len(arrived) < k:
                    for at, body in box.got[before:]:
                        name = body["receipt"]["surface"]
                        if name in names and name not in arrived:
                            arrived[name] = at
                    if len(arrived) >= k:
                        break
                    left = deadline - time.monotonic()
                    if left <= 0 or not alive():
                        raise SystemExit(
                            f"alerts missing: got {sorted(arrived)} of {sorted(names)}\\n{tail()}"
                        )
                    box.cond.wait(min(left, 1.0))
            latencies = []
            for name, i in sorted(names.items()):
                polled = surfaces.first_after(i, t_change)
                assert polled is not None
                latencies.append(
                    {
                        "surface": name,
                        "change_to_alert_s": round(arrived[name] - t_change, 3),
                        "poll_to_alert_s": round(arrived[name] - polled, 3),
                    }
                )
            result["alerts"] = latencies
            bodies = [b for _at, b in box.got[before:]]
            result["alert_rules"] = sorted(
                {
                    (c["rule"], c["severity"])
                    for b in bodies
                    for c in b["receipt"]["report"]["changes"]
                }
            )
            log(f"alerts: {latencies}")
            time.sleep(args.settle)
            result["rss_peak_mib"] = max(round(status_kib(p.pid, "VmHWM") / 1024, 1) for p in procs)
        finally:
            stop = time.monotonic()
            for p in procs:
                p.send_signal(signal.SIGTERM)
            codes = []
            for p in procs:
                try:
                    codes.append(p.wait(120))
                except subprocess.TimeoutExpired:
                    p.kill()
                    codes.append(p.wait())
            result["sigterm_exit"] = max(codes, key=abs) if codes else 0
            result["sigterm_stop_s"] = round(time.monotonic() - stop, 2)
            result["server_cpu_total_s"] = round(self_cpu() - server_cpu0, 2)
        per_surface: dict[str, int] = {}
        for _at, b in box.got:
            s = b["receipt"]["surface"]
            per_surface[s] = per_surface.get(s, 0) + 1
        result["alerts_per_changed_surface"] = sorted(set(per_surface.values()))
        result["unexpected_alerts"] = sorted(set(per_surface) - set(names))
        polls_total = surfaces.polled(started)
        # Per surface, the gaps between consecutive polls of the unchanged document: never
        # under the interval (no double poll, also across watchers), never two intervals.
        unchanged = (
            [t for t in surfaces.times(i) if t >= started]
            for i in range(n)
            if i not in names.values()
        )
        gaps = [b - a for ts in unchanged for a, b in pairwise(ts)]
        if gaps:
            result["poll_gap_s"] = {"min": round(min(gaps), 2), "max": round(max(gaps), 2)}
        if pg_datadir:
            import psycopg

            url = store.replace("${BENCH_PG_PASSWORD}", env["BENCH_PG_PASSWORD"])
            with psycopg.connect(url) as conn:
                result["integrity_check"] = "ok"  # PostgreSQL: no file-level check
                result["observations"] = conn.execute(
                    "SELECT count(*) FROM observations"
                ).fetchone()[0]  # type: ignore[index]
                result["outcomes"] = dict(
                    conn.execute(
                        "SELECT outcome, count(*) FROM observations GROUP BY outcome"
                    ).fetchall()
                )
                result["observations_per_watcher"] = sorted(
                    r[0]
                    for r in conn.execute(
                        "SELECT count(*) FROM observations GROUP BY owner"
                    ).fetchall()
                )
        else:
            db = sqlite3.connect(work / "driftguard.db")
            try:
                result["integrity_check"] = db.execute("PRAGMA integrity_check").fetchone()[0]
                result["observations"] = db.execute("SELECT count(*) FROM observations").fetchone()[
                    0
                ]
                result["outcomes"] = dict(
                    db.execute(
                        "SELECT outcome, count(*) FROM observations GROUP BY outcome"
                    ).fetchall()
                )
                result["db_mib"] = round(
                    sum(p.stat().st_size for p in work.glob("driftguard.db*")) / 2**20, 2
                )
            finally:
                db.close()
        # Every request the server answered was committed as one observation (the run
        # stopped with SIGTERM: in-flight polls finish and are recorded).
        result["requests_served"] = polls_total
        result["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--surfaces", type=int, default=1000)
    ap.add_argument("--interval", type=float, default=60.0, help="seconds (default 60)")
    ap.add_argument("--idle-intervals", type=float, default=2.0)
    ap.add_argument("--changes", type=int, default=3, help="surfaces changed at once")
    ap.add_argument("--settle", type=float, default=0.0, help="seconds to run after the alerts")
    ap.add_argument("--workdir", help="keep the configuration, lock and store here")
    ap.add_argument(
        "--postgres",
        action="store_true",
        help="a PostgreSQL store (a throwaway cluster, tests/pg.py) instead of SQLite",
    )
    ap.add_argument("--watchers", type=int, default=1, help="watcher processes (>1: --postgres)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument(
        "--smoke", action="store_true", help="20 surfaces, 2 s interval, 2 idle intervals"
    )
    args = ap.parse_args(argv)
    if args.smoke:
        args.surfaces, args.interval, args.idle_intervals, args.changes = 20, 2.0, 2.0, 2
    if args.watchers > 1 and not args.postgres:
        ap.error("several watchers share a PostgreSQL store: add --postgres")
    if not CONSOLE_SCRIPT.exists():
        raise SystemExit(f"{CONSOLE_SCRIPT} is missing: install driftguard into this venv")
    result = run(args)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    ok = (
        result["sigterm_exit"] == 0
        and result["integrity_check"] == "ok"
        and result["alerts_per_changed_surface"] == [1]
        and not result["unexpected_alerts"]
        and result["observations"] == result["requests_served"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
