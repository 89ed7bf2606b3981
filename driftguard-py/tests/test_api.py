"""The Python API: load, diff, typed changes, reports, policies, rules."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import driftguard
import pytest
from driftguard import Change, Policy, Report, Snapshot

OLD = {
    "openapi": "3.0.3",
    "info": {"title": "Shop", "version": "1.0.0"},
    "paths": {
        "/orders/{id}": {
            "get": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["id", "total"],
                                    "properties": {
                                        "id": {"type": "string"},
                                        "total": {"type": "number"},
                                    },
                                }
                            }
                        },
                    }
                },
            }
        }
    },
}


def changed() -> dict:
    new = json.loads(json.dumps(OLD))
    props = new["paths"]["/orders/{id}"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    del props["properties"]["total"]
    props["required"] = ["id"]
    props["properties"]["note"] = {"type": "string"}
    return new


def test_diff_of_python_dicts_gives_typed_changes() -> None:
    report = driftguard.diff(OLD, changed())
    assert isinstance(report, Report)
    assert report.max_severity == "breaking"
    assert report.summary == {"breaking": 1, "dangerous": 0, "safe": 1}
    assert len(report) == 2 and report.failed and report.fail_on == "breaking"
    rules = [(c.rule, c.severity, c.position) for c in report.changes]
    assert rules == [
        ("property-added-optional", "safe", "output"),
        ("property-removed", "breaking", "output"),
    ]
    removed = report.changes[1]
    assert isinstance(removed, Change)
    assert removed.pointer.startswith("/surface/")
    assert removed.path.startswith("GET /orders/{id}")
    assert removed.before == {"type": "number"} or removed.before is not None
    assert removed.after is None
    assert removed.tags == []
    assert removed.to_dict()["rule"] == "property-removed"
    assert "property-removed" in repr(removed)


def test_load_accepts_every_source_kind(tmp_path: Path) -> None:
    text = json.dumps(OLD)
    path = tmp_path / "openapi.json"
    path.write_text(text)
    yaml_text = "openapi: 3.0.3\ninfo: {title: Shop, version: 1.0.0}\npaths: {}\n"
    a = driftguard.load(OLD)
    assert a.kind == "openapi" and a.digest.startswith("sha256:") and len(a.digest) == 71
    for same in (text, text.encode(), bytearray(text.encode()), path, str(path), a):
        assert driftguard.load(same) == a
    assert driftguard.load(yaml_text).meta["title"] == "Shop"
    assert hash(driftguard.load(OLD)) == hash(a)
    assert a.format == driftguard.SNAPSHOT_FORMAT == "driftguard.snapshot/1"
    with pytest.raises(FileNotFoundError):
        driftguard.load(str(tmp_path / "missing.yaml"))


def test_snapshot_json_round_trips_and_matches_the_cli_bytes(tmp_path: Path) -> None:
    s = driftguard.load(OLD)
    pretty = s.to_json(pretty=True)
    assert pretty.endswith("}\n") and pretty.startswith('{\n  "digest": ')
    back = driftguard.load(pretty, "snapshot")
    assert back == s and back.to_json() == s.to_json()
    assert s.to_dict()["digest"] == s.digest
    tagged = s.with_source({"url": "https://example.invalid/openapi.json"})
    assert tagged == s and tagged.source == {"url": "https://example.invalid/openapi.json"}
    assert json.loads(tagged.to_json())["source"]["url"].endswith("openapi.json")


def test_policies_in_every_form(tmp_path: Path) -> None:
    new = changed()
    toml = 'fail_on = "never"\n[overrides]\nproperty-removed = "dangerous"\n'
    (tmp_path / "p.toml").write_text(toml)
    (tmp_path / "p.json").write_text(
        json.dumps({"fail_on": "never", "overrides": {"property-removed": "dangerous"}})
    )
    for policy in (
        Policy.from_toml(toml),
        {"fail_on": "never", "overrides": {"property-removed": "dangerous"}},
        tmp_path / "p.toml",
        str(tmp_path / "p.json"),
        toml,
    ):
        r = driftguard.diff(OLD, new, policy)
        assert r.max_severity == "dangerous" and not r.failed and r.fail_on == "never", policy
    assert Policy(fail_on="safe").fail_on == "safe"
    assert Policy().with_fail_on("dangerous").fail_on == "dangerous"
    assert Policy.from_toml('profile = "strict"').profile == "strict"


def test_ignores_and_today() -> None:
    policy = {
        "ignore": [
            {
                "rule": "property-removed",
                "location": "**",
                "reason": "agreed with clients",
                "expires": "2026-01-31",
            }
        ]
    }
    r = driftguard.diff(OLD, changed(), policy, today=dt.date(2026, 1, 1))
    assert [c.rule for c in r.changes] == ["property-added-optional"]
    assert [(i.change.rule, i.reason) for i in r.ignored] == [
        ("property-removed", "agreed with clients")
    ]
    late = driftguard.diff(OLD, changed(), policy, today="2026-02-01")
    assert "policy-ignore-expired" in [c.rule for c in late.changes]
    with pytest.raises(driftguard.errors.ConfigError):
        driftguard.diff(OLD, changed(), policy, today="2026-13-01")


def test_every_render_format_and_report_round_trip() -> None:
    r = driftguard.diff(OLD, changed())
    for fmt in ("text", "json", "markdown", "github", "junit", "sarif"):
        out = r.render(fmt)
        assert out.endswith("\n") and not out.endswith("\n\n"), fmt
    assert "\x1b[" in r.render("text", color=True) and "\x1b[" not in r.render("text")
    doc = json.loads(r.render("json"))
    assert doc == r.to_dict()
    again = Report.from_dict(doc)
    assert again.render("markdown") == r.render("markdown")
    assert Report.from_json(r.render("json")).changes == r.changes
    assert '"version": "' + driftguard.__version__ in r.render("sarif")
    assert "::error file=api.yaml" in r.render("github", file="api.yaml")
    with pytest.raises(driftguard.errors.InvalidError):
        Report.from_dict({"changes": "no"})


def test_no_changes() -> None:
    r = driftguard.diff(OLD, OLD)
    assert r.max_severity is None and len(r) == 0 and not r.failed
    assert r.render() == "no changes\n"
    assert r.old == r.new == driftguard.load(OLD).digest


def test_samples_from_objects_and_bytes() -> None:
    a = driftguard._driftguard.load_samples([{"id": 1, "tags": ["a"]}, {"id": 2, "tags": []}])
    b = driftguard._driftguard.load_samples([b'{"id": 1, "tags": ["a"]}', b'{"tags": [], "id": 2}'])
    assert a == b and a.kind == "samples"
    with pytest.raises(driftguard.errors.ParseError):
        driftguard._driftguard.load_samples([b'{"id": 1, "id": 2}'])


def test_rules_registry() -> None:
    rules = driftguard.rules()
    assert len(rules) == 198
    ids = [r["id"] for r in rules]
    assert len(set(ids)) == len(ids)
    assert {"property-removed", "mcp-tool-removed", "type-changed"} <= set(ids)
    assert all(r["description"] for r in rules)


def test_native_types_are_what_the_package_exports() -> None:
    assert Snapshot is driftguard._driftguard.Snapshot
    assert driftguard.__version__ == driftguard._driftguard.__version__
