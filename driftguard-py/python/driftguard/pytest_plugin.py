"""pytest plugin: check a contract against a committed baseline snapshot.

Registered through the ``pytest11`` entry point, so installing ``driftguard`` is enough::

    def test_public_api_contract(contract_snapshot):
        contract_snapshot(app.openapi(), name="public-api")

The first run fails (no baseline yet); ``pytest --driftguard-update`` writes
``<baselines>/public-api.snapshot.json`` — commit it. Later runs diff the contract against
it: a change at or above the threshold fails the test with the Markdown report; smaller
changes pass and are listed in the ``driftguard`` section of the summary. Accept an
intended change with ``pytest --driftguard-update`` (and review the baseline's diff).

Settings, in ``pyproject.toml``::

    [tool.driftguard]
    fail_on = "breaking"        # breaking (default), dangerous, safe, never
    baselines = "contracts"     # folder of the baselines, relative to the rootdir
    policy = "driftguard.toml"  # optional policy file (TOML or JSON), relative to the rootdir
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ._api import Source, diff, load, load_policy
from ._driftguard import Policy, Report

__all__ = ["ContractSnapshot", "Settings", "contract_snapshot"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_THRESHOLDS = ("breaking", "dangerous", "safe", "never")


@dataclass
class Settings:
    """``[tool.driftguard]`` of the rootdir's ``pyproject.toml``."""

    fail_on: str = "breaking"
    baselines: Path = Path("contracts")
    policy: Policy | None = None
    update: bool = False
    notes: list[str] = field(default_factory=list)


def _read_pyproject(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.exists():
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    with open(path, "rb") as f:
        table = tomllib.load(f).get("tool", {}).get("driftguard", {})
    if not isinstance(table, dict):
        raise pytest.UsageError("[tool.driftguard] in pyproject.toml must be a table")
    unknown = sorted(set(table) - {"fail_on", "baselines", "policy"})
    if unknown:
        raise pytest.UsageError(
            f"[tool.driftguard] has unknown key(s) {', '.join(unknown)} "
            "(known: fail_on, baselines, policy)"
        )
    return table


def _settings(config: pytest.Config) -> Settings:
    root = Path(config.rootpath)
    table = _read_pyproject(root)
    policy = None
    if "policy" in table:
        try:
            policy = load_policy(root / str(table["policy"]))
        except OSError as e:
            raise pytest.UsageError(f"[tool.driftguard] policy: cannot read {e.filename}") from e
    fail_on = str(table.get("fail_on", policy.fail_on if policy else "breaking"))
    if fail_on not in _THRESHOLDS:
        raise pytest.UsageError(
            f"[tool.driftguard] fail_on = {fail_on!r}: use one of {', '.join(_THRESHOLDS)}"
        )
    policy = policy.with_fail_on(fail_on) if policy else Policy(fail_on=fail_on)
    return Settings(
        fail_on=fail_on,
        baselines=root / str(table.get("baselines", "contracts")),
        policy=policy,
        update=bool(config.getoption("driftguard_update")),
    )


_SETTINGS = pytest.StashKey[Settings]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("driftguard", "contract drift (driftguard)")
    group.addoption(
        "--driftguard-update",
        action="store_true",
        default=False,
        dest="driftguard_update",
        help="write or update the baseline snapshots that contract_snapshot compares with",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_SETTINGS] = _settings(config)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    settings = config.stash.get(_SETTINGS, None)
    if settings is None or not settings.notes:
        return
    terminalreporter.section("driftguard")
    for note in settings.notes:
        terminalreporter.write_line(note)


class ContractSnapshot:
    """The ``contract_snapshot`` fixture's value: call it with a contract and a name."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def path(self, name: str) -> Path:
        """Where the baseline of ``name`` lives."""
        if not _NAME.match(name):
            raise ValueError(
                f"contract name {name!r}: use letters, digits, '.', '_' and '-' (a file name)"
            )
        return self._settings.baselines / f"{name}.snapshot.json"

    def __call__(self, contract: Source, *, name: str, format: str | None = None) -> Report | None:
        """Compares ``contract`` (anything :func:`driftguard.load` takes: ``app.openapi()``,
        a path, a URL, a snapshot…) with its baseline ``name``. Fails the test on a change
        at or above ``fail_on``; returns the report (None when a baseline was created)."""
        s = self._settings
        path = self.path(name)
        new = load(contract, format)
        text = new.with_source(None).to_json(pretty=True)
        if s.update:
            report = None
            if path.exists():
                report = diff(load(path, "snapshot"), new, s.policy)
                if len(report) == 0:
                    return report
                s.notes.append(f"{name}: baseline updated ({_counts(report)}) -> {path}")
            else:
                s.notes.append(f"{name}: baseline created -> {path}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return report
        if not path.exists():
            pytest.fail(
                f"driftguard: no baseline for contract {name!r} at {path}; "
                "run `pytest --driftguard-update` to create it, then commit it",
                pytrace=False,
            )
        report = diff(load(path, "snapshot"), new, s.policy)
        if report.failed:
            pytest.fail(
                f"driftguard: contract {name!r} has changes at or above {s.fail_on!r} "
                f"({_counts(report)}); if they are intended, accept them with "
                f"`pytest --driftguard-update`\n\n{report.render('markdown')}",
                pytrace=False,
            )
        if len(report):
            lines = report.render("text", fail_on=s.fail_on).rstrip("\n")
            s.notes.append(
                f"{name}: {_counts(report)} below the {s.fail_on!r} threshold "
                f"(passed; `pytest --driftguard-update` records them)\n{lines}"
            )
        return report


def _counts(report: Report) -> str:
    parts = [f"{n} {sev}" for sev, n in report.summary.items() if n]
    return ", ".join(parts) + (" change" if len(report) == 1 else " changes")


@pytest.fixture
def contract_snapshot(request: pytest.FixtureRequest) -> ContractSnapshot:
    """Checks a contract against its committed baseline snapshot (see the module docs)."""
    return ContractSnapshot(request.config.stash[_SETTINGS])
