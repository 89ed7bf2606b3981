"""Real parts for the watcher tests: a controllable OpenAPI server, a webhook receiver
(http.server on 127.0.0.1), an SMTP server (aiosmtpd on loopback), and the watcher run as
the real console script (``--once`` or as a long-running process whose output lines are
followed)."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from servers import free_port

CONSOLE_SCRIPT = Path(sys.executable).with_name("driftguard")
#: The password aiosmtpd accepts when started with ``auth=True``.
SMTP_PASSWORD = "smtp-pass-4711"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client killed mid-request (the SIGKILL test) is expected


# ---------------------------------------------------------------------------------------
# The watched API: an OpenAPI document whose behaviour the test switches
# ---------------------------------------------------------------------------------------


@dataclass
class Api:
    """What ``/openapi.json`` does: ``ok`` (serve ``document`` with an ETag), ``error``
    (500), ``hang`` (sleep ``hang_s`` before answering), ``garbage`` (binary bytes)."""

    document: dict[str, Any]
    etag: str = '"v1"'
    mode: str = "ok"
    hang_s: float = 4.0
    delay_s: float = 0.0
    requests: list[dict[str, str]] = field(default_factory=list)
    active: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, document: dict[str, Any], etag: str) -> None:
        self.document, self.etag = document, etag


def _api_handler(api: Api) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            with api.lock:
                api.requests.append(dict(self.headers.items()))
                api.active += 1
            try:
                if api.delay_s:
                    time.sleep(api.delay_s)
                mode = api.mode
                if mode == "error":
                    self.send(500, b"internal error", {"Content-Type": "text/plain"})
                elif mode == "hang":
                    time.sleep(api.hang_s)
                    self.send(200, b"{}", {})
                elif mode == "garbage":
                    self.send(
                        200, b"\x89PNG\r\n\x1a\n\x00garbage\xff", {"Content-Type": "image/png"}
                    )
                elif self.headers.get("If-None-Match") == api.etag:
                    self.send(304, b"", {"ETag": api.etag})
                else:
                    body = json.dumps(api.document).encode()
                    self.send(200, body, {"ETag": api.etag, "Content-Type": "application/json"})
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with api.lock:
                    api.active -= 1

    return Handler


@contextlib.contextmanager
def serve_api(document: dict[str, Any]) -> Iterator[tuple[str, Api, ThreadingHTTPServer]]:
    api = Api(document)
    server = _Server(("127.0.0.1", 0), _api_handler(api))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/openapi.json", api, server
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------------------------------
# A webhook receiver
# ---------------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every POST; answers with ``statuses`` in turn (then ``204``)."""

    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)


@contextlib.contextmanager
def webhook_receiver(statuses: list[int] | None = None) -> Iterator[tuple[str, Receiver]]:
    rx = Receiver(statuses=list(statuses or []))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n)
            with lock:
                rx.received.append(Received(self.path, dict(self.headers.items()), body))
                status = rx.statuses.pop(0) if rx.statuses else 204
                rx.answered.append(status)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", rx
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------------------------------
# An SMTP server (aiosmtpd)
# ---------------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """Messages accepted; ``refuse`` > 0 answers the next DATA commands with 554."""

    messages: list[tuple[str, list[str], Message, bytes]] = field(default_factory=list)
    refuse: int = 0
    refused: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)


@contextlib.contextmanager
def smtp_server(*, auth: bool = False) -> Iterator[tuple[int, Mailbox]]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    box = Mailbox()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            if box.refuse > 0:
                box.refuse -= 1
                box.refused += 1
                return "554 5.7.1 refused by the test"
            raw = envelope.original_content or envelope.content
            box.messages.append(
                (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(raw), raw)
            )
            return "250 OK queued"

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        if isinstance(data, LoginPassword):
            box.logins.append((data.login.decode(), data.password.decode()))
            return AuthResult(success=data.password == SMTP_PASSWORD.encode())
        return AuthResult(success=False)

    kwargs: dict[str, Any] = {}
    if auth:
        kwargs = {"authenticator": authenticator, "auth_require_tls": False}
    for _attempt in range(5):
        port = free_port()
        controller = Controller(Handler(), hostname="127.0.0.1", port=port, **kwargs)
        try:
            controller.start()
        except Exception:
            continue
        try:
            yield port, box
        finally:
            controller.stop()
        return
    raise RuntimeError("aiosmtpd did not start")


# ---------------------------------------------------------------------------------------
# The watcher
# ---------------------------------------------------------------------------------------


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTGUARD_")}
    env.update(extra)
    return env


def run_cli(
    cwd: Path, *args: str, env: dict[str, str], timeout: float = 120
) -> tuple[int, str, str]:
    p = subprocess.run(
        [str(CONSOLE_SCRIPT), *args], cwd=cwd, env=env, capture_output=True, timeout=timeout
    )
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class Watch:
    """``driftguard watch`` as a long-running process; its output lines are followed."""

    def __init__(self, cwd: Path, env: dict[str, str], *args: str) -> None:
        self.proc = subprocess.Popen(
            [str(CONSOLE_SCRIPT), "watch", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.lines: list[str] = []
        self._q: queue.Queue[str | None] = queue.Queue()
        self.stderr = b""
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self._q.put(raw.decode("utf-8", "replace").rstrip("\n"))
        self._q.put(None)

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """The first new line matching ``pattern`` (a regex searched in each line)."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"no line matching {pattern!r} within {timeout} s:\n"
                    + "\n".join(self.lines[-40:])
                )
            try:
                line = self._q.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(
                    f"the watcher exited before {pattern!r}:\n" + "\n".join(self.lines[-40:])
                )
            self.lines.append(line)
            m = rx.search(line)
            if m:
                return m

    def wait_all(self, *patterns: str, timeout: float = 30.0) -> None:
        """Consumes lines until each pattern has matched one, in any order."""
        left = [re.compile(p) for p in patterns]
        deadline = time.monotonic() + timeout
        while left:
            m = self.wait_for(
                "|".join(f"(?:{p.pattern})" for p in left), deadline - time.monotonic()
            )
            left = [p for p in left if not p.search(m.string)]

    def drain(self) -> None:
        while True:
            try:
                line = self._q.get_nowait()
            except queue.Empty:
                return
            if line is None:
                return
            self.lines.append(line)

    def terminate(self, timeout: float = 30) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        time.sleep(0.1)
        self.drain()
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()
        return code

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        self.proc.wait(30)
        time.sleep(0.05)
        self.drain()
        if self.proc.stderr is not None:
            self.stderr = self.proc.stderr.read()


def db_rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def every_byte(path: Path) -> bytes:
    """The store file and its WAL/SHM companions, concatenated (for grepping secrets)."""
    out = b""
    for p in path.parent.glob(path.name + "*"):
        out += p.read_bytes()
    return out
