"""The HTTP fetch layer: bounded, conditional GETs with httpx.

- timeouts (connect/read and an overall deadline) → :class:`~driftguard.errors.FetchTimeoutError`
- a body size limit (default 64 MiB) → :class:`~driftguard.errors.TooLargeError`
- at most 5 redirects → :class:`~driftguard.errors.RedirectsError`
- non-2xx statuses and network failures → :class:`~driftguard.errors.FetchError` naming the
  status, never a header value
- header values may use ``${VAR}`` (environment); an unset variable is
  :class:`~driftguard.errors.EnvError`. Substituted values never appear in messages.
- conditional requests: pass an :class:`HttpCache` and repeated fetches send
  ``If-None-Match``/``If-Modified-Since``; a ``304`` returns the cached body.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx

from .errors import EnvError, FetchError, FetchTimeoutError, RedirectsError, TooLargeError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "MAX_REDIRECTS",
    "FetchResult",
    "HttpCache",
    "fetch_url",
    "parse_header",
    "parse_headers",
    "substitute_env",
]

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
MAX_REDIRECTS = 5

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def substitute_env(value: str, env: Mapping[str, str] | None = None) -> str:
    """Replaces every ``${VAR}`` with the variable's value; an unset one is ``E_ENV``
    (the message names the variable, never a value)."""
    environ = os.environ if env is None else env

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in environ:
            raise EnvError(f"environment variable {name} is not set (used as ${{{name}}})")
        return environ[name]

    return _VAR.sub(one, value)


def parse_header(text: str) -> tuple[str, str]:
    """``'Name: value'`` → ``('Name', 'value')`` (the value is not yet substituted)."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
        raise ValueError(f"a header must be written 'Name: value', got {text.split(':')[0]!r}…")
    return name.strip(), value.strip()


def parse_headers(
    items: Iterable[str] | Mapping[str, str] | None, *, expand_env: bool = True
) -> dict[str, str]:
    """Headers from ``'Name: value'`` strings or a mapping, with ``${VAR}`` substituted
    (``expand_env=False``: values used verbatim — for values the core's capture plan
    already expanded, which may legitimately contain ``${``)."""
    if items is None:
        return {}
    pairs = items.items() if isinstance(items, Mapping) else (parse_header(h) for h in items)
    if not expand_env:
        return dict(pairs)
    return {name: substitute_env(value) for name, value in pairs}


def redact_url(url: str) -> str:
    """The URL without a password in its userinfo."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))


@dataclass
class FetchResult:
    """What a GET returned."""

    #: The body (the cached one after a ``304``).
    body: bytes
    #: The final status (``200``…, or ``304`` when the cache answered).
    status: int
    #: The final URL after redirects.
    url: str
    #: The response's ``ETag``, if any.
    etag: str | None = None
    #: The response's ``Last-Modified``, if any.
    last_modified: str | None = None
    #: True when the server answered ``304 Not Modified`` and the body is the cached one.
    not_modified: bool = False
    #: The response's ``Content-Type``, if any.
    content_type: str | None = None


@dataclass
class HttpCache:
    """Remembers validators and bodies per URL for conditional requests."""

    entries: dict[str, FetchResult] = field(default_factory=dict)


def _user_agent() -> str:
    from ._driftguard import __version__

    return f"driftguard/{__version__}"


@contextlib.contextmanager
def http_errors(shown: str, *, timeout: float, max_redirects: int) -> Iterator[None]:
    """Turns httpx's exceptions inside the block into the fetch layer's errors
    (``E_REDIRECTS``, ``E_TIMEOUT``, ``E_FETCH``), naming the URL as ``shown``."""
    try:
        yield
    except httpx.TooManyRedirects:
        raise RedirectsError(f"GET {shown}: more than {max_redirects} redirects") from None
    except httpx.TimeoutException:
        raise FetchTimeoutError(f"GET {shown}: no response within {timeout:g} s") from None
    except httpx.InvalidURL as e:
        raise FetchError(f"GET {shown}: invalid URL ({e})") from None
    except httpx.HTTPError as e:
        # httpx messages name the URL and the failure, never request header values.
        raise FetchError(f"GET {shown}: {type(e).__name__}: {e or 'connection failed'}") from None


def status_message(shown: str, response: httpx.Response) -> str:
    """The message for a non-2xx answer: ``GET URL: HTTP 404 Not Found``."""
    reason = response.reason_phrase or ""
    return f"GET {shown}: HTTP {response.status_code}{' ' + reason if reason else ''}"


def read_body(
    response: httpx.Response, shown: str, *, max_bytes: int, timeout: float, deadline: float
) -> bytes:
    """Reads a streamed response's body: ``E_TOO_LARGE`` past ``max_bytes`` (declared or
    read), ``E_TIMEOUT`` once ``deadline`` (``time.monotonic()``) has passed."""
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise TooLargeError(
            f"GET {shown}: the body ({declared} bytes) exceeds the limit of {max_bytes} bytes"
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise TooLargeError(f"GET {shown}: the body exceeds the limit of {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise FetchTimeoutError(f"GET {shown}: no complete response within {timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch_url(
    url: str,
    *,
    headers: Iterable[str] | Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    cache: HttpCache | None = None,
    client: httpx.Client | None = None,
    expand_env: bool = True,
) -> FetchResult:
    """GETs ``url`` with every bound applied (see the module docs). ``expand_env=False``
    sends header values verbatim (already expanded by the capture plan)."""
    shown = redact_url(url)
    request_headers = {
        "User-Agent": _user_agent(),
        "Accept": "application/json, application/yaml, */*",
    }
    request_headers.update(parse_headers(headers, expand_env=expand_env))
    cached = cache.entries.get(url) if cache is not None else None
    if cached is not None:
        if cached.etag:
            request_headers["If-None-Match"] = cached.etag
        if cached.last_modified:
            request_headers["If-Modified-Since"] = cached.last_modified
    own = client is None
    http = client or httpx.Client(
        follow_redirects=True,
        max_redirects=max_redirects,
        timeout=httpx.Timeout(timeout),
        trust_env=False,
    )
    deadline = time.monotonic() + timeout
    try:
        with (
            http_errors(shown, timeout=timeout, max_redirects=max_redirects),
            http.stream("GET", url, headers=request_headers) as response,
        ):
            status = response.status_code
            if status == 304 and cached is not None:
                result = FetchResult(
                    body=cached.body,
                    status=304,
                    url=str(response.url),
                    etag=response.headers.get("ETag", cached.etag),
                    last_modified=response.headers.get("Last-Modified", cached.last_modified),
                    not_modified=True,
                    content_type=cached.content_type,
                )
                if cache is not None:
                    cache.entries[url] = result
                return result
            if not 200 <= status < 300:
                raise FetchError(status_message(shown, response))
            body = read_body(
                response, shown, max_bytes=max_bytes, timeout=timeout, deadline=deadline
            )
            result = FetchResult(
                body=body,
                status=status,
                url=str(response.url),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                content_type=response.headers.get("Content-Type"),
            )
            if cache is not None and (result.etag or result.last_modified):
                cache.entries[url] = result
            return result
    finally:
        if own:
            http.close()
