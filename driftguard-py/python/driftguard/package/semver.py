"""npm's semantic versions and ranges (the subset of node-semver that ``npm install``
uses to pick a version from a packument).

Versions: ``MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`` (a leading ``v`` or ``=`` is
accepted). Ranges: comparator sets joined by ``||``; each set is whitespace-separated
comparators (``<``, ``<=``, ``>``, ``>=``, ``=``, none), hyphen ranges (``1.2 - 2``),
X-ranges (``1.x``, ``1.2.*``, ``*``, ``""``), tilde (``~1.2.3``, ``~>1.2``) and caret
(``^0.2.3``) ranges, desugared exactly as node-semver does (partial upper bounds become
``<X.Y.Z-0``). A pre-release version satisfies a set only when one of the set's
comparators names a pre-release of the same ``MAJOR.MINOR.PATCH`` (node-semver's rule,
without ``includePrerelease``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

__all__ = ["Range", "Version", "max_satisfying", "parse_range", "parse_version"]

_NUM = r"0|[1-9]\d*"
_PRE_ID = r"(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
_VERSION = re.compile(
    rf"^\s*[v=]*\s*({_NUM})\.({_NUM})\.({_NUM})"
    rf"(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\s*$"
)
_XR = r"(?:0|[1-9]\d*|[xX*])"
_PARTIAL = re.compile(
    rf"^[v=]*({_XR})(?:\.({_XR})(?:\.({_XR})"
    rf"(?:-?({_PRE_ID}(?:\.{_PRE_ID})*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?)?)?$"
)
_OP = re.compile(r"^(<=|>=|<|>|=|\^|~>?)?(.*)$")


@total_ordering
@dataclass(frozen=True)
class Version:
    """A parsed semantic version (build metadata is kept but never compared)."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[int | str, ...] = ()
    build: str = ""

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(str(p) for p in self.prerelease)
        return text

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return _cmp_key(self) < _cmp_key(other)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return _cmp_key(self) == _cmp_key(other)

    def __hash__(self) -> int:
        return hash(_cmp_key(self))


def _cmp_key(v: Version) -> tuple[object, ...]:
    if not v.prerelease:
        pre: tuple[object, ...] = (1,)
    else:
        ids: list[tuple[int, int, str]] = [
            (0, p, "") if isinstance(p, int) else (1, 0, p) for p in v.prerelease
        ]
        # A shorter identifier list sorts first when it is a prefix of the longer one.
        pre = (0, tuple(ids))
    return (v.major, v.minor, v.patch, pre)


def _pre(text: str | None) -> tuple[int | str, ...]:
    if not text:
        return ()
    return tuple(int(p) if p.isdigit() else p for p in text.split("."))


def parse_version(text: str) -> Version | None:
    """The version ``text`` spells, or None when it is not a valid semantic version."""
    m = _VERSION.match(text)
    if m is None:
        return None
    return Version(int(m[1]), int(m[2]), int(m[3]), _pre(m[4]), m[5] or "")


# A comparator: (operator, version); operator "" is equality. ANY matches everything.
_Comparator = tuple[str, Version]
_ANY: _Comparator = (">=", Version(0, 0, 0))
_NONE: _Comparator = ("<", Version(0, 0, 0, (0,)))


@dataclass(frozen=True)
class Range:
    """A parsed range: a disjunction of comparator sets."""

    sets: tuple[tuple[_Comparator, ...], ...]

    def satisfies(self, version: Version) -> bool:
        """True when ``version`` is in the range (node-semver's ``satisfies``)."""
        return any(_test_set(s, version) for s in self.sets)


def _test(comp: _Comparator, v: Version) -> bool:
    op, target = comp
    if op == "<":
        return v < target
    if op == "<=":
        return v <= target
    if op == ">":
        return v > target
    if op == ">=":
        return v >= target
    return v == target


def _test_set(comps: tuple[_Comparator, ...], v: Version) -> bool:
    if not all(_test(c, v) for c in comps):
        return False
    if v.prerelease:
        for c in comps:
            if c is _ANY:
                continue
            t = c[1]
            if t.prerelease and (t.major, t.minor, t.patch) == (v.major, v.minor, v.patch):
                return True
        return False
    return True


def _is_x(part: str | None) -> bool:
    return part is None or part in ("x", "X", "*")


