"""Exhaustive error mapping: every core code arrives as its own typed exception."""

from __future__ import annotations

import math

import driftguard
import pytest
from driftguard import _driftguard as native
from driftguard import errors

# One real input per core code, through the public API.
TRIGGERS = {
    "E_PARSE": lambda: driftguard.load(b'{"a": '),
    "E_ENCODING": lambda: driftguard.load(b'{"a": "\xff"}'),
    "E_TOO_DEEP": lambda: driftguard.load(b"[" * 300 + b"]" * 300),
    "E_TOO_LARGE": lambda: driftguard.Policy.from_toml("#" * ((1 << 20) + 1)),
    "E_REF_UNRESOLVED": lambda: driftguard.load({"$ref": "#/$defs/missing"}, "json-schema"),
    "E_REF_EXTERNAL": lambda: driftguard.load({"$ref": "other.json#/x"}, "json-schema"),
    "E_REF_CYCLE": lambda: driftguard.load(
        {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"},
        "json-schema",
    ),
    "E_UNSUPPORTED_FORMAT": lambda: driftguard.load(b"[1]"),
    "E_INVALID": lambda: driftguard.load(
        {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": "nope"}
    ),
    "E_SNAPSHOT_VERSION": lambda: driftguard.load(
        {"format": "driftguard.snapshot/99", "kind": "json-schema"}, "snapshot"
    ),
    "E_CONFIG": lambda: driftguard.Policy.from_toml('profile = "nope"\n'),
}


def test_the_package_knows_exactly_the_core_codes() -> None:
    assert list(errors.CORE_CODES) == native.error_codes()
    assert len(native.error_codes()) == 11
    assert set(TRIGGERS) == set(native.error_codes())


@pytest.mark.parametrize("code", native.error_codes())
def test_every_core_code_raises_its_class(code: str) -> None:
    cls = errors.error_class(code)
    assert cls is not errors.DriftGuardError and cls.code == code
    assert issubclass(cls, errors.DriftGuardError) and issubclass(cls, ValueError)
    with pytest.raises(cls) as info:
        native.raise_core_error(code)
    assert info.value.code == code and type(info.value) is cls
    # …and a real input of the public API produces it.
    with pytest.raises(cls) as info:
        TRIGGERS[code]()
    assert info.value.code == code
    assert str(info.value)


def test_classes_are_distinct_and_fetch_codes_are_typed() -> None:
    codes = [*errors.CORE_CODES, *errors.FETCH_CODES]
    classes = [errors.error_class(c) for c in codes]
    assert len(set(classes)) == len(classes) == 16
    assert errors.FETCH_CODES == ("E_FETCH", "E_TIMEOUT", "E_REDIRECTS", "E_MCP", "E_ENV")
    assert issubclass(errors.FetchTimeoutError, TimeoutError)
    assert errors.error_class("E_NOPE") is errors.DriftGuardError


def test_parse_errors_carry_line_and_column() -> None:
    with pytest.raises(errors.ParseError) as info:
        driftguard.load(b'{\n  "a": [1,\n}')
    e = info.value
    assert (e.line, e.column) == (3, 1)
    assert "line 3, column 1" in str(e)


def test_python_objects_that_are_not_json_have_a_pointer() -> None:
    cases = [
        ({"a": {"b": [1, float("nan")]}}, "/a/b/1", "not a JSON number"),
        ({"a": {1: "x"}}, "/a", "keys must be strings"),
        ({"a/b": {"~": object()}}, "/a~1b/~0", "type object is not JSON"),
        ({"x": math.inf}, "/x", "not a JSON number"),
    ]
    for value, pointer, words in cases:
        with pytest.raises(errors.InvalidError) as info:
            driftguard.load(value, "json-schema")
        assert info.value.pointer == pointer, value
        assert words in str(info.value)


def test_a_cyclic_dict_is_too_deep_not_a_crash() -> None:
    a: dict[str, object] = {}
    a["x"] = a
    with pytest.raises(errors.TooDeepError) as info:
        driftguard.load(a)
    assert info.value.pointer == "/x/x/x/x/x/x/x/x"
    assert "limit of 256 levels" in str(info.value)


def test_unknown_names_are_value_errors() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        driftguard.load(b"{}", "yaml")
    r = driftguard.diff({"type": "string"}, {"type": "integer"})
    with pytest.raises(ValueError, match="unknown output format"):
        r.render("html")
    with pytest.raises(ValueError, match="unknown threshold"):
        driftguard.Policy(fail_on="sometimes")
