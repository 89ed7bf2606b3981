"""Bounded GETs for the package fetch layer (the limits of :mod:`driftguard.fetch`).

Header values are used verbatim (credentials from ``.npmrc`` are already expanded; they
are never expanded twice) and never appear in a message; URLs lose their password.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from ..errors import FetchError
from ..fetch import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    MAX_REDIRECTS,
    http_errors,
    read_body,
    redact_url,
    status_message,
)

__all__ = ["HttpStatusError", "Response", "get", "new_client"]


class HttpStatusError(FetchError):
    """A non-2xx answer (``E_FETCH``); ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Response:
    """A complete 2xx answer."""

    body: bytes
    url: str
    content_type: str


def new_client(timeout: float = DEFAULT_TIMEOUT) -> httpx.Client:
    """An httpx client with the fetch layer's redirect and timeout limits. TLS trusts the
    system's certificate store (and ``SSL_CERT_FILE``/``SSL_CERT_DIR``), as npm and pip
    on this machine would."""
    from ..fetch import _user_agent

    return httpx.Client(
        verify=ssl.create_default_context(),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=httpx.Timeout(timeout),
        trust_env=False,
        headers={"User-Agent": _user_agent()},
    )


def get(
    client: httpx.Client,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Response:
    """GETs ``url``: ``E_FETCH`` (non-2xx, network), ``E_TIMEOUT``, ``E_TOO_LARGE``,
    ``E_REDIRECTS``."""
    shown = redact_url(url)
    deadline = time.monotonic() + timeout
    with (
        http_errors(shown, timeout=timeout, max_redirects=MAX_REDIRECTS),
        client.stream("GET", url, headers=dict(headers or {})) as response,
    ):
        status = response.status_code
        if not 200 <= status < 300:
            raise HttpStatusError(status_message(shown, response), status)
        body = read_body(response, shown, max_bytes=max_bytes, timeout=timeout, deadline=deadline)
        return Response(body, str(response.url), response.headers.get("Content-Type", ""))