def _comparators(token: str) -> list[_Comparator]:
    m = _OP.match(token)
    assert m is not None
    op = m[1] or ""
    p = _PARTIAL.match(m[2])
    if p is None:
        raise ValueError(f"{token!r} is not a version or comparator")
    M, m_, pt, pre = p[1], p[2], p[3], _pre(p[4])
    xM, xm, xp = _is_x(M), _is_x(m_), _is_x(pt)
    if op == "~>":
        op = "~"
    major = 0 if xM else int(M)
    minor = 0 if xm else int(m_)  # type: ignore[arg-type]
    patch = 0 if xp else int(pt)  # type: ignore[arg-type]

    def ver(a: int, b: int, c: int, p: tuple[int | str, ...] = ()) -> Version:
        return Version(a, b, c, p)

    upper0 = (0,)  # the `-0` of node-semver's exclusive upper bounds
    if op == "~":
        if xM:
            return [_ANY]
        if xm:
            return [(">=", ver(major, 0, 0)), ("<", ver(major + 1, 0, 0, upper0))]
        if xp:
            return [(">=", ver(major, minor, 0)), ("<", ver(major, minor + 1, 0, upper0))]
        return [(">=", ver(major, minor, patch, pre)), ("<", ver(major, minor + 1, 0, upper0))]
    if op == "^":
        if xM:
            return [_ANY]
        if xm:
            return [(">=", ver(major, 0, 0)), ("<", ver(major + 1, 0, 0, upper0))]
        if xp:
            if major == 0:
                return [(">=", ver(0, minor, 0)), ("<", ver(0, minor + 1, 0, upper0))]
            return [(">=", ver(major, minor, 0)), ("<", ver(major + 1, 0, 0, upper0))]
        low = ver(major, minor, patch, pre)
        if major == 0:
            if minor == 0:
                return [(">=", low), ("<", ver(0, 0, patch + 1, upper0))]
            return [(">=", low), ("<", ver(0, minor + 1, 0, upper0))]
        return [(">=", low), ("<", ver(major + 1, 0, 0, upper0))]
    # X-ranges and primitive comparators.
    if xM:
        return [_NONE] if op in ("<", ">") else [_ANY]
    if not (xm or xp):
        return [(op, ver(major, minor, patch, pre))]
    if op == ">":
        # >1 → >=2.0.0; >1.2 → >=1.3.0
        return [(">=", ver(major + 1, 0, 0) if xm else ver(major, minor + 1, 0))]
    if op == "<=":
        return [("<", ver(major + 1, 0, 0, upper0) if xm else ver(major, minor + 1, 0, upper0))]
    if op == "<":
        return [("<", ver(major, minor, 0, upper0))]
    if op == ">=":
        return [(">=", ver(major, minor, 0))]
    # "" or "=": the whole partial range.
    if xm:
        return [(">=", ver(major, 0, 0)), ("<", ver(major + 1, 0, 0, upper0))]
    return [(">=", ver(major, minor, 0)), ("<", ver(major, minor + 1, 0, upper0))]


def _hyphen(low: str, high: str) -> list[_Comparator]:
    lo = _comparators(">=" + low)
    p = _PARTIAL.match(high.lstrip("v="))
    if p is None:
        raise ValueError(f"{high!r} is not a version")
    if _is_x(p[1]):
        hi = [_ANY]
    elif _is_x(p[2]):
        hi = [("<", Version(int(p[1]) + 1, 0, 0, (0,)))]
    elif _is_x(p[3]):
        hi = [("<", Version(int(p[1]), int(p[2]) + 1, 0, (0,)))]
    else:
        hi = [("<=", Version(int(p[1]), int(p[2]), int(p[3]), _pre(p[4])))]
    return lo + hi


_HYPHEN = re.compile(r"^\s*(\S+)\s+-\s+(\S+)\s*$")
_SPACE_AFTER_OP = re.compile(r"(<=|>=|<|>|=|\^|~>?)\s+")


def parse_range(text: str) -> Range:
    """Parses an npm range; raises :class:`ValueError` on an invalid one."""
    sets: list[tuple[_Comparator, ...]] = []
    for part in text.split("||"):
        part = part.strip()
        m = _HYPHEN.match(part)
        if m is not None:
            sets.append(tuple(_hyphen(m[1], m[2])))
            continue
        part = _SPACE_AFTER_OP.sub(r"\1", part)
        tokens = part.split()
        if not tokens:
            sets.append((_ANY,))
            continue
        comps: list[_Comparator] = []
        for token in tokens:
            comps.extend(_comparators(token))
        sets.append(tuple(comps))
    return Range(tuple(sets))


def max_satisfying(versions: list[Version], rng: Range) -> Version | None:
    """The greatest of ``versions`` in ``rng``."""
    ok = [v for v in versions if rng.satisfies(v)]
    return max(ok) if ok else None
