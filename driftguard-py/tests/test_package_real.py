"""Real packages from the real registries (the machine's npm and pip configuration),
pinned: the package diffs of two published versions each, exactly, with no
``package-code-suspicious`` and the code files' added lines as receipts."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import driftguard
import pytest
from conftest import REPO, VECTORS
from driftguard.package import ArtifactCache, compare_packages, fetch

EVERYTHING = "@modelcontextprotocol/server-everything"
EVERYTHING_INTEGRITY = {
    "2026.1.14": "sha512-UqOnsjMxCXSJ1y89FDKgBoE7kmeqoVPKzLexPd2BssH/"
    "IJyq8YPqAJvPyn4+EmRUJfpnzjouU4X0B2WzxzUowQ==",
    "2026.1.26": "sha512-RIEXAQuKZeXZqFzJMqLDlzmMmG5sjq2uhS/"
    "VqzF4HIZ3w1V73YcWf+UXkxJueJuHMBO3Z8ceBrQ5wI6o/plZ+Q==",
}
EVERYTHING_CHANGES = [
    ("package-file-changed", "safe", "file › dist/docs/features.md"),
    ("package-file-changed", "safe", "file › dist/server/index.js"),
    ("package-file-changed", "safe", "file › dist/server/roots.js"),
    ("package-file-changed", "safe", "file › dist/tools/index.js"),
    ("package-file-added", "safe", "file › dist/tools/simulate-research-query.js"),
    ("package-file-added", "safe", "file › dist/tools/trigger-elicitation-request-async.js"),
    ("package-file-changed", "safe", "file › dist/tools/trigger-elicitation-request.js"),
    ("package-file-added", "safe", "file › dist/tools/trigger-sampling-request-async.js"),
    ("package-file-changed", "safe", "file › dist/transports/streamableHttp.js"),
    ("package-version-changed", "dangerous", "package › version"),
]
TIME_CHANGES = [
    ("package-file-changed", "safe", "file › mcp_server_time/server.py"),
    ("package-version-changed", "dangerous", "package › version"),
    ("package-dependency-changed", "safe", "requires-dist › mcp"),
]


@pytest.fixture
def cache(tmp_path: Path) -> ArtifactCache:
    return ArtifactCache(tmp_path / "cache")


def triples(report: driftguard.Report) -> list[tuple[str, str, str]]:
    return [(c.rule, c.severity, c.path) for c in report.changes]


def test_server_everything_2026_1_14_to_2026_1_26(cache: ArtifactCache) -> None:
    old, new = compare_packages(
        f"npm:{EVERYTHING}@2026.1.14", f"npm:{EVERYTHING}@2026.1.26", cache=cache
    )
    assert (old["version"], new["version"]) == ("2026.1.14", "2026.1.26")
    assert old["integrity"] == EVERYTHING_INTEGRITY["2026.1.14"]
    assert new["integrity"] == EVERYTHING_INTEGRITY["2026.1.26"]
    assert (len(old["files"]), len(new["files"])) == (42, 45)
    # Texts: the code files that differ, on both sides (5 changed exist in the old one).
    with_text = lambda doc: sorted(f["path"] for f in doc["files"] if "text" in f)  # noqa: E731
    changed_js = [
        "dist/server/index.js",
        "dist/server/roots.js",
        "dist/tools/index.js",
        "dist/tools/trigger-elicitation-request.js",
        "dist/transports/streamableHttp.js",
    ]
    assert with_text(old) == changed_js
    assert with_text(new) == sorted(
        [
            *changed_js,
            "dist/tools/simulate-research-query.js",
            "dist/tools/trigger-elicitation-request-async.js",
            "dist/tools/trigger-sampling-request-async.js",
        ]
    )
    assert new["manifest"]["bin"] == {"mcp-server-everything": "dist/index.js"}
    report = driftguard.diff(old, new, format="package")
    assert triples(report) == EVERYTHING_CHANGES
    assert not any(c.rule == "package-code-suspicious" for c in report.changes)
    roots = next(c for c in report.changes if c.path == "file › dist/server/roots.js")
    assert roots.after["added"] == [
        {
            "line": 51,
            "text": "console.error(`Failed to request roots from client ${sessionId}: "
            "${error instanceof Error ? error.message : String(error)}`);",
        }
    ]
    # The other way round: the added files are removed, still nothing suspicious.
    back = driftguard.diff(new, old, format="package")
    assert sorted(c.rule for c in back.changes) == sorted(
        ["package-file-removed"] * 3 + ["package-file-changed"] * 6 + ["package-version-changed"]
    )


def test_mcp_server_time_2026_10_10_to_2026_10_19(cache: ArtifactCache) -> None:
    old, new = compare_packages(
        "pypi:mcp-server-time==2026.10.10", "pypi:mcp-server-time==2026.10.19", cache=cache
    )
    assert old["integrity"] == (
        "sha256:32983d5193af219359ccdac46c558bed75f9c930360e7437cc040a73984cc17c"
    )
    assert new["integrity"] == (
        "sha256:5c099a001c6ca78260bda419f2e9b2aabee1adc4fe6ca56d8959871ad8da58a1"
    )
    assert [f["path"] for f in old["files"] if "text" in f] == ["mcp_server_time/server.py"]
    report = driftguard.diff(old, new, format="package")
    assert triples(report) == TIME_CHANGES
    dep = report.changes[2]
    assert (dep.before, dep.after) == ("<2,>=1.29.0", "<3,>=2.3")
    # The same snapshots as the committed conformance vector's (captured independently).
    vector = json.loads(
        (VECTORS / "diff/package/real-mcp-server-time-2026.10.10-2026.10.19.json").read_text()
    )
    for ours, theirs in ((old, vector["old"]["json"]), (new, vector["new"]["json"])):
        assert driftguard.load(ours, "package").digest == driftguard.load(theirs, "package").digest


def test_second_fetch_comes_from_the_cache(cache: ArtifactCache, tmp_path: Path) -> None:
    first = fetch("pypi:mcp-server-time==2026.10.10", cache=cache)
    again = fetch("pypi:mcp-server-time==2026.10.10", cache=cache)
    assert not first.from_cache and again.from_cache
    assert os.listdir(tmp_path / "cache") == [
        "sha256-32983d5193af219359ccdac46c558bed75f9c930360e7437cc040a73984cc17c"
    ]


def test_cli_diff_of_two_package_specs(tmp_path: Path) -> None:
    env = {**os.environ, "DRIFTGUARD_CACHE": str(tmp_path)}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "driftguard.cli",
            "diff",
            f"npm:{EVERYTHING}@2026.1.14",
            f"npm:{EVERYTHING}@2026.1.26",
            "--format",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    changes = json.loads(r.stdout)["changes"]
    assert [(c["rule"], c["severity"], c["path"]) for c in changes] == EVERYTHING_CHANGES
    assert sorted(os.listdir(tmp_path / "packages")) == sorted(
        "sha512-" + base64.b64decode(i[len("sha512-") :]).hex()
        for i in EVERYTHING_INTEGRITY.values()
    )


def test_the_readme_package_example(tmp_path: Path) -> None:
    section = re.search(r"\n## Python\n(.*?)\n## ", (REPO / "README.md").read_text(), re.S)
    assert section is not None
    script = re.findall(r"```sh\n(.*?)```", section.group(1), re.S)[-1]
    assert "capture --package" in script
    bin_dir = Path(sys.executable).parent
    p = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env={
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "DRIFTGUARD_CACHE": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert p.returncode == 0, p.stderr
    snapshot, _, report = p.stdout.partition("\n}\n")
    assert json.loads(snapshot + "\n}")["meta"] == {
        "ecosystem": "npm",
        "name": EVERYTHING,
        "version": "2026.1.26",
    }
    assert report.startswith("0 breaking, 1 dangerous, 2 safe\n")
    assert "package-dependency-changed" in report and "package-code-suspicious" not in report
