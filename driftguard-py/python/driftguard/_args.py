"""Small helpers the command modules share (``approve``/``check``, ``watch``,
``history``, the capture layer): walking a command line, reporting a bad one, and OS
error messages."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

__all__ = ["ArgReader", "UsageError", "io_message", "parse_command"]

T = TypeVar("T")


class UsageError(Exception):
    """A command line the command does not accept; the message says why."""


class _Help(Exception):
    """``-h``/``--help`` was given."""


class ArgReader:
    """Walks a command line: iterating yields each argument in turn (``-h``/``--help``
    ends the parse: :func:`parse_command` prints the usage); :meth:`value` takes an
    option's value; :meth:`rest` takes every argument left."""

    def __init__(self, args: list[str]) -> None:
        self._args = args
        self._i = 0

    def __iter__(self) -> Iterator[str]:
        while self._i < len(self._args):
            a = self._args[self._i]
            self._i += 1
            if a in ("-h", "--help"):
                raise _Help
            yield a

    def value(self, opt: str, eq: str, val: str) -> str:
        """The value of option ``opt`` (``arg.partition("=")`` gave ``opt, eq, val``):
        ``val`` for ``--opt=value``, else the next argument. :class:`UsageError` when
        it is missing."""
        if eq:
            return val
        if self._i >= len(self._args):
            raise UsageError(f"{opt} needs a value")
        self._i += 1
        return self._args[self._i - 1]

    def rest(self) -> list[str]:
        """Every argument not yet walked (the walk then ends)."""
        rest = self._args[self._i :]
        self._i = len(self._args)
        return rest


def parse_command(parse: Callable[[], T], usage: str) -> T | int:
    """Runs ``parse`` (which walks an :class:`ArgReader`): its result, or the exit code
    after printing ``usage`` — 0 on stdout for ``--help``, 2 on stderr after
    ``error: …`` for a :class:`UsageError`."""
    try:
        return parse()
    except _Help:
        sys.stdout.write(usage)
        return 0
    except UsageError as e:
        sys.stderr.write(f"error: {e}\n\n{usage}")
        return 2


def io_message(e: OSError) -> str:
    """An OS error as Rust's ``std::io::Error`` displays it (so messages match the native
    CLI's byte for byte): ``No such file or directory (os error 2)``."""
    if e.errno is not None and e.strerror:
        return f"{e.strerror} (os error {e.errno})"
    return str(e)
