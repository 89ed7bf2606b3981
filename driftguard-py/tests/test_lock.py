"""`driftguard approve` and `driftguard check` end to end: the console script as a real
process, a real HTTP server on 127.0.0.1 whose OpenAPI document changes between approve
and check, a file surface, and the real server-everything swapped between two published
versions (tests/servers, pinned)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from httpserver import openapi_v2, serve
from servers import everything_http, everything_stdio

CONSOLE_SCRIPT = Path(sys.executable).with_name("driftguard")
NOW = "2026-11-24T00:00:00Z"
TOKEN = "s3cr3t-token"


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    full = {k: v for k, v in os.environ.items() if k not in ("TOKEN", "DRIFTGUARD_NOW")}
    full["DRIFTGUARD_NOW"] = NOW
    full.update(env or {})
    p = subprocess.run(
        [str(CONSOLE_SCRIPT), *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        timeout=120,
    )
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def write_config(tmp: Path, base: str) -> None:
    (tmp / "spec.json").write_text(
        json.dumps(
            {
                "openapi": "3.0.3",
                "info": {"title": "Spec", "version": "1"},
                "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}},
            }
        )
    )
    (tmp / "driftguard.toml").write_text(
        f"""
[[surface]]
name = "spec"
file = "spec.json"

[[surface]]
name = "api"
url = "{base}/private"
headers = {{ Authorization = "Bearer ${{TOKEN}}" }}
"""
    )


def rules(check_json: str, name: str) -> list[tuple[str, str]]:
    doc = json.loads(check_json)
    (surface,) = [s for s in doc["surfaces"] if s["name"] == name]
    return [(c["rule"], c["severity"]) for c in surface["report"]["changes"]]


def test_http_and_file_surfaces_approve_then_check(tmp_path: Path) -> None:
    with serve() as (base, state):
        write_config(tmp_path, base)
        env = {"TOKEN": TOKEN}
        code, out, err = run(tmp_path, "approve", env=env)
        assert (code, err) == (0, "")
        lines = out.splitlines()
        assert [line.split()[:2] for line in lines] == [["approved", "spec"], ["approved", "api"]]
        lock_text = (tmp_path / "driftguard.lock").read_text()
        lock = json.loads(lock_text)
        assert sorted(lock["surfaces"]) == ["api", "spec"]
        assert lock["surfaces"]["api"]["approved_at"] == NOW
        assert lock["surfaces"]["api"]["source"] == {
            "headers": ["Authorization"],
            "kind": "url",
            "url": f"{base}/private",
        }
        assert lock["surfaces"]["spec"]["source"] == {"kind": "file", "path": "spec.json"}
        # Approving again at the same time gives the same bytes.
        assert run(tmp_path, "approve", env=env)[0] == 0
        assert (tmp_path / "driftguard.lock").read_text() == lock_text

        code, out, err = run(tmp_path, "check", env=env)
        api = lock["surfaces"]["api"]["digest"][len("sha256:") :][:12]
        spec = lock["surfaces"]["spec"]["digest"][len("sha256:") :][:12]
        assert (code, err) == (0, "")
        assert out == (
            f"spec: unchanged (sha256:{spec})\napi: unchanged (sha256:{api})\n"
            "2 unchanged — exit 0\n"
        )

        # The served document changes: breaking drift, exit 1.
        state.publish(openapi_v2(), '"v2"')
        code, out, err = run(tmp_path, "check", "--format", "json", env=env)
        assert (code, err) == (1, "")
        doc = json.loads(out)
        assert doc["exit_code"] == 1
        assert [(s["name"], s["status"]) for s in doc["surfaces"]] == [
            ("spec", "unchanged"),
            ("api", "changed"),
        ]
        assert rules(out, "api") == [
            ("parameter-became-required", "breaking"),
            ("property-removed", "dangerous"),
            ("api-version-changed", "safe"),
        ]
        for fmt in ("text", "markdown", "github"):
            code, out2, err = run(tmp_path, "check", "--format", fmt, env=env)
            assert (code, err) == (1, "")
            assert "parameter-became-required" in out2
            assert TOKEN not in out2

        # Checking only the unchanged surface passes.
        code, out, err = run(tmp_path, "check", "spec", env=env)
        assert (code, err) == (0, "")
        assert out == (
            f"spec: unchanged (sha256:{spec})\napi: skipped (not captured)\n"
            "1 unchanged, 1 skipped — exit 0\n"
        )

        # Re-approving the drifted surface alone makes check pass again.
        code, out, err = run(tmp_path, "approve", "api", env=env)
        assert (code, err) == (0, "")
        assert out.startswith("approved api sha256:")
        assert run(tmp_path, "check", env=env)[0] == 0

        # The secret reached the server, and appears nowhere.
        assert any(h.get("Authorization") == f"Bearer {TOKEN}" for _p, h in state.requests)
        assert TOKEN not in (tmp_path / "driftguard.lock").read_text()


def test_server_error_is_e_fetch_exit_2(tmp_path: Path) -> None:
    with serve() as (base, _state):
        (tmp_path / "driftguard.toml").write_text(
            f'[[surface]]\nname = "api"\nurl = "{base}/openapi.json"\n'
            f'headers = {{ "X-Token" = "${{TOKEN}}" }}\n'
        )
        env = {"TOKEN": TOKEN}
        assert run(tmp_path, "approve", env=env)[0] == 0
        (tmp_path / "driftguard.toml").write_text(
            f'[[surface]]\nname = "api"\nurl = "{base}/error"\n'
            f'headers = {{ "X-Token" = "${{TOKEN}}" }}\n'
        )
        code, out, err = run(tmp_path, "check", "--format", "json", env=env)
        assert (code, err) == (2, "")
        (surface,) = json.loads(out)["surfaces"]
        assert surface["status"] == "capture-failed"
        assert surface["error"]["code"] == "E_FETCH"
        assert "500" in surface["error"]["message"]

        # approve refuses to record a failed capture and leaves the lock alone.
        before = (tmp_path / "driftguard.lock").read_bytes()
        code, out, err = run(tmp_path, "approve", env=env)
        assert (code, out) == (2, "")
        assert err.startswith('error[E_FETCH]: surface "api": ')
        assert err.endswith("driftguard.lock was not written\n")
        assert (tmp_path / "driftguard.lock").read_bytes() == before
        for text in (out, err):
            assert TOKEN not in text


def test_unset_variable_is_e_env(tmp_path: Path) -> None:
    write_config(tmp_path, "http://127.0.0.1:9")
    code, out, err = run(tmp_path, "approve")
    assert code == 2
    assert out == ""
    assert err == (
        'error[E_ENV]: surface "api": environment variable TOKEN is not set '
        '(needed by `surface "api" headers.Authorization`)\n'
        "driftguard.lock was not written\n"
    )
    assert not (tmp_path / "driftguard.lock").exists()


def test_usage_errors(tmp_path: Path) -> None:
    write_config(tmp_path, "http://127.0.0.1:9")
    assert run(tmp_path, "approve", "nope") == (
        2,
        "",
        'error: driftguard.toml has no surface "nope"\n',
    )
    code, out, err = run(tmp_path, "check", "--format", "sarif")
    assert code == 2
    assert err.startswith('error: --format must be text, json, markdown or github, got "sarif"\n')
    code, out, err = run(tmp_path, "check", "--help")
    assert (code, err) == (0, "")
    assert out.startswith("usage: driftguard approve [SURFACE...] [--config FILE]\n")
    code, out, err = run(tmp_path, "check", "--config", "missing.toml")
    assert (code, out) == (2, "")
    assert err == "error: cannot read missing.toml: No such file or directory (os error 2)\n"
    (tmp_path / "bad.toml").write_text("[[surface]]\nname = 1\n")
    code, out, err = run(tmp_path, "check", "--config", "bad.toml")
    assert (code, out) == (2, "")
    assert err.startswith("error[E_CONFIG]: ")
    # No lock yet: every surface is not approved, exit 2.
    (tmp_path / "only-file.toml").write_text('[[surface]]\nname = "spec"\nfile = "spec.json"\n')
    code, out, err = run(tmp_path, "check", "--config", "only-file.toml")
    assert (code, err) == (2, "")
    assert out.startswith("spec: not approved")


def mcp_config(tmp: Path, version: str) -> None:
    command: list[Any] = everything_stdio(version)
    (tmp / "driftguard.toml").write_text(
        '[[surface]]\nname = "everything"\n\n[surface.mcp_stdio]\n'
        f"command = {json.dumps(command)}\n"
    )


def test_mcp_server_swapped_between_versions(tmp_path: Path) -> None:
    mcp_config(tmp_path, "2026.1.14")
    code, out, err = run(tmp_path, "approve")
    assert (code, err) == (0, "")
    assert out.startswith("approved everything sha256:")
    assert run(tmp_path, "check")[0] == 0
    mcp_config(tmp_path, "2026.1.26")
    code, out, err = run(tmp_path, "check", "--format", "json")
    assert err == ""
    assert sorted({r for r, _s in rules(out, "everything")}) == [
        "mcp-capability-added",
        "mcp-tool-added",
    ]
    assert code == json.loads(out)["exit_code"]


def test_endpoint_and_mcp_http_surfaces(tmp_path: Path) -> None:
    with serve() as (base, _state), everything_http("2026.1.14") as mcp_url:
        (tmp_path / "driftguard.toml").write_text(
            f'[[surface]]\nname = "status"\nendpoint = {{ url = "{base}/status", samples = 2,'
            ' sample_interval = "0s" }\n\n'
            f'[[surface]]\nname = "remote"\nmcp_http = "{mcp_url}"\n'
        )
        code, out, err = run(tmp_path, "approve")
        assert (code, err) == (0, "")
        assert [line.split()[:2] for line in out.splitlines()] == [
            ["approved", "status"],
            ["approved", "remote"],
        ]
        lock = json.loads((tmp_path / "driftguard.lock").read_text())
        assert lock["surfaces"]["status"]["snapshot"]["kind"] == "samples"
        assert lock["surfaces"]["remote"]["snapshot"]["kind"] == "mcp"
        assert lock["surfaces"]["status"]["source"] == {
            "kind": "endpoint",
            "sample_interval": "0s",
            "samples": 2,
            "url": f"{base}/status",
        }
        code, out, err = run(tmp_path, "check")
        assert (code, err) == (0, "")
        assert out.endswith("2 unchanged — exit 0\n")
