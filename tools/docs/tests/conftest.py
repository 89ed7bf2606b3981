"""Shared fixtures of the docs, action and pre-commit tests (run by scripts/test.sh docs).

The CLIs under test are this checkout's builds:
* the native example CLI (`driftguard diff | snapshot | rules`), DRIFTGUARD_NATIVE_CLI or
  target/debug/examples/driftguard (`cargo build -p driftguard-core --example driftguard`);
* the Python CLI (adds capture, approve, check), DRIFTGUARD_PY_CLI or
  driftguard-py/.venv/bin/driftguard (stage python installs the wheel there).
"""

from __future__ import annotations

import os
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
