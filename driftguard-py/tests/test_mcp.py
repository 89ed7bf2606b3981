"""MCP captures against real servers at pinned versions, and every way a server can fail.

- @modelcontextprotocol/server-everything 2026.1.14 and 2026.1.26 (npm) over stdio, and
  2026.1.26 over Streamable HTTP on 127.0.0.1;
- mcp-server-time 2026.10.10 (PyPI, in its own venv with mcp 1.30.0) over stdio.
Captures equal the committed real captures of conformance/fixtures/mcp, and the two
server-everything versions diff to exactly the changes the real-capture vector pins.
"""

from __future__ import annotations

import json
import sys
import textwrap
import time
from pathlib import Path

import anyio
import driftguard
import pytest
from conftest import FIXTURES, VECTORS
from driftguard import errors
from servers import (
    EVERYTHING_VERSIONS,
    TIME_VERSION,
    everything_http,
    everything_stdio,
    gone,
    time_server,
)

CLI = [sys.executable, "-m", "driftguard.cli"]


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / "mcp" / name).read_text())


def run_async(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        return await fn(*args, **kwargs)

    return anyio.run(go)


@pytest.mark.parametrize("version", EVERYTHING_VERSIONS)
def test_server_everything_over_stdio_equals_the_real_capture(version: str) -> None:
    doc = run_async(driftguard.capture_mcp_document, command=everything_stdio(version))
    assert doc == fixture(f"server-everything-{version}.json")
    assert len(doc["tools"]) == {"2026.1.14": 12, "2026.1.26": 13}[version]
    assert (len(doc["prompts"]), len(doc["resources"]), len(doc["resourceTemplates"])) == (4, 7, 2)


def test_two_published_versions_diff_to_the_exact_changes() -> None:
    old, new = (
        run_async(driftguard.capture_mcp, command=everything_stdio(v)) for v in EVERYTHING_VERSIONS
    )
    assert old.kind == new.kind == "mcp" and old != new
    report = driftguard.diff(old, new)
    got = [(c.rule, c.severity, c.pointer, c.position, c.path) for c in report.changes]
    assert got == [
        (
            "mcp-capability-added",
            "dangerous",
            "/surface/server/capabilities/tasks",
            "surface",
            "server › capabilities › tasks",
        ),
        (
            "mcp-tool-added",
            "dangerous",
            "/surface/tools/simulate-research-query",
            "surface",
            "tool simulate-research-query",
        ),
    ]
    assert report.max_severity == "dangerous" and not report.failed
    # The same as the committed real-capture vector pins.
    vector = json.loads(
        (VECTORS / "diff/mcp/real-server-everything-2026.1.14-to-2026.1.26.json").read_text()
    )
    assert [
        [c[k] for k in ("rule", "severity", "pointer", "position", "path")]
        for c in vector["expect"]["changes"]
    ] == [list(g) for g in got]
    back = driftguard.diff(new, old)
    assert [(c.rule, c.severity) for c in back.changes] == [
        # Dropping `tasks` is safe for clients that never relied on it (RULES.md).
        ("mcp-capability-removed", "safe"),
        ("mcp-tool-removed", "breaking"),
    ]


def test_server_everything_over_streamable_http() -> None:
    with everything_http("2026.1.26") as url:
        doc = run_async(driftguard.capture_mcp_document, url=url, headers={"X-Test": "1"})
        snap = driftguard.capture_mcp_sync(url=url)
    expected = fixture("server-everything-2026.1.26.json")
    assert doc == expected
    assert snap == driftguard.load(expected, "mcp")


def test_cli_captures_over_streamable_http(tmp_path: Path, native_cli: Path) -> None:
    import subprocess

    (tmp_path / "fixture.json").write_text(json.dumps(fixture("server-everything-2026.1.26.json")))
    expected = subprocess.run(
        [str(native_cli), "snapshot", "fixture.json"], cwd=tmp_path, capture_output=True, check=True
    ).stdout
    with everything_http("2026.1.26") as url:
        p = subprocess.run([*CLI, "capture", "--mcp-http", url], capture_output=True, timeout=60)
    assert (p.returncode, p.stderr) == (0, b"")
    assert p.stdout == expected


def test_mcp_server_time_over_stdio_with_the_sync_wrapper(tmp_path: Path, native_cli: Path) -> None:
    import subprocess

    doc = run_async(driftguard.capture_mcp_document, command=time_server())
    assert doc == fixture(f"mcp-server-time-{TIME_VERSION}.json")
    assert [t["name"] for t in doc["tools"]] == ["get_current_time", "convert_time"]
    snap = driftguard.capture_mcp_sync(command=time_server())
    assert snap == driftguard.load(doc, "mcp") and snap.meta["version"] == TIME_VERSION
    # The CLI prints exactly what `driftguard snapshot` prints for the capture document.
    p = subprocess.run(
        [*CLI, "capture", "--mcp-stdio", "-o", "t.json", "--", *time_server()],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert (p.returncode, p.stdout, p.stderr) == (0, b"", b"")
    (tmp_path / "doc.json").write_text(json.dumps(doc))
    native = subprocess.run(
        [str(native_cli), "snapshot", "doc.json"], cwd=tmp_path, capture_output=True, check=True
    )
    assert (tmp_path / "t.json").read_bytes() == native.stdout
    p = subprocess.run(
        [*CLI, "capture", "--mcp-stdio", "--document", "--", *time_server()],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert json.loads(p.stdout) == doc


# --- failures: each is a clear E_MCP within the timeout, and the process is reaped ---------


def _script(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "server.py"
    path.write_text(textwrap.dedent(body))
    return [sys.executable, str(path), str(tmp_path)]


def _capture_error(command: list[str], timeout: float = 10.0) -> errors.DriftGuardError:
    start = time.monotonic()
    with pytest.raises(errors.DriftGuardError) as info:
        driftguard.capture_mcp_sync(command=command, timeout=timeout)
    assert time.monotonic() - start < timeout + 8, "the error came late"
    return info.value


def _pids(tmp_path: Path) -> list[int]:
    return [int(p.read_text()) for p in sorted(tmp_path.glob("*.pid"))]


def test_a_server_that_crashes_reports_status_and_stderr(tmp_path: Path) -> None:
    cmd = _script(
        tmp_path,
        """
        import sys
        for i in range(30):
            print(f"boot line {i}", file=sys.stderr)
        print("Traceback: ImportError: cannot import name 'McpError'", file=sys.stderr)
        sys.exit(3)
    """,
    )
    e = _capture_error(cmd)
    assert type(e) is errors.McpError and e.code == "E_MCP"
    text = str(e)
    assert "closed its stdout" in text and "exit status: 3" in text
    assert "last 20 line(s) of its stderr" in text
    assert "  | Traceback: ImportError: cannot import name 'McpError'" in text
    assert "boot line 29" in text and "boot line 10" not in text


def test_a_server_that_prints_garbage(tmp_path: Path) -> None:
    cmd = _script(
        tmp_path,
        """
        import os, sys, time, pathlib
        pathlib.Path(sys.argv[1], "server.pid").write_text(str(os.getpid()))
        print("Welcome to my server! <html>", flush=True)
        time.sleep(60)
    """,
    )
    e = _capture_error(cmd, timeout=20)
    assert type(e) is errors.McpError
    assert "not a JSON-RPC message on stdout: 'Welcome to my server! <html>'" in str(e)
    assert "killed by signal" in str(e)
    assert all(gone(p) for p in _pids(tmp_path))


def test_a_server_that_never_answers_is_killed_with_its_children(tmp_path: Path) -> None:
    cmd = _script(
        tmp_path,
        """
        import os, sys, time, pathlib, subprocess
        d = pathlib.Path(sys.argv[1])
        d.joinpath("server.pid").write_text(str(os.getpid()))
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        d.joinpath("child.pid").write_text(str(child.pid))
        print("listening (not really)", file=sys.stderr, flush=True)
        time.sleep(120)
    """,
    )
    e = _capture_error(cmd, timeout=2)
    assert type(e) is errors.McpError
    assert "no answer within 2 s (waiting for initialize)" in str(e)
    assert "  | listening (not really)" in str(e)
    pids = _pids(tmp_path)
    assert len(pids) == 2
    deadline = time.monotonic() + 5
    while not all(gone(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(gone(p) for p in pids), pids


def test_a_server_that_answers_with_an_error(tmp_path: Path) -> None:
    cmd = _script(
        tmp_path,
        """
        import json, sys
        for line in sys.stdin:
            msg = json.loads(line)
            if "id" in msg:
                error = {"code": -32602, "message": "unsupported protocol"}
                reply = {"jsonrpc": "2.0", "id": msg["id"], "error": error}
                print(json.dumps(reply), flush=True)
    """,
    )
    e = _capture_error(cmd)
    assert "the server answered with error -32602: unsupported protocol" in str(e)


def test_a_command_that_does_not_exist() -> None:
    e = _capture_error(["/nonexistent/mcp-server", "--stdio"])
    assert (
        str(e)
        == "cannot start MCP server `/nonexistent/mcp-server --stdio`: No such file or directory"
    )


def test_env_values_are_substituted_and_never_echoed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DG_TEST_SECRET", "s3cr3t-value")
    cmd = _script(
        tmp_path,
        """
        import os, sys
        print("token is", len(os.environ["TOKEN"]), "chars", file=sys.stderr)
        sys.exit(4)
    """,
    )
    with pytest.raises(errors.McpError) as info:
        driftguard.capture_mcp_sync(command=cmd, env={"TOKEN": "${DG_TEST_SECRET}"}, timeout=10)
    assert "token is 12 chars" in str(info.value) and "s3cr3t" not in str(info.value)
    with pytest.raises(errors.EnvError) as env_info:
        driftguard.capture_mcp_sync(command=cmd, env={"TOKEN": "${DG_TEST_UNSET_VAR}"})
    assert "DG_TEST_UNSET_VAR" in str(env_info.value)


def test_cli_reports_mcp_errors_with_their_code(tmp_path: Path) -> None:
    import subprocess

    cmd = _script(tmp_path, "import sys; print('nope', file=sys.stderr); sys.exit(1)\n")
    p = subprocess.run(
        [*CLI, "capture", "--mcp-stdio", "--timeout", "10", "--", *cmd],
        capture_output=True,
        timeout=60,
    )
    assert p.returncode == 2 and p.stdout == b""
    assert p.stderr.decode().startswith("error[E_MCP]: MCP server `")
    assert "exit status: 1" in p.stderr.decode() and "  | nope" in p.stderr.decode()
    p = subprocess.run([*CLI, "capture", "--mcp-stdio"], capture_output=True, timeout=60)
    assert p.returncode == 2 and b"needs the server's command after --" in p.stderr


def test_streamable_http_failures(tmp_path: Path) -> None:
    from servers import free_port

    port = free_port()
    start = time.monotonic()
    with pytest.raises(errors.McpError) as info:
        driftguard.capture_mcp_sync(url=f"http://127.0.0.1:{port}/mcp", timeout=10)
    assert time.monotonic() - start < 8
    assert "ConnectError" in str(info.value)
    with everything_http("2026.1.26") as url:
        with pytest.raises(errors.McpError) as info:
            driftguard.capture_mcp_sync(url=url.replace("/mcp", "/nope"), timeout=10)
        assert "404" in str(info.value)
        with pytest.raises(errors.EnvError):
            driftguard.capture_mcp_sync(
                url=url, headers=["Authorization: Bearer ${DG_TEST_UNSET_VAR}"]
            )


PAGING_SERVER = """
import json, pathlib, sys
log = pathlib.Path(sys.argv[1], "requests.log")
def tool(name):
    return {"name": name, "description": f"tool {name}", "inputSchema": {"type": "object"}}
PAGES = {
    ("tools/list", None): {"tools": [tool("a"), tool("b")], "nextCursor": "p2"},
    ("tools/list", "p2"): {"tools": [tool("c")], "nextCursor": "p3"},
    ("tools/list", "p3"): {"tools": [tool("d")], "_meta": {"page": 3}},
    ("resources/list", None): {"resources": [{"uri": "mem://1", "name": "one"}], "nextCursor": "x"},
    ("resources/list", "x"): {"resources": [{"uri": "mem://2", "name": "two"}]},
    ("resources/templates/list", None): {"resourceTemplates": []},
}
for line in sys.stdin:
    msg = json.loads(line)
    with log.open("a") as f:
        f.write(msg["method"] + " " + str((msg.get("params") or {}).get("cursor")) + "\\n")
    if "id" not in msg:
        continue
    if msg["method"] == "initialize":
        result = {"protocolVersion": msg["params"]["protocolVersion"],
                  "capabilities": {"tools": {}, "resources": {}},
                  "serverInfo": {"name": "pager", "version": "0.0.1"}}
    else:
        key = (msg["method"], (msg.get("params") or {}).get("cursor"))
        if key not in PAGES:
            err = {"code": -32601, "message": "not offered: " + msg["method"]}
            print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "error": err}), flush=True)
            continue
        result = PAGES[key]
    print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}), flush=True)
"""


def test_pages_are_joined_and_only_offered_lists_are_asked_for(tmp_path: Path) -> None:
    cmd = _script(tmp_path, PAGING_SERVER)
    doc = run_async(driftguard.capture_mcp_document, command=cmd, timeout=20)
    assert [t["name"] for t in doc["tools"]] == ["a", "b", "c", "d"]
    assert [r["uri"] for r in doc["resources"]] == ["mem://1", "mem://2"]
    assert doc["resourceTemplates"] == []
    assert "prompts" not in doc and "nextCursor" not in json.dumps(doc)
    requests = (tmp_path / "requests.log").read_text().splitlines()
    assert requests == [
        "initialize None",
        "notifications/initialized None",
        "tools/list None",
        "tools/list p2",
        "tools/list p3",
        "resources/list None",
        "resources/list x",
        "resources/templates/list None",
    ]
    snap = driftguard.load(doc, "mcp")
    assert snap.kind == "mcp" and snap.meta["name"] == "pager"
