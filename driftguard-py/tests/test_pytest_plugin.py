"""The pytest plugin (`contract_snapshot`, `--driftguard-update`, [tool.driftguard]),
run in real pytest sessions with `pytester`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import driftguard
import pytest

CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Orders", "version": "1.0.0"},
    "paths": {
        "/orders": {
            "get": {
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["id"],
                                    "properties": {"id": {"type": "string"}},
                                }
                            }
                        },
                    }
                }
            }
        }
    },
}

TEST_FILE = """
import json

def test_public_api(contract_snapshot):
    with open("contract.json") as f:
        contract = json.load(f)
    contract_snapshot(contract, name="public-api")
"""


def _schema(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"]["/orders"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]


def with_safe_change() -> dict[str, Any]:
    doc = json.loads(json.dumps(CONTRACT))
    _schema(doc)["properties"]["note"] = {"type": "string"}
    return doc


def with_breaking_change() -> dict[str, Any]:
    doc = json.loads(json.dumps(CONTRACT))
    _schema(doc)["properties"]["id"] = {"type": "integer"}
    return doc


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyprojecttoml('[tool.driftguard]\nfail_on = "breaking"\nbaselines = "contracts"\n')
    pytester.makepyfile(test_contract_api=TEST_FILE)
    (pytester.path / "contract.json").write_text(json.dumps(CONTRACT))
    return pytester


def publish(pytester: pytest.Pytester, doc: dict[str, Any]) -> None:
    (pytester.path / "contract.json").write_text(json.dumps(doc))


def baseline(pytester: pytest.Pytester) -> Path:
    return pytester.path / "contracts" / "public-api.snapshot.json"


def test_the_whole_workflow(project: pytest.Pytester) -> None:
    # No baseline yet: a clear failure that says what to do.
    r = project.runpytest()
    r.assert_outcomes(failed=1)
    r.stdout.fnmatch_lines(
        [
            "*driftguard: no baseline for contract 'public-api' at *public-api.snapshot.json;*"
            "pytest --driftguard-update*"
        ]
    )
    assert not baseline(project).exists()

    # --driftguard-update writes it: the snapshot `driftguard capture` would write.
    r = project.runpytest("--driftguard-update")
    r.assert_outcomes(passed=1)
    r.stdout.fnmatch_lines(
        ["*= driftguard =*", "public-api: baseline created -> *public-api.snapshot.json"]
    )
    assert baseline(project).read_text() == driftguard.load(CONTRACT).to_json(pretty=True)

    # Unchanged: passes silently.
    r = project.runpytest()
    r.assert_outcomes(passed=1)
    assert "= driftguard =" not in r.stdout.str()

    # A safe change passes and is reported.
    publish(project, with_safe_change())
    r = project.runpytest()
    r.assert_outcomes(passed=1)
    r.stdout.fnmatch_lines(
        [
            "public-api: 1 safe change below the 'breaking' threshold (passed;*",
            "*property-added-optional*",
        ]
    )

    # A breaking change fails with the Markdown report.
    publish(project, with_breaking_change())
    r = project.runpytest()
    r.assert_outcomes(failed=1)
    out = r.stdout.str()
    assert (
        "driftguard: contract 'public-api' has changes at or above 'breaking' (1 breaking change)"
        in out
    )
    assert "## DriftGuard report" in out and "`type-changed`" in out
    before = baseline(project).read_text()

    # Accepting it updates the baseline; then it passes.
    r = project.runpytest("--driftguard-update")
    r.assert_outcomes(passed=1)
    r.stdout.fnmatch_lines(["public-api: baseline updated (1 breaking change) -> *"])
    assert baseline(project).read_text() != before
    assert baseline(project).read_text() == driftguard.load(with_breaking_change()).to_json(
        pretty=True
    )
    project.runpytest().assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("fail_on", "change", "outcome"),
    [
        ("never", with_breaking_change, "passed"),
        ("dangerous", with_breaking_change, "failed"),
        ("safe", with_safe_change, "failed"),
        ("breaking", with_safe_change, "passed"),
    ],
)
def test_threshold_from_pyproject(
    project: pytest.Pytester, fail_on: str, change: Any, outcome: str
) -> None:
    project.makepyprojecttoml(
        f'[tool.driftguard]\nfail_on = "{fail_on}"\nbaselines = "contracts"\n'
    )
    project.runpytest("--driftguard-update").assert_outcomes(passed=1)
    publish(project, change())
    project.runpytest().assert_outcomes(**{outcome: 1})


def test_policy_file_and_defaults(pytester: pytest.Pytester) -> None:
    # No [tool.driftguard]: baselines go to ./contracts, threshold breaking. A policy
    # file downgrading the rule makes the breaking change pass.
    pytester.makepyfile(test_contract_api=TEST_FILE)
    publish(pytester, CONTRACT)
    pytester.runpytest("--driftguard-update").assert_outcomes(passed=1)
    assert baseline(pytester).exists()
    publish(pytester, with_breaking_change())
    pytester.runpytest().assert_outcomes(failed=1)
    (pytester.path / "driftguard.toml").write_text('[overrides]\ntype-changed = "dangerous"\n')
    pytester.makepyprojecttoml('[tool.driftguard]\npolicy = "driftguard.toml"\n')
    r = pytester.runpytest()
    r.assert_outcomes(passed=1)
    r.stdout.fnmatch_lines(["public-api: 1 dangerous change below the 'breaking' threshold*"])


def test_bad_settings_are_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_contract_api=TEST_FILE)
    pytester.makepyprojecttoml('[tool.driftguard]\nfail_on = "sometimes"\n')
    r = pytester.runpytest()
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "ERROR: [tool.driftguard] fail_on = 'sometimes': "
        "use one of breaking, dangerous, safe, never" in r.stderr.str()
    )
    pytester.makepyprojecttoml('[tool.driftguard]\nthreshold = "safe"\n')
    r = pytester.runpytest()
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    assert "[tool.driftguard] has unknown key(s) threshold" in r.stderr.str()


def test_bad_names_and_contracts_fail_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_contract_names="""
import pytest
import driftguard

def test_bad_name(contract_snapshot):
    with pytest.raises(ValueError, match="contract name '../x'"):
        contract_snapshot({"type": "object"}, name="../x")

def test_bad_contract(contract_snapshot):
    with pytest.raises(driftguard.errors.ParseError):
        contract_snapshot(b'{"openapi": ', name="broken")
"""
    )
    pytester.runpytest("--driftguard-update").assert_outcomes(passed=2)
