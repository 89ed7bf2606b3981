"""The real MCP servers the integration tests run (installed by driftguard-py/ci/install.sh
at pinned versions: see servers/package.json and ci/requirements-time-server.txt)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1]
NODE_MODULES = PKG / "tests" / "servers" / "node_modules"
TIME_VENV = PKG / ".servers" / "time"
EVERYTHING_VERSIONS = ("2026.1.14", "2026.1.26")
TIME_VERSION = "2026.10.10"


def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.fail("node is not installed (driftguard-py/ci/install.sh installs the test servers)")
    return path


def everything_js(version: str) -> Path:
    path = NODE_MODULES / f"everything-{version}" / "dist" / "index.js"
    if not path.exists():
        pytest.fail(f"{path} is missing: run driftguard-py/ci/install.sh (npm ci in tests/servers)")
    return path


def everything_stdio(version: str) -> list[str]:
    return [node(), str(everything_js(version)), "stdio"]


def time_server() -> list[str]:
    python = TIME_VENV / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{python} is missing: run driftguard-py/ci/install.sh (mcp-server-time venv)")
    return [str(python), "-m", "mcp_server_time", "--local-timezone", "UTC"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def everything_http(version: str) -> Iterator[str]:
    """server-everything in Streamable HTTP mode (`index.js streamableHttp`, port from the
    PORT environment variable) on a free port; yields its MCP endpoint URL."""
    for _attempt in range(5):
        port = free_port()
        proc = subprocess.Popen(
            [node(), str(everything_js(version)), "streamableHttp"],
            env={**os.environ, "PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 20
            ready = False
            while time.monotonic() < deadline and proc.poll() is None:
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", port), 0.2),
                ):
                    ready = True
                    break
                time.sleep(0.05)
            if ready:
                yield f"http://127.0.0.1:{port}/mcp"
                return
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            proc.wait(10)
            if proc.stderr:
                proc.stderr.close()
    pytest.fail("server-everything did not start in Streamable HTTP mode")


def gone(pid: int) -> bool:
    """True when no live process has this pid (a zombie awaiting its reaper counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status or "\nState:\tX" in status
