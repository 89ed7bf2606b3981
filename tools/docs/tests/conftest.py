"""Shared fixtures of the docs, action and pre-commit tests (run by scripts/test.sh docs).

The CLIs under test are this checkout's builds:
* the native example CLI (`driftguard diff | snapshot | rules`), DRIFTGUARD_NATIVE_CLI or
  target/debug/examples/driftguard (`cargo build -p driftguard-core --example driftguard`);
* the Python CLI (adds capture, approve, check), DRIFTGUARD_PY_CLI or
  driftguard-py/.venv/bin/driftguard (stage python installs the wheel there).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _need(path: Path, how: str) -> Path:
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{path} is missing: {how}", pytrace=False)
    return path


@pytest.fixture(scope="session")
def native_cli() -> Path:
    env = os.environ.get("DRIFTGUARD_NATIVE_CLI")
    path = Path(env) if env else ROOT / "target/debug/examples/driftguard"
    return _need(path, "cargo build -p driftguard-core --example driftguard")


@pytest.fixture(scope="session")
def py_cli() -> Path:
    env = os.environ.get("DRIFTGUARD_PY_CLI")
    path = Path(env) if env else ROOT / "driftguard-py/.venv/bin/driftguard"
    return _need(path, "scripts/test.sh python (or maturin develop in driftguard-py/.venv)")


@pytest.fixture()
def bin_dir(tmp_path: Path, native_cli: Path) -> Path:
    """A directory holding `driftguard` → the native CLI, for PATH."""
    d = tmp_path / "bin"
    d.mkdir()
    (d / "driftguard").symlink_to(native_cli)
    return d


ARTIFACTS = ROOT / "target/release-artifacts"


def _artifact(pattern: str) -> Path:
    found = sorted(ARTIFACTS.glob(pattern)) if ARTIFACTS.is_dir() else []
    if len(found) != 1:
        pytest.fail(f"need exactly one {ARTIFACTS}/{pattern}: run tools/release/build.sh", pytrace=False)
    return found[0]


@pytest.fixture(scope="session")
def installed_py(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the released wheel installed as a user would (its dependencies
    from PyPI, held to the versions the package is tested with): its bin directory."""
    wheel = _artifact("driftguard-*-abi3-*.whl")
    venv = tmp_path_factory.mktemp("fresh-python") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    r = subprocess.run(
        [
            str(venv / "bin/pip"),
            "install",
            "-q",
            "--disable-pip-version-check",
            "-c",
            str(ROOT / "driftguard-py/ci/requirements.txt"),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if r.returncode != 0:
        pytest.fail(f"pip install {wheel.name} failed:\n{r.stderr}", pytrace=False)
    return venv / "bin"


@pytest.fixture(scope="session")
def installed_node(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the released npm tarball installed (`npm install`, offline from the
    cache `npm ci` filled): its node_modules."""
    tarball = _artifact("driftguard-[0-9]*.tgz")
    app = tmp_path_factory.mktemp("fresh-node")
    (app / "package.json").write_text('{"name": "consumer", "private": true}\n')
    r = subprocess.run(
        ["npm", "install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", str(tarball)],
        cwd=app,
        capture_output=True,
        text=True,
        check=False,
    )
    if r.returncode != 0:
        pytest.fail(f"npm install {tarball.name} failed:\n{r.stderr}", pytrace=False)
    return app / "node_modules"
