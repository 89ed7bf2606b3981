#!/usr/bin/env python3
"""Load benchmark of `driftguard watch`: many HTTP surfaces, one watcher, SQLite store.

What it does, with real parts only:

1. Serves ``--surfaces`` small OpenAPI documents from one real HTTP server on 127.0.0.1
   (``GET /s/<i>/openapi.json``; ThreadingHTTPServer in this process, counting requests
   per path) and runs a real webhook receiver (another HTTP server in this process).
2. Writes ``driftguard.toml`` (every surface at ``--interval``, default 60 s; the default
   ``[watch]`` settings: concurrency 8, jitter 0.1; a webhook sink) and runs
   ``driftguard approve`` (the lock).
3. Starts ``driftguard watch`` (the console script of this venv, its own process, a SQLite
   store beside the configuration) and waits until every surface was polled once (the
   first round: every document parsed and normalized once).
4. **Idle**: for ``--idle-intervals`` intervals nothing changes. Every second it samples the
   watcher's CPU time (``/proc/PID/stat`` utime+stime) and RSS (``/proc/PID/status``);
   reports CPU seconds / wall seconds, RSS mean/max and peak (VmHWM), polls served.
5. **Change**: publishes a breaking change of ``--changes`` surfaces at once and waits for
   each alert at the webhook receiver; reports, per surface, change → alert (includes the
   wait for the next poll: up to interval + jitter) and poll → alert (the server handing out
   the changed document → the alert arriving: capture, normalize, diff, judge, commit,
   lease the alert, deliver).
6. SIGTERM, and checks: exit code 0, one alert per changed surface, ``PRAGMA
   integrity_check``. Prints a summary and writes it as JSON (``--json FILE``).

A benchmark, not a test: CI runs only ``--smoke`` (20 surfaces, a 2 s interval through
``DRIFTGUARD_WATCH_INTERVAL``, which the configuration itself would refuse below 10 s).
Run it on an otherwise idle machine; the load average is reported next to the figures.

    driftguard-py/.venv/bin/python driftguard-py/bench/watch_load.py            # 1,000 x 60 s
    driftguard-py/.venv/bin/python driftguard-py/bench/watch_load.py --smoke    # ~20 s
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CONSOLE_SCRIPT = Path(sys.executable).with_name("driftguard")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------
# The watched surfaces and the webhook receiver
# ---------------------------------------------------------------------------------------


def document(i: int, version: int = 1) -> dict[str, Any]:
    """Surface ``i``'s OpenAPI document; version 2 makes the ``id`` parameter required and
    removes the ``note`` response property (breaking + dangerous)."""
    param: dict[str, Any] = {"name": "id", "in": "query", "schema": {"type": "integer"}}
    props: dict[str, Any] = {"id": {"type": "integer"}, "note": {"type": "string"}}
    if version >= 2:
        param["required"] = True
        del props["note"]
    ok = {"type": "object", "properties": props}
    return {
        "openapi": "3.0.3",
        "info": {"title": f"Surface {i}", "version": f"{version}.0.0"},
        "paths": {
            f"/items{i}": {
                "get": {
                    "parameters": [param],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": ok}},
                        }
                    },
                }
            }
        },
    }


@dataclass
class Surfaces:
    """Bodies served and request times per surface (monotonic)."""

    count: int
    bodies: dict[int, bytes] = field(default_factory=dict)
    hits: dict[int, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for i in range(self.count):
            self.bodies[i] = json.dumps(document(i)).encode()
            self.hits[i] = []

    def publish(self, i: int, version: int) -> None:
        with self.lock:
            self.bodies[i] = json.dumps(document(i, version)).encode()

    def polled(self, since: float, until: float = float("inf")) -> int:
        with self.lock:
            return sum(1 for ts in self.hits.values() for t in ts if since <= t < until)

    def first_after(self, i: int, since: float) -> float | None:
        with self.lock:
            return next((t for t in self.hits[i] if t >= since), None)

    def all_polled_since(self, since: float) -> bool:
        with self.lock:
            return all(any(t >= since for t in ts) for ts in self.hits.values())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def surfaces_handler(s: Surfaces) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            now = time.monotonic()
            parts = self.path.split("/")
            body = None
            if len(parts) == 4 and parts[1] == "s" and parts[2].isdigit():
                i = int(parts[2])
                with s.lock:
                    if i < s.count:
                        s.hits[i].append(now)
                        body = s.bodies[i]
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    return Handler


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


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


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


def write_config(work: Path, base: str, hook: str, n: int, interval: str) -> None:
    lines = [
        "[defaults]",
        f'interval = "{interval}"',
        'timeout = "10s"',
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
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "kernel": platform.release(),
            "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        },
    }
    surfaces = Surfaces(n)
    box = Inbox()
    with (
        tempfile.TemporaryDirectory(prefix="driftguard-watch-load-") as tmp,
        serving(surfaces_handler(surfaces)) as base,
        serving(inbox_handler(box)) as hook,
    ):
        work = Path(args.workdir) if args.workdir else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        write_config(work, base, hook, n, config_interval)

        t0 = time.monotonic()
        p = subprocess.run(
            [str(CONSOLE_SCRIPT), "approve"], cwd=work, env=env, capture_output=True, text=True
        )
        if p.returncode != 0:
            raise SystemExit(f"approve failed ({p.returncode}): {p.stderr[-2000:]}")
        result["approve_s"] = round(time.monotonic() - t0, 2)
        log(f"approved {n} surfaces in {result['approve_s']} s")

        out_path = work / "watch.out"
        server_cpu0 = self_cpu()
        started = time.monotonic()
        with open(out_path, "wb") as out:
            proc = subprocess.Popen(
                [str(CONSOLE_SCRIPT), "watch"], cwd=work, env=env, stdout=out, stderr=out
            )
        try:
            # First round: every surface polled once (each document parsed and normalized).
            deadline = started + interval_s * 2 + 60
            while not surfaces.all_polled_since(started):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"first round incomplete: {out_path.read_text()[-2000:]}")
                time.sleep(0.05)
            first_round = time.monotonic()
            result["first_round_s"] = round(first_round - started, 2)
            result["rss_after_first_round_mib"] = round(status_kib(proc.pid, "VmRSS") / 1024, 1)
            log(f"first round of {n} polls took {result['first_round_s']} s")

            # Idle: nothing changes for idle_intervals intervals.
            idle_s = interval_s * args.idle_intervals
            cpu_a, wall_a, srv_a = cpu_seconds(proc.pid), time.monotonic(), self_cpu()
            rss: list[int] = []
            while time.monotonic() - wall_a < idle_s:
                rss.append(status_kib(proc.pid, "VmRSS"))
                time.sleep(min(1.0, max(0.05, idle_s / 20)))
            cpu_b, wall_b, srv_b = cpu_seconds(proc.pid), time.monotonic(), self_cpu()
            polls = surfaces.polled(wall_a, wall_b)
            idle = {
                "wall_s": round(wall_b - wall_a, 1),
                "cpu_s": round(cpu_b - cpu_a, 2),
                "cpu_percent_of_one_core": round(100 * (cpu_b - cpu_a) / (wall_b - wall_a), 2),
                "polls": polls,
                # n x window / (interval x 1.05, the mean jitter); +- n with the phase.
                "polls_nominal": round(n * (wall_b - wall_a) / (interval_s * 1.05)),
                "cpu_ms_per_poll": round(1000 * (cpu_b - cpu_a) / polls, 2) if polls else None,
                "rss_mean_mib": round(sum(rss) / len(rss) / 1024, 1),
                "rss_max_mib": round(max(rss) / 1024, 1),
                "server_cpu_s": round(srv_b - srv_a, 2),
            }
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
                    if left <= 0 or proc.poll() is not None:
                        raise SystemExit(
                            f"alerts missing: got {sorted(arrived)} of {sorted(names)}"
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
            result["rss_peak_mib"] = round(status_kib(proc.pid, "VmHWM") / 1024, 1)
        finally:
            stop = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(120)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
            result["sigterm_exit"] = code
            result["sigterm_stop_s"] = round(time.monotonic() - stop, 2)
            result["server_cpu_total_s"] = round(self_cpu() - server_cpu0, 2)
        per_surface: dict[str, int] = {}
        for _at, b in box.got:
            s = b["receipt"]["surface"]
            per_surface[s] = per_surface.get(s, 0) + 1
        result["alerts_per_changed_surface"] = sorted(set(per_surface.values()))
        result["unexpected_alerts"] = sorted(set(per_surface) - set(names))
        db = sqlite3.connect(work / "driftguard.db")
        try:
            result["integrity_check"] = db.execute("PRAGMA integrity_check").fetchone()[0]
            result["observations"] = db.execute("SELECT count(*) FROM observations").fetchone()[0]
            result["outcomes"] = dict(
                db.execute("SELECT outcome, count(*) FROM observations GROUP BY outcome").fetchall()
            )
            result["db_mib"] = round(
                sum(p.stat().st_size for p in work.glob("driftguard.db*")) / 2**20, 2
            )
        finally:
            db.close()
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
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument(
        "--smoke", action="store_true", help="20 surfaces, 2 s interval, 2 idle intervals"
    )
    args = ap.parse_args(argv)
    if args.smoke:
        args.surfaces, args.interval, args.idle_intervals, args.changes = 20, 2.0, 2.0, 2
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
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
