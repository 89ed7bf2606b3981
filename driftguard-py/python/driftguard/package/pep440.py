"""PEP 440 versions and version specifiers, as far as picking a release needs them.

:func:`parse` reads any PEP 440 version (normalizing spellings such as ``1.0-RC1`` →
``1.0rc1``); :class:`PyVersion` orders them as pip does. :func:`parse_specifier` reads a
comma-separated specifier set (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``~=``,
``===``, and ``==``/``!=`` with a trailing ``.*``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import total_ordering

__all__ = ["PyVersion", "Specifier", "parse", "parse_specifier"]

_PATTERN = re.compile(
    r"""^\s*v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?P<pre>[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
    (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?
    (?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    \s*$""",
    re.VERBOSE | re.IGNORECASE,
)
_PRE_LETTER = {"alpha": "a", "a": "a", "beta": "b", "b": "b", "c": "rc", "rc": "rc"}
_PRE_LETTER.update({"pre": "rc", "preview": "rc"})


@total_ordering
@dataclass(frozen=True)
class PyVersion:
    """A parsed PEP 440 version."""

    epoch: int
    release: tuple[int, ...]
    pre: tuple[str, int] | None
    post: int | None
    dev: int | None
    local: tuple[int | str, ...]

    @property
    def is_prerelease(self) -> bool:
        """True for an alpha, beta, release candidate or development release."""
        return self.pre is not None or self.dev is not None

    @property
    def public(self) -> PyVersion:
        """The version without its local label."""
        return PyVersion(self.epoch, self.release, self.pre, self.post, self.dev, ())

    def __str__(self) -> str:
        text = f"{self.epoch}!" if self.epoch else ""
        text += ".".join(str(r) for r in self.release)
        if self.pre is not None:
            text += f"{self.pre[0]}{self.pre[1]}"
        if self.post is not None:
            text += f".post{self.post}"
        if self.dev is not None:
            text += f".dev{self.dev}"
        if self.local:
            text += "+" + ".".join(str(p) for p in self.local)
        return text

    def key(self) -> tuple[object, ...]:
        """The sort key (the ordering of PEP 440 / ``packaging``)."""
        release = list(self.release)
        while len(release) > 1 and release[-1] == 0:
            release.pop()
        if self.pre is None and self.post is None and self.dev is not None:
            pre: tuple[object, ...] = (0,)  # 1.0.dev0 sorts before 1.0a0
        elif self.pre is None:
            pre = (2,)
        else:
            pre = (1, self.pre[0], self.pre[1])
        post = (0,) if self.post is None else (1, self.post)
        dev = (1,) if self.dev is None else (0, self.dev)
        local = tuple((1, p, "") if isinstance(p, int) else (0, 0, p) for p in self.local)
        return (self.epoch, tuple(release), pre, post, dev, (len(self.local) > 0, local))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PyVersion):
            return NotImplemented
        return self.key() < other.key()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PyVersion):
            return NotImplemented
        return self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())


def parse(text: str) -> PyVersion | None:
    """The PEP 440 version ``text`` spells, or None."""
    m = _PATTERN.match(text)
    if m is None:
        return None
    pre = None
    if m["pre_l"]:
        pre = (_PRE_LETTER[m["pre_l"].lower()], int(m["pre_n"] or 0))
    post = None
    if m["post"]:
        post = int(m["post_n1"] or m["post_n2"] or 0)
    dev = int(m["dev_n"] or 0) if m["dev"] else None
    local: tuple[int | str, ...] = ()
    if m["local"]:
        local = tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"[-_.]", m["local"]))
    release = tuple(int(r) for r in m["release"].split("."))
    return PyVersion(int(m["epoch"] or 0), release, pre, post, dev, local)


def _pad(release: tuple[int, ...], n: int) -> tuple[int, ...]:
    return release + (0,) * (n - len(release))


@dataclass(frozen=True)
class Specifier:
    """A specifier set: every clause must hold."""

    text: str
    clauses: tuple[Callable[[PyVersion], bool], ...]
    #: True when a clause names a pre-release (pre-releases are then eligible).
    mentions_prerelease: bool
    #: The version of a single ``==V`` / ``===V`` clause (an exact pin), else None.
    exact: str | None

    def contains(self, v: PyVersion) -> bool:
        """True when ``v`` satisfies every clause."""
        return all(c(v) for c in self.clauses)


_CLAUSE = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*(\S.*?)\s*$")


def _clause(op: str, text: str) -> tuple[Callable[[PyVersion], bool], bool]:
    if op == "===":
        return (lambda v: str(v) == text or str(v.public) == text), False
    wildcard = op in ("==", "!=") and text.endswith(".*")
    target = parse(text[:-2] if wildcard else text)
    if target is None:
        raise ValueError(f"{text!r} is not a PEP 440 version")
    t = target
    if wildcard:
        n = len(t.release)

        def prefix(v: PyVersion) -> bool:
            return v.epoch == t.epoch and _pad(v.release, n)[:n] == t.release

        return (prefix if op == "==" else (lambda v: not prefix(v))), t.is_prerelease
    if op == "~=":
        if len(t.release) < 2:
            raise ValueError(f"~={text} needs at least two release segments")
        n = len(t.release) - 1

        def compatible(v: PyVersion) -> bool:
            return v >= t and v.epoch == t.epoch and _pad(v.release, n)[:n] == t.release[:n]

        return compatible, t.is_prerelease

    def eq(v: PyVersion) -> bool:
        return (v.public if not t.local else v) == t

    if op == "==":
        return eq, t.is_prerelease
    if op == "!=":
        return (lambda v: not eq(v)), t.is_prerelease
    if op == "<=":
        return (lambda v: v.public <= t), t.is_prerelease
    if op == ">=":
        return (lambda v: v.public >= t), t.is_prerelease
    if op == "<":

        def lt(v: PyVersion) -> bool:
            # <V excludes V's pre-releases unless V is one.
            if not v.public < t:
                return False
            same = v.epoch == t.epoch and _pad(v.release, 9) == _pad(t.release, 9)
            return t.is_prerelease or not (v.is_prerelease and same)

        return lt, t.is_prerelease

    def gt(v: PyVersion) -> bool:
        # >V excludes V's post-releases unless V is one, and V's local versions.
        if not v.public > t:
            return False
        same = v.epoch == t.epoch and _pad(v.release, 9) == _pad(t.release, 9)
        return t.post is not None or not (v.post is not None and same and v.pre is None)

    return gt, t.is_prerelease


def parse_specifier(text: str) -> Specifier:
    """Parses a specifier set such as ``>=1.2,<2`` or ``==2026.10.10``."""
    clauses: list[Callable[[PyVersion], bool]] = []
    mentions = False
    exact: str | None = None
    parts = [p for p in text.split(",")]
    for part in parts:
        m = _CLAUSE.match(part)
        if m is None:
            raise ValueError(f"{part.strip()!r} is not a version specifier")
        fn, pre = _clause(m[1], m[2])
        clauses.append(fn)
        mentions = mentions or pre
        if len(parts) == 1 and m[1] in ("==", "===") and not m[2].endswith(".*"):
            exact = m[2]
    return Specifier(text.strip(), tuple(clauses), mentions, exact)
