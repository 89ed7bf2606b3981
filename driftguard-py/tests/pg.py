"""A real, throwaway PostgreSQL server for the store tests (Debian's ``postgresql`` package).

``pg_server`` (session scope) runs ``initdb`` into a fresh temporary directory, starts
``postgres`` on 127.0.0.1 on a free port (the Unix socket stays inside that directory), and
on teardown stops it (``pg_ctl stop -m immediate``) and deletes the directory. Nothing of the
machine's own clusters is touched. ``pg_database`` gives each test its own empty database.

PostgreSQL refuses to run as root; when the tests run as root (CI does), ``initdb``,
``pg_ctl`` and ``postgres`` run as the ``postgres`` user that Debian's package creates
(``subprocess``'s ``user=``/``group=``), and the temporary directory is handed to that user.

The superuser is ``driftguard`` with password :data:`PASSWORD`; TCP connections must give it
(``scram-sha-256``), so a wrong password really fails and the error tests can check that the
password never shows in a message.

Where PostgreSQL is not installed (no ``initdb`` in ``$DRIFTGUARD_PG_BINDIR``, on ``PATH`` or
under ``/usr/lib/postgresql/*/bin``), the tests that need it are skipped with that reason;
``.ci/run`` (``install_postgres``) installs it. A PostgreSQL that is installed but fails to
start is a test failure, never a skip.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

USER = "driftguard"
#: The superuser's password (throwaway cluster, loopback only).
PASSWORD = "pg-" + secrets.token_hex(12)


def find_bindir() -> Path | None:
    """The directory of ``initdb``/``pg_ctl``/``postgres``, or ``None`` when not installed."""
    explicit = os.environ.get("DRIFTGUARD_PG_BINDIR")
    if explicit:
        return Path(explicit) if (Path(explicit) / "initdb").exists() else None
    on_path = shutil.which("initdb")
    if on_path:
        return Path(os.path.realpath(on_path)).parent
    # Debian keeps the server binaries off PATH, one directory per major version.
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """A running throwaway cluster."""

    bindir: Path
    root: Path
    port: int
    run_as: dict[str, Any] = field(default_factory=dict)
    _counter: int = 0

    #: The superuser's password.
    password: str = PASSWORD

    @staticmethod
    def free_port() -> int:
        """A TCP port on 127.0.0.1 that was free a moment ago (nothing of ours listens)."""
        return free_port()

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def url(self, dbname: str = "postgres", *, password: str | None = None) -> str:
        """A ``postgresql://`` URL of database ``dbname`` (with the right password by default)."""
        pw = PASSWORD if password is None else password
        return f"postgresql://{USER}:{pw}@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> Any:
        """An autocommit psycopg connection (test-side inspection)."""
        import psycopg

        return psycopg.connect(self.url(dbname), autocommit=True)

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; returns its name."""
        self._counter += 1
        name = f"{prefix}_{os.getpid()}_{self._counter}"
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def terminate_store_sessions(self, dbname: str) -> list[tuple[Any, ...]]:
        """Ends every session a DriftGuard store holds on ``dbname`` (as a server restart or
        a failover would); one ``(True,)`` row per session ended."""
        with self.connect(dbname) as conn:
            rows: list[tuple[Any, ...]] = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND application_name = 'driftguard'",
                (dbname,),
            ).fetchall()
        return rows

    def log_tail(self, lines: int = 40) -> str:
        log = self.root / "server.log"
        if not log.exists():
            return "(no server log)"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _run_as() -> dict[str, Any]:
    """``subprocess`` keyword arguments that drop root to the ``postgres`` user."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
    pytest.fail("running as root and neither a `postgres` nor a `nobody` user exists")


def _chown_tree(path: Path, run_as: dict[str, Any]) -> None:
    if not run_as:
        return
    for dirpath, _dirs, files in os.walk(path):
        os.chown(dirpath, run_as["user"], run_as["group"])
        for f in files:
            os.chown(os.path.join(dirpath, f), run_as["user"], run_as["group"])


def _run(cmd: list[str], run_as: dict[str, Any], what: str, timeout: float = 120) -> None:
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
        cwd="/",
        check=False,
        **run_as,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


@contextlib.contextmanager
def running_server() -> Iterator[PgServer]:
    """initdb + start a cluster on 127.0.0.1; stop and delete it afterwards."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL is not installed here (no initdb in $DRIFTGUARD_PG_BINDIR, on PATH or "
            "under /usr/lib/postgresql/*/bin): `apt-get install postgresql` (.ci/run does, "
            "in install_postgres) to run the PostgreSQL store tests"
        )
    run_as = _run_as()
    # As root, under /tmp: $TMPDIR may be a directory the postgres user cannot enter.
    root = Path(tempfile.mkdtemp(prefix="driftguard-pg-", dir="/tmp" if run_as else None))
    try:
        pwfile = root / "pwfile"
        pwfile.write_text(PASSWORD + "\n")
        _chown_tree(root, run_as)
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(root / "data"),
                "-U",
                USER,
                "--pwfile",
                str(pwfile),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            run_as,
            "initdb",
        )
        pwfile.unlink()
        last_error: Exception | None = None
        for _attempt in range(3):
            port = free_port()
            opts = (
                f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=60 -c shared_buffers=16MB"
            )
            try:
                _run(
                    [
                        str(bindir / "pg_ctl"),
                        "-D",
                        str(root / "data"),
                        "-l",
                        str(root / "server.log"),
                        "-o",
                        opts,
                        "-w",
                        "-t",
                        "60",
                        "start",
                    ],
                    run_as,
                    "pg_ctl start",
                )
            except RuntimeError as e:  # most likely the port was taken meanwhile: retry
                last_error = e
                continue
            server = PgServer(bindir=bindir, root=root, port=port, run_as=run_as)
            try:
                yield server
            finally:
                with contextlib.suppress(Exception):
                    _run(
                        [
                            str(bindir / "pg_ctl"),
                            "-D",
                            str(root / "data"),
                            "-m",
                            "immediate",
                            "stop",
                        ],
                        run_as,
                        "pg_ctl stop",
                        timeout=60,
                    )
            return
        log = (
            (root / "server.log").read_text(errors="replace")
            if (root / "server.log").exists()
            else ""
        )
        pytest.fail(f"PostgreSQL is installed ({bindir}) but did not start: {last_error}\n{log}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One throwaway PostgreSQL cluster for the whole session."""
    with running_server() as server:
        yield server


@pytest.fixture
def pg_database(pg_server: PgServer) -> str:
    """The URL of a new, empty database of the session's cluster."""
    return pg_server.url(pg_server.create_database())


def wait_until(predicate: Any, timeout: float, interval: float = 0.05) -> bool:
    """Polls ``predicate`` until true or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
