"""The pre-commit hooks (.pre-commit-hooks.yaml) through `pre-commit try-repo` on a
temporary git repository, with this checkout's CLIs on PATH (language system/script:
nothing is built inside pre-commit)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

V1 = ROOT / "examples/contracts/petstore-v1.yaml"
V2 = ROOT / "examples/contracts/petstore-v2.yaml"
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]


class Repo:
    def __init__(self, path: Path, bin_dir: Path, home: Path) -> None:
        self.path = path
        path.mkdir()
        self.env = {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(home),
            "PRE_COMMIT_HOME": str(home / "pre-commit-cache"),
            "DRIFTGUARD_NOW": "2026-11-24T00:00:00Z",
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        self.git("init", "-q")

    def git(self, *args: str) -> None:
        subprocess.run([*GIT, *args], cwd=self.path, env=self.env, check=True, capture_output=True)

    def try_repo(self, hook: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PRE_COMMIT), "try-repo", str(ROOT), hook, "--color", "never", *args],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


@pytest.fixture()
def repo(tmp_path: Path, bin_dir: Path) -> Repo:
    return Repo(tmp_path / "repo", bin_dir, tmp_path)


def test_hooks_file_declares_both_hooks_without_building() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"driftguard-check", "driftguard-snapshot"}
    assert hooks["driftguard-check"]["language"] == "system"
    assert hooks["driftguard-check"]["entry"] == "driftguard check"
    assert hooks["driftguard-snapshot"]["language"] == "script"
    assert (ROOT / hooks["driftguard-snapshot"]["entry"]).stat().st_mode & 0o111


def test_snapshot_hook_missing_current_and_stale(repo: Repo, native_cli: Path) -> None:
    shutil.copy(V1, repo.path / "openapi.yaml")
    (repo.path / "ci.yaml").write_text("not: a contract\n")  # not matched by the hook's files
    repo.git("add", ".")
    r = repo.try_repo("driftguard-snapshot", "--all-files")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "openapi.yaml: no committed snapshot openapi.snapshot.json" in r.stdout
    assert "openapi.yaml: to accept: driftguard snapshot openapi.yaml > openapi.snapshot.json" in r.stdout
    assert not (repo.path / "openapi.snapshot.json").exists()  # never written without --write

    snap = subprocess.run([str(native_cli), "snapshot", "openapi.yaml"], cwd=repo.path, capture_output=True, check=True)
    (repo.path / "openapi.snapshot.json").write_bytes(snap.stdout)
    repo.git("add", ".")
    repo.git("commit", "-qm", "v1 and its snapshot")
    r = repo.try_repo("driftguard-snapshot", "--all-files")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "contract snapshots up to date" in r.stdout and "Passed" in r.stdout

    shutil.copy(V2, repo.path / "openapi.yaml")
    repo.git("add", "openapi.yaml")
    r = repo.try_repo("driftguard-snapshot", "--files", "openapi.yaml")
    assert r.returncode == 1
    assert "openapi.yaml: differs from its snapshot openapi.snapshot.json:" in r.stdout
    assert "  3 breaking, 5 dangerous, 8 safe" in r.stdout
    assert "  BREAKING  operation-removed  DELETE /store/orders/{orderId}" in r.stdout
    assert "openapi.yaml: to accept: driftguard snapshot openapi.yaml > openapi.snapshot.json" in r.stdout
    assert (repo.path / "openapi.snapshot.json").read_bytes() == snap.stdout


def test_snapshot_script_write_and_threshold(repo: Repo, native_cli: Path) -> None:
    script = ROOT / "tools/pre-commit/contract-snapshot.sh"
    shutil.copy(V1, repo.path / "openapi.yaml")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(script), *args], cwd=repo.path, env=repo.env, capture_output=True, text=True, check=False
        )

    r = run("--write", "openapi.yaml")
    assert r.returncode == 1
    assert (
        r.stdout
        == "openapi.yaml: no committed snapshot openapi.snapshot.json\nopenapi.yaml: wrote openapi.snapshot.json: review it and git add it\n"
    )
    expected = subprocess.run(
        [str(native_cli), "snapshot", "openapi.yaml"], cwd=repo.path, capture_output=True, check=False
    ).stdout
    assert (repo.path / "openapi.snapshot.json").read_bytes() == expected
    assert run("openapi.yaml").returncode == 0
    # petstore v1 → v2 has breaking changes: --fail-on breaking still fails on them.
    shutil.copy(V2, repo.path / "openapi.yaml")
    assert run("--fail-on", "breaking", "openapi.yaml").returncode == 1
    # A description-only edit is safe: below `dangerous`, the hook passes and says so.
    shutil.copy(V1, repo.path / "openapi.yaml")
    text = (repo.path / "openapi.yaml").read_text()
    (repo.path / "openapi.yaml").write_text(text.replace("The order's id.", "The id of the order."))
    r = run("--fail-on", "dangerous", "openapi.yaml")
    assert r.returncode == 0, r.stdout
    assert "openapi.yaml: every change is below dangerous; passing (the snapshot is stale: update it)" in r.stdout
    assert run("openapi.yaml").returncode == 1
    r = run("--fail-on", "never", "openapi.yaml")
    assert (r.returncode, r.stderr) == (
        2,
        "error[E_USAGE]: --fail-on must be breaking, dangerous or safe, got 'never'\n",
    )
    (repo.path / "broken.yaml").write_text("openapi: [\n")
    r = run("broken.yaml")
    assert r.returncode == 1
    assert r.stderr.startswith("broken.yaml: error[E_PARSE]: ")


def test_check_hook(tmp_path: Path, py_cli: Path) -> None:
    bin_dir = tmp_path / "pybin"
    bin_dir.mkdir()
    (bin_dir / "driftguard").symlink_to(py_cli)
    repo = Repo(tmp_path / "repo", bin_dir, tmp_path)
    shutil.copy(V1, repo.path / "openapi.yaml")
    (repo.path / "driftguard.toml").write_text('[[surface]]\nname = "public-api"\nfile = "openapi.yaml"\n')
    approve = subprocess.run(
        ["driftguard", "approve"], cwd=repo.path, env=repo.env, capture_output=True, text=True, check=False
    )
    assert approve.returncode == 0, approve.stderr
    repo.git("add", ".")
    r = repo.try_repo("driftguard-check", "--all-files")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "driftguard check (driftguard.toml against driftguard.lock)" in r.stdout and "Passed" in r.stdout
    shutil.copy(V2, repo.path / "openapi.yaml")
    repo.git("add", ".")
    r = repo.try_repo("driftguard-check", "--all-files")
    assert r.returncode == 1
    assert "- exit code: 1" in r.stdout
    assert "operation-removed" in r.stdout
