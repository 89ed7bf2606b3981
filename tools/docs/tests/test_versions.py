"""One version for every published package: the workspace's `[workspace.package] version`
(driftguard-core, the Python wheel through maturin, the napi and wasm crates inherit it) is
the version of both npm packages (package.json and package-lock.json), of the workspace's
`driftguard-core` dependency, and every published package has a CHANGELOG.md."""

from __future__ import annotations

import json
import re
import tomllib

from conftest import ROOT

PACKAGES = ["driftguard-core", "driftguard-py", "driftguard-node", "driftguard-wasm"]


def workspace_version() -> str:
    return tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]["version"]


def test_versions_are_kept_in_one_place() -> None:
    version = workspace_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?", version)
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())
    assert cargo["workspace"]["dependencies"]["driftguard-core"]["version"] == version
    for crate in PACKAGES:
        manifest = tomllib.loads((ROOT / crate / "Cargo.toml").read_text())
        assert manifest["package"]["version"] == {"workspace": True}, crate
    pyproject = tomllib.loads((ROOT / "driftguard-py/pyproject.toml").read_text())
    assert pyproject["project"]["dynamic"] == ["version"]  # maturin: the crate's version
    assert "version" not in pyproject["project"]
    for pkg in ["driftguard-node", "driftguard-wasm"]:
        package = json.loads((ROOT / pkg / "package.json").read_text())
        lock = json.loads((ROOT / pkg / "package-lock.json").read_text())
        assert package["version"] == version, pkg
        assert lock["version"] == version, f"{pkg}/package-lock.json"
        assert lock["packages"][""]["version"] == version, f"{pkg}/package-lock.json"


def test_every_published_package_has_a_changelog() -> None:
    version = workspace_version()
    root = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in root
    for pkg in PACKAGES:
        text = (ROOT / pkg / "CHANGELOG.md").read_text()
        assert text.startswith("# Changelog"), pkg
        assert f"## [{version}]" in text, f"{pkg}/CHANGELOG.md has no section for {version}"
        assert "root `CHANGELOG.md`" in text, pkg
