"""Every conformance vector through the Python API, as the Rust runner runs it.

normalize: each input → `driftguard.load` (bytes; `json` inputs also as Python objects,
which is the binding's own conversion path) → the exact snapshot or error code.
diff: both sides + policy + today → `driftguard.diff` → the exact list of changes.
render: the report → `Report.render` → the exact bytes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import driftguard
import pytest
from driftguard import DriftGuardError, Policy, Report
from vectors import VECTORS, discover, first_difference, input_bytes, read_vector

ALL = discover()
CODES = set(driftguard.errors.CORE_CODES)
EXPECTED_CHANGE_MEMBERS = {"path", "pointer", "position", "rule", "severity"}


def test_every_vector_kind_is_known() -> None:
    kinds = {v.split("/", 1)[0] for v in ALL}
    assert kinds == {"normalize", "diff", "render"}
    # The counts the Rust runner reports for this checkout (conformance/tests/vectors.rs).
    assert len(ALL) >= 556


def _load(form: str, value: Any, fmt: str | None) -> driftguard.Snapshot:
    if form == "samples":
        return driftguard._driftguard.load_samples(value)
    return driftguard.load(input_bytes(form, value), fmt)


def _outcome(fn: Any) -> tuple[str, Any]:
    try:
        return "ok", fn()
    except DriftGuardError as e:
        assert e.code in CODES, f"{type(e).__name__} has code {e.code}"
        assert isinstance(e, driftguard.errors.error_class(e.code))
        return "error", e.code


def _check_snapshot(expected: dict[str, Any], snapshot: driftguard.Snapshot) -> None:
    actual = json.loads(snapshot.to_json())
    assert "source" not in actual
    diff = first_difference(expected, actual)
    assert diff is None, f"snapshot differs: {diff}"
    digest = "sha256:" + hashlib.sha256(snapshot.canonical_bytes()).hexdigest()
    assert snapshot.digest == digest == actual["digest"]


def run_normalize(vector: dict[str, Any]) -> None:
    fmt = vector.get("format")
    expect = vector["expect"]
    for i, inp in enumerate(vector["inputs"]):
        ((form, value),) = inp.items()
        attempts = [("bytes", lambda form=form, value=value: _load(form, value, fmt))]
        if form == "json" and isinstance(value, (dict, list)):
            # A Python str is a path or document text to `load`, so only containers.
            attempts.append(("objects", lambda value=value: driftguard.load(value, fmt)))
        for how, attempt in attempts:
            kind, got = _outcome(attempt)
            where = f"input {i} ({form}, as {how})"
            if "error" in expect:
                assert (kind, got) == ("error", expect["error"]), f"{where}: got {kind} {got!r}"
            else:
                assert expect["snapshot"] is not None, "unblessed vector"
                assert kind == "ok", f"{where}: expected a snapshot, got error {got}"
                _check_snapshot(expect["snapshot"], got)


def _side(vector: dict[str, Any], name: str) -> driftguard.Snapshot:
    ((form, value),) = vector[name].items()
    return _load(form, value, vector.get("format"))


def run_diff(vector: dict[str, Any]) -> None:
    def produce() -> Report:
        old = _side(vector, "old")
        new = _side(vector, "new")
        policy = Policy.from_dict(vector["policy"]) if "policy" in vector else None
        return driftguard.diff(old, new, policy, vector.get("today"))

    kind, got = _outcome(produce)
    expect = vector["expect"]
    if "error" in expect:
        assert (kind, got) == ("error", expect["error"])
        return
    assert kind == "ok", f"expected changes, got error {got}"
    actual = [c.to_dict() for c in got.changes]
    expected = expect["changes"]
    projected = [{k: a.get(k) for k in e} for a, e in zip(actual, expected, strict=False)]
    assert len(actual) == len(expected) and projected == expected, (
        f"changes differ:\n  expected {expected}\n  actual "
        f"{[{k: a[k] for k in sorted(EXPECTED_CHANGE_MEMBERS)} for a in actual]}"
    )
    # The typed objects agree with their dict form.
    for c, d in zip(got.changes, actual, strict=False):
        assert (c.rule, c.severity, c.pointer, c.path, c.position) == (
            d["rule"],
            d["severity"],
            d["pointer"],
            d["path"],
            d["position"],
        )
        assert c.tags == d.get("tags", [])
        assert c.before == d.get("before") and c.after == d.get("after")


def run_render(vector: dict[str, Any]) -> None:
    options = vector.get("options", {})
    report = Report.from_dict(vector["report"])
    out = report.render(
        vector["format"],
        color=options.get("color", False),
        file=options.get("file"),
        fail_on=options.get("fail_on", "breaking"),
        tool_version=options.get("tool_version", ""),
    )
    assert vector["expect"]["output"] is not None, "unblessed vector"
    assert out == vector["expect"]["output"]


@pytest.mark.parametrize("name", ALL)
def test_vector(name: str) -> None:
    vector = read_vector(VECTORS / name)
    kind = name.split("/", 1)[0]
    {"normalize": run_normalize, "diff": run_diff, "render": run_render}[kind](vector)
