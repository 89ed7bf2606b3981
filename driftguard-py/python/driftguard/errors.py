"""Typed errors: one exception class per stable error code.

Every error DriftGuard raises is a :class:`DriftGuardError` carrying ``.code``. The core's
eleven codes (input problems: ``E_PARSE`` … ``E_CONFIG``) are also :class:`ValueError`\\ s;
the fetch layer's codes (``E_FETCH``, ``E_TIMEOUT``, ``E_REDIRECTS``, ``E_MCP``, ``E_ENV``)
are I/O problems. ``E_TOO_LARGE`` is shared: an oversized document (core) or an oversized
response body (fetch layer) is the same :class:`TooLargeError`.
"""

from __future__ import annotations

__all__ = [
    "CORE_CODES",
    "FETCH_CODES",
    "PACKAGE_CODES",
    "ArchiveError",
    "ConfigError",
    "DriftGuardError",
    "EncodingError",
    "EnvError",
    "FetchError",
    "FetchTimeoutError",
    "IntegrityError",
    "InvalidError",
    "McpError",
    "PackageError",
    "ParseError",
    "RedirectsError",
    "RefCycleError",
    "RefExternalError",
    "RefUnresolvedError",
    "SnapshotVersionError",
    "TooDeepError",
    "TooLargeError",
    "UnsupportedFormatError",
    "error_class",
]


class DriftGuardError(Exception):
    """Base class of every DriftGuard error. ``code`` is stable (``E_PARSE``…)."""

    code: str = "E_DRIFTGUARD"

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        pointer: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        #: 1-based line in the input text, when known.
        self.line = line
        #: 1-based column in the input text, when known.
        self.column = column
        #: JSON Pointer into the parsed document, when known.
        self.pointer = pointer

    def __str__(self) -> str:
        return self.message


class _InputError(DriftGuardError, ValueError):
    """An error of the core: the input is wrong."""


class ParseError(_InputError):
    """The bytes are not well-formed JSON or YAML (or are empty or truncated)."""

    code = "E_PARSE"


class EncodingError(_InputError):
    """The input is not valid UTF-8 text."""

    code = "E_ENCODING"


class TooDeepError(_InputError):
    """Nesting deeper than the limit."""

    code = "E_TOO_DEEP"


class TooLargeError(_InputError):
    """The input, its expansion or a fetched body is larger than the limit."""

    code = "E_TOO_LARGE"


class RefUnresolvedError(_InputError):
    """A local ``$ref`` points at nothing."""

    code = "E_REF_UNRESOLVED"


class RefExternalError(_InputError):
    """A ``$ref`` to another file or a URL (never fetched)."""

    code = "E_REF_EXTERNAL"


class RefCycleError(_InputError):
    """``$ref``\\ s that only point at each other."""

    code = "E_REF_CYCLE"


class UnsupportedFormatError(_InputError):
    """The input is not a contract of any supported kind (or not of the requested one)."""

    code = "E_UNSUPPORTED_FORMAT"


class InvalidError(_InputError):
    """The document is of a supported kind but violates its structure."""

    code = "E_INVALID"


class ConfigError(_InputError):
    """A policy or configuration document is invalid."""

    code = "E_CONFIG"


class SnapshotVersionError(_InputError):
    """A snapshot document of a format version this build does not know."""

    code = "E_SNAPSHOT_VERSION"


class FetchError(DriftGuardError):
    """Network failure or a non-2xx status (the message names the status)."""

    code = "E_FETCH"


class FetchTimeoutError(FetchError, TimeoutError):
    """A deadline passed (connect, read, or the whole capture)."""

    code = "E_TIMEOUT"


class RedirectsError(FetchError):
    """More redirects than allowed (5)."""

    code = "E_REDIRECTS"


class McpError(DriftGuardError):
    """An MCP server failed to start, crashed, spoke garbage or broke the protocol.

    The message includes the exit status and the last lines of its stderr.
    """

    code = "E_MCP"


class EnvError(DriftGuardError):
    """A ``${VAR}`` in a header or argument names an unset environment variable."""

    code = "E_ENV"


class PackageError(DriftGuardError):
    """A package spec is malformed, or the registry has no such package or version."""

    code = "E_PACKAGE"


class IntegrityError(DriftGuardError):
    """Downloaded bytes do not match the registry's integrity (or a cached artifact's)."""

    code = "E_INTEGRITY"


class ArchiveError(DriftGuardError):
    """A hostile or broken archive: a path leaving the root, a link or device, a bomb,
    too many files, or truncated data."""

    code = "E_ARCHIVE"


_CORE = (
    ParseError,
    EncodingError,
    TooDeepError,
    TooLargeError,
    RefUnresolvedError,
    RefExternalError,
    RefCycleError,
    UnsupportedFormatError,
    InvalidError,
    SnapshotVersionError,
    ConfigError,
)
_FETCH = (FetchError, FetchTimeoutError, RedirectsError, McpError, EnvError)

#: The core's codes, in the core's stable order (``Error::CODES``).
CORE_CODES: tuple[str, ...] = tuple(c.code for c in _CORE)
#: The fetch layer's own codes (``E_TOO_LARGE`` is shared with the core).
FETCH_CODES: tuple[str, ...] = tuple(c.code for c in _FETCH)

_PACKAGE = (PackageError, IntegrityError, ArchiveError)
#: The package fetch layer's codes.
PACKAGE_CODES: tuple[str, ...] = tuple(c.code for c in _PACKAGE)

_BY_CODE: dict[str, type[DriftGuardError]] = {c.code: c for c in (*_CORE, *_FETCH, *_PACKAGE)}


def error_class(code: str) -> type[DriftGuardError]:
    """The exception class of a code; :class:`DriftGuardError` for an unknown one."""
    return _BY_CODE.get(code, DriftGuardError)


def _from_core(
    code: str,
    message: str,
    line: int | None,
    column: int | None,
    pointer: str | None,
) -> DriftGuardError:
    """Called by the native module to build the exception of a core error."""
    cls = error_class(code)
    err = cls(message, line=line, column=column, pointer=pointer)
    if cls is DriftGuardError:
        # A code this package does not know yet (a newer core): keep it visible.
        err.code = code
    return err
