"""Shared fixtures: repository paths and the native example CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "conformance" / "vectors"
FIXTURES = REPO / "conformance" / "fixtures"


def native_cli_path() -> Path | None:
    """The native example CLI (`cargo build -p driftguard-core --example driftguard`, or the
    release one): the most recently built, unless DRIFTGUARD_NATIVE_CLI names one."""
    explicit = os.environ.get("DRIFTGUARD_NATIVE_CLI")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    built = [target / p / "examples" / "driftguard" for p in ("debug", "release")]
    built = [p for p in built if p.exists()]
    return max(built, key=lambda p: p.stat().st_mtime) if built else None


@pytest.fixture(scope="session")
def native_cli() -> Path:
    path = native_cli_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("the native example CLI is not built (scripts/test.sh python builds it)")
        cargo = shutil.which("cargo")
        if cargo is None:
            pytest.fail("cargo is needed to build the native example CLI")
        subprocess.run(
            [cargo, "build", "-p", "driftguard-core", "--example", "driftguard"],
            cwd=REPO,
            check=True,
        )
        path = native_cli_path()
        assert path is not None
    return path
