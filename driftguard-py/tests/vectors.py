"""Reading conformance vectors exactly as conformance/README.md says."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from conftest import VECTORS


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def read_vector(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_no_duplicates)


def discover() -> list[str]:
    """Every vector, relative to vectors/, `/`-separated, in code point order."""
    return sorted(p.relative_to(VECTORS).as_posix() for p in VECTORS.rglob("*.json"))


def input_bytes(form: str, value: Any) -> bytes:
    if form == "json":
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    if form == "text":
        return value.encode("utf-8", "surrogatepass")
    if form == "base64":
        return base64.b64decode(value, validate=True)
    raise ValueError(f"no bytes for input form {form!r}")


def first_difference(expected: Any, actual: Any, pointer: str = "") -> str | None:
    """The JSON Pointer of the first difference (ints and floats differ: 1 != 1.0)."""
    if type(expected) is not type(actual):
        return f"at {pointer or '/'}: expected {expected!r}, got {actual!r}"
    if isinstance(expected, dict):
        for k in sorted(set(expected) | set(actual)):
            sub = f"{pointer}/{k.replace('~', '~0').replace('/', '~1')}"
            if k not in actual or k not in expected:
                return f"at {sub}: expected {expected.get(k)!r}, got {actual.get(k)!r}"
            d = first_difference(expected[k], actual[k], sub)
            if d:
                return d
        return None
    if isinstance(expected, list):
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            d = first_difference(e, a, f"{pointer}/{i}")
            if d:
                return d
        if len(expected) != len(actual):
            return f"at {pointer or '/'}: expected {len(expected)} items, got {len(actual)}"
        return None
    if expected != actual:
        return f"at {pointer or '/'}: expected {expected!r}, got {actual!r}"
    return None
