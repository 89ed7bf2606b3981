"""The README's Python section runs as written: every code block of it is executed here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO
from servers import TIME_VENV, time_server

SECTION = re.search(r"\n## Python\n(.*?)\n## ", (REPO / "README.md").read_text(), re.S)
assert SECTION, "README.md has a '## Python' section"
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", SECTION.group(1), re.S)
BIN = Path(sys.executable).parent


def blocks(lang: str) -> list[str]:
    return [code for kind, code in BLOCKS if kind == lang]


def env() -> dict[str, str]:
    time_server()  # fails clearly when the pinned server is not installed
    return {**os.environ, "PATH": f"{BIN}:{TIME_VENV / 'bin'}:{os.environ['PATH']}"}


def test_the_section_has_the_blocks_this_test_runs() -> None:
    assert [k for k, _ in BLOCKS] == [
        "sh",
        "python",
        "text",
        "python",
        "python",
        "toml",
        "sh",
        "toml",
        "sh",
        "sh",  # packages: run by test_package_real.py
    ]


def test_install_command_resolves(tmp_path: Path) -> None:
    (install,) = [c for c in blocks("sh") if "pip install" in c]
    command = install.split("#")[0].split()
    assert command == ["pip", "install", "./driftguard-py"]
    # Without building the extension: metadata only (maturin's PEP 517 hook).
    p = subprocess.run(
        [str(BIN / "pip"), *command[1:], "--dry-run", "--no-deps", "--no-build-isolation"],
        cwd=REPO,
        env=env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    assert "Would install driftguard-0.1.0" in p.stdout


def test_ten_line_example_prints_what_the_readme_says(tmp_path: Path) -> None:
    example = blocks("python")[0]
    assert len(example.strip().splitlines()) <= 12
    p = subprocess.run(
        [sys.executable, "-c", example], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert (p.returncode, p.stderr) == (0, "")
    assert p.stdout == blocks("text")[0]


def test_mcp_example_captures_the_real_server(tmp_path: Path) -> None:
    p = subprocess.run(
        [sys.executable, "-c", blocks("python")[1]],
        cwd=tmp_path,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (p.returncode, p.stderr) == (0, "")
    fixture = json.loads((FIXTURES / "mcp" / "mcp-server-time-2026.10.10.json").read_text())
    assert p.stdout == f"mcp {fixture['initialize']['serverInfo']['name']}\n"


def test_pytest_plugin_example(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_contract=blocks("python")[2])
    pytester.makepyprojecttoml(blocks("toml")[0])
    (pytester.path / "openapi.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"
    )
    pytester.runpytest().assert_outcomes(failed=1)
    pytester.runpytest("--driftguard-update").assert_outcomes(passed=1)
    assert (pytester.path / "contracts" / "public-api.snapshot.json").exists()
    pytester.runpytest().assert_outcomes(passed=1)


def test_cli_example(tmp_path: Path) -> None:
    script = blocks("sh")[1]
    (tmp_path / "openapi.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
        "paths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n"
    )
    p = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert p.returncode == 0, p.stderr
    # `diff … --format markdown` of a contract against its own snapshot, then `diff` (text).
    assert p.stdout == "## DriftGuard report\n\nNo changes.\nno changes\n"
    assert json.loads((tmp_path / "time.json").read_text())["kind"] == "mcp"
    assert json.loads((tmp_path / "baseline.json").read_text())["kind"] == "openapi"


def test_approve_check_example(tmp_path: Path) -> None:
    (tmp_path / "driftguard.toml").write_text(blocks("toml")[1])
    (tmp_path / "openapi.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
        "paths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n"
    )
    p = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", blocks("sh")[2]],
        cwd=tmp_path,
        env=env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert [line.split()[:2] for line in lines[:2]] == [
        ["approved", "public-api"],
        ["approved", "time"],
    ]
    assert lines[2:5] == [
        f"public-api: unchanged ({lines[0].split()[2][:19]})",
        f"time: unchanged ({lines[1].split()[2][:19]})",
        "2 unchanged — exit 0",
    ]
    lock = json.loads((tmp_path / "driftguard.lock").read_text())
    assert sorted(lock["surfaces"]) == ["public-api", "time"]
