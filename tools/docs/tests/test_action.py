"""The GitHub Action (action.yml + action/run.sh) run locally with a fake GITHUB_*
environment: annotations on stdout, the job summary file, $GITHUB_OUTPUT, SARIF, exit codes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

RUN = ROOT / "action/run.sh"
V1 = ROOT / "examples/contracts/petstore-v1.yaml"
V2 = ROOT / "examples/contracts/petstore-v2.yaml"


class Gha:
    """A fake runner: workspace, summary and output files."""

    def __init__(self, tmp: Path, cli: str) -> None:
        self.ws = tmp / "ws"
        self.ws.mkdir()
        (tmp / "runner-temp").mkdir()
        self.summary = tmp / "summary.md"
        self.output = tmp / "output.txt"
        self.summary.write_text("")
        self.output.write_text("")
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp),
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.ws),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_OUTPUT": str(self.output),
            "RUNNER_TEMP": str(tmp / "runner-temp"),
            "DG_CLI": cli,
        }

    def run(self, **inputs: str) -> subprocess.CompletedProcess[str]:
        env = dict(self.env)
        env.update({f"DG_{k.upper()}": v for k, v in inputs.items()})
        return subprocess.run(
            ["bash", str(RUN)], cwd=self.ws, env=env, capture_output=True, text=True, timeout=60, check=False
        )

    def outputs(self) -> dict[str, str]:
        return dict(line.split("=", 1) for line in self.output.read_text().splitlines())


def cli_out(cli: Path, *args: str, cwd: Path) -> str:
    return subprocess.run([str(cli), *args], cwd=cwd, capture_output=True, text=True, check=False).stdout


@pytest.fixture()
def gha(tmp_path: Path, native_cli: Path) -> Gha:
    g = Gha(tmp_path, str(native_cli))
    shutil.copy(V1, g.ws / "old.yaml")
    shutil.copy(V2, g.ws / "openapi.yaml")
    return g


def test_diff_breaking_annotates_summarizes_and_fails(gha: Gha, native_cli: Path) -> None:
    r = gha.run(old="old.yaml", new="openapi.yaml")
    assert r.returncode == 1, r.stderr
    # The annotations are exactly the CLI's `--format github` output.
    assert r.stdout == cli_out(native_cli, "diff", "old.yaml", "openapi.yaml", "--format", "github", cwd=gha.ws)
    assert r.stdout.count("::error file=openapi.yaml,") == 3
    assert "::error file=openapi.yaml,title=operation-removed (breaking)::DELETE /store/orders/{orderId}" in r.stdout
    markdown = cli_out(native_cli, "diff", "old.yaml", "openapi.yaml", "--format", "markdown", cwd=gha.ws)
    assert gha.summary.read_text() == (
        "## DriftGuard: `old.yaml` → `openapi.yaml`\n\n" + markdown + "\n**Failed:** changes at or above `breaking`.\n"
    )
    assert gha.outputs() == {"exit-code": "1", "breaking": "3", "dangerous": "5", "safe": "8"}
    assert not (gha.ws / "driftguard.sarif").exists()


def test_threshold_never_passes_and_dangerous_fails(gha: Gha) -> None:
    r = gha.run(old="old.yaml", new="openapi.yaml", fail_on="never")
    assert r.returncode == 0, r.stderr
    assert gha.summary.read_text().endswith("\n**Passed.**\n")
    assert gha.outputs()["exit-code"] == "0"
    # Same contract: nothing at any threshold.
    r = gha.run(old="openapi.yaml", new="openapi.yaml", fail_on="safe")
    assert (r.returncode, r.stdout) == (0, "::notice title=DriftGuard::no changes\n")


def test_sarif_written_when_asked(gha: Gha) -> None:
    (gha.ws / "taken").write_text("a file, not a directory")
    r = gha.run(old="old.yaml", new="openapi.yaml", sarif="true", sarif_file="taken/drift.sarif")
    assert r.returncode == 2  # cannot be written: an error, never a silent loss
    assert "::error title=DriftGuard::cannot write the SARIF file taken/drift.sarif" in r.stdout
    gha.output.write_text("")
    r = gha.run(old="old.yaml", new="openapi.yaml", sarif="true", sarif_file="out/drift.sarif")
    assert r.returncode == 1, r.stderr
    sarif = json.loads((gha.ws / "out/drift.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert len(results) == 16
    assert sorted({x["level"] for x in results}) == ["error", "note", "warning"]
    assert gha.outputs()["sarif-file"] == "out/drift.sarif"


def test_base_ref_reads_the_old_contract_from_git(gha: Gha) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    shutil.copy(V1, gha.ws / "openapi.yaml")
    subprocess.run(["git", "init", "-q"], cwd=gha.ws, check=True)
    subprocess.run([*git, "add", "openapi.yaml"], cwd=gha.ws, check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], cwd=gha.ws, check=True)
    shutil.copy(V2, gha.ws / "openapi.yaml")
    r = gha.run(new="openapi.yaml", base_ref="HEAD")
    assert r.returncode == 1, r.stderr
    assert r.stdout.count("::error file=openapi.yaml,") == 3
    assert gha.summary.read_text().startswith("## DriftGuard: `openapi.yaml` at `HEAD` → `openapi.yaml`\n")
    r = gha.run(new="openapi.yaml", base_ref="no-such-ref")
    assert r.returncode == 2
    assert r.stdout.startswith("::error title=DriftGuard::cannot read openapi.yaml at no-such-ref: ")


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"command": "lint"}, "command must be diff or check, got 'lint'"),
        (
            {"fail_on": "major", "new": "openapi.yaml"},
            "fail-on must be breaking, dangerous, safe or never, got 'major'",
        ),
        ({"sarif": "yes"}, "sarif must be true or false, got 'yes'"),
        ({"old": "old.yaml"}, "diff needs the 'new' input (the contract as it is now)"),
        ({"new": "openapi.yaml"}, "diff needs the 'old' input or 'base-ref'"),
        (
            {"cli": "/no/such/driftguard", "old": "old.yaml", "new": "openapi.yaml"},
            "the driftguard command '/no/such/driftguard' was not found: install it in an earlier step (pip install, npm install) or set the 'driftguard' input",
        ),
    ],
)
def test_bad_inputs_are_errors(gha: Gha, inputs: dict[str, str], message: str) -> None:
    r = gha.run(**inputs)
    assert r.returncode == 2
    assert r.stdout == f"::error title=DriftGuard::{message}\n"
    assert gha.summary.read_text() == f"## DriftGuard\n\n**Error:** {message}\n"
    assert gha.outputs() == {"exit-code": "2"}


def test_unreadable_contract_is_an_error_annotation(gha: Gha) -> None:
    (gha.ws / "broken.yaml").write_text("openapi: [\n")
    r = gha.run(old="old.yaml", new="broken.yaml")
    assert r.returncode == 2
    assert re.fullmatch(r"::error title=DriftGuard::error\[E_PARSE\]: [^\n]+\n", r.stdout), r.stdout
    assert "**Error** (exit 2):" in gha.summary.read_text()
    assert "error[E_PARSE]" in gha.summary.read_text()


def test_check_with_the_python_cli(tmp_path: Path, py_cli: Path) -> None:
    g = Gha(tmp_path, str(py_cli))
    g.env["DRIFTGUARD_NOW"] = "2026-11-24T00:00:00Z"
    shutil.copy(V1, g.ws / "openapi.yaml")
    (g.ws / "driftguard.toml").write_text('[[surface]]\nname = "public-api"\nfile = "openapi.yaml"\n')
    approve = subprocess.run([str(py_cli), "approve"], cwd=g.ws, env=g.env, capture_output=True, text=True, check=False)
    assert approve.returncode == 0, approve.stderr
    r = g.run(command="check")
    assert (r.returncode, r.stdout) == (0, "::notice title=DriftGuard::1 unchanged — exit 0\n"), r.stderr
    assert g.summary.read_text().endswith("**Passed.**\n")
    shutil.copy(V2, g.ws / "openapi.yaml")
    g.summary.write_text("")
    r = g.run(command="check", sarif="true")
    assert r.returncode == 1, r.stderr
    assert r.stdout.count("::error ") == 3
    assert r.stdout.endswith(
        "::warning title=DriftGuard::SARIF is written by diff only; check reports annotations and the summary\n"
    )
    summary = g.summary.read_text()
    assert summary.startswith("## DriftGuard: check of `driftguard.toml`\n\n")
    assert summary.endswith("**Failed:** drift that fails the policy.\n")
    assert "operation-removed" in summary
    r = g.run(command="check", surfaces="no-such-surface")
    assert r.returncode == 2
    assert r.stdout.startswith("::error title=DriftGuard::")


def test_action_yml_passes_every_input_to_the_script() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    main = steps[0]
    assert main["run"] == 'bash "${{ github.action_path }}/action/run.sh"'
    script_vars = set(re.findall(r"\$\{?(DG_[A-Z_]+)", RUN.read_text()))
    assert set(main["env"]) == script_vars
    used_inputs = set(re.findall(r"inputs\.([a-z-]+)", yaml.safe_dump(action["runs"])))
    assert used_inputs == set(action["inputs"])
    upload = steps[1]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["if"].startswith("${{ always() && inputs.sarif == 'true'")
    for name, out in action["outputs"].items():
        assert out["value"] == f"${{{{ steps.driftguard.outputs.{name} }}}}"
