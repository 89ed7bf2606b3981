"""What tools/release/build.sh produced in target/release-artifacts/: each artifact is
named for the one version, and carries what its users need (and nothing from outside)."""

from __future__ import annotations

import email.parser
import json
import re
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "target/release-artifacts"
VERSION = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]["version"]


def one(pattern: str) -> Path:
    found = sorted(p for p in OUT.iterdir() if re.fullmatch(pattern, p.name))
    assert len(found) == 1, (
        f"expected one artifact matching {pattern}, found {[p.name for p in found]} (run tools/release/build.sh)"
    )
    return found[0]


def tar_names(path: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(path) as t:
        return {m.name: m for m in t.getmembers()}


def tar_read(path: Path, name: str) -> str:
    with tarfile.open(path) as t:
        f = t.extractfile(name)
        assert f is not None, name
        return f.read().decode()


def test_crate() -> None:
    crate = one(rf"driftguard-core-{re.escape(VERSION)}\.crate")
    prefix = f"driftguard-core-{VERSION}/"
    names = tar_names(crate)
    assert all(n.startswith(prefix) for n in names)
    for f in ["Cargo.toml", "src/lib.rs", "src/cli.rs", "README.md", "CHANGELOG.md", "examples/driftguard.rs"]:
        assert prefix + f in names, f
    assert not any("/target/" in n for n in names)
    manifest = tomllib.loads(tar_read(crate, prefix + "Cargo.toml"))
    assert manifest["package"]["name"] == "driftguard-core"
    assert manifest["package"]["version"] == VERSION
    assert manifest["package"]["license"] == "MIT OR Apache-2.0"
    # Only registry dependencies (a path dependency cannot be published).
    for section in ("dependencies",):
        for name, dep in manifest.get(section, {}).items():
            assert not (isinstance(dep, dict) and "path" in dep), name


def test_abi3_wheel() -> None:
    wheel = one(rf"driftguard-{re.escape(VERSION)}-cp310-abi3-[a-z0-9_]+\.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert "driftguard/_driftguard.abi3.so" in names
        for f in ["__init__.py", "py.typed", "_driftguard.pyi", "cli.py", "pytest_plugin.py"]:
            assert f"driftguard/{f}" in names, f
        meta = email.parser.Parser().parsestr(z.read(f"driftguard-{VERSION}.dist-info/METADATA").decode())
        entry_points = z.read(f"driftguard-{VERSION}.dist-info/entry_points.txt").decode()
    assert meta["Name"] == "driftguard" and meta["Version"] == VERSION
    assert meta["Requires-Python"] == ">=3.10"
    entry_points = entry_points.replace(" ", "")
    assert "[console_scripts]\ndriftguard=driftguard.cli:main\n" in entry_points
    assert "[pytest11]\ndriftguard=driftguard.pytest_plugin\n" in entry_points


def test_sdist_builds_without_the_repository() -> None:
    sdist = one(rf"driftguard-{re.escape(VERSION)}\.tar\.gz")
    prefix = f"driftguard-{VERSION}/"
    names = tar_names(sdist)
    assert prefix + "pyproject.toml" in names
    assert prefix + "PKG-INFO" in names
    # The core comes along (a path dependency of the binding), with its sources.
    assert any(n.endswith("driftguard-core/src/lib.rs") for n in names)
    assert any(n.endswith("driftguard-py/src/lib.rs") or n == prefix + "src/lib.rs" for n in names)
    assert any(n.endswith("python/driftguard/__init__.py") for n in names)
    assert "Version: " + VERSION in tar_read(sdist, prefix + "PKG-INFO")


def npm_package(path: Path) -> tuple[dict[str, object], set[str]]:
    names = set(tar_names(path))
    package = json.loads(tar_read(path, "package/package.json"))
    return package, names


def test_node_package() -> None:
    package, names = npm_package(one(rf"driftguard-{re.escape(VERSION)}\.tgz"))
    assert package["name"] == "driftguard" and package["version"] == VERSION
    for f in ["dist/cli.js", "dist/index.js", "dist/index.d.ts", "index.js", "index.d.ts", "README.md"]:
        assert f"package/{f}" in names, f
    assert any(re.fullmatch(r"package/driftguard\.[a-z0-9-]+\.node", n) for n in names)
    assert package["bin"] == {"driftguard": "./dist/cli.js"}
    assert not any("/test/" in n or "/src/" in n or n.endswith(".rs") for n in names)


def test_wasm_package() -> None:
    package, names = npm_package(one(rf"driftguard-wasm-{re.escape(VERSION)}\.tgz"))
    assert package["name"] == "driftguard-wasm" and package["version"] == VERSION
    for f in [
        "dist/web/driftguard_wasm.js",
        "dist/web/driftguard_wasm_bg.wasm",
        "dist/web/driftguard_wasm.d.ts",
        "dist/node/driftguard_wasm.js",
        "dist/viewer/index.html",
    ]:
        assert f"package/{f}" in names, f
    assert not any(n.endswith(".rs") or "/tests/" in n for n in names)


@pytest.mark.parametrize("pkg", ["driftguard-node", "driftguard-wasm"])
def test_npm_packages_ship_their_changelog(pkg: str) -> None:
    name = "driftguard" if pkg == "driftguard-node" else "driftguard-wasm"
    _, names = npm_package(one(rf"{name}-{re.escape(VERSION)}\.tgz"))
    assert "package/CHANGELOG.md" in names, f"{pkg}: add CHANGELOG.md to package.json `files`"
