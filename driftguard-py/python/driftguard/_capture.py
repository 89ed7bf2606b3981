"""Captures: a URL or file, a sampled JSON endpoint, or an MCP server → a snapshot.

MCP servers are driven with the official ``mcp`` SDK's :class:`mcp.ClientSession`, over
stdio (a command line; the process runs in its own process group, which is always killed
and reaped) or Streamable HTTP (a URL + headers). The capture follows
``conformance/MCP_CAPTURE.md``: ``initialize``, then every list the server's capabilities
offer, following ``nextCursor``, each result written as the server sent it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import shlex
import signal
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import anyio
import httpx

from . import _driftguard as _n
from ._api import is_url, read_file
from ._driftguard import Snapshot
from .errors import FetchTimeoutError, McpError
from .fetch import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    HttpCache,
    fetch_url,
    parse_headers,
    redact_url,
    substitute_env,
)

__all__ = [
    "capture",
    "capture_document",
    "capture_endpoint",
    "capture_endpoint_document",
    "capture_mcp",
    "capture_mcp_document",
    "capture_mcp_sync",
    "document_json",
]

#: How many of a server's last stderr lines an ``E_MCP`` message quotes.
STDERR_TAIL_LINES = 20
#: The longest line an MCP server may write on stdout.
MAX_MESSAGE_BYTES = DEFAULT_MAX_BYTES
#: The most pages of one list request followed before giving up (a cursor loop).
MAX_PAGES = 10_000


# ---------------------------------------------------------------------------------------
# Documents: files and URLs
# ---------------------------------------------------------------------------------------


def capture_document(
    source: str,
    *,
    headers: Iterable[str] | Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    cache: HttpCache | None = None,
) -> bytes:
    """The raw bytes of a file (``-`` is stdin) or an http(s) URL."""
    if is_url(source):
        return fetch_url(source, headers=headers, timeout=timeout, cache=cache).body
    return read_file(source)


def capture(
    source: str,
    *,
    format: str | None = None,
    headers: Iterable[str] | Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    cache: HttpCache | None = None,
) -> Snapshot:
    """The snapshot of a file or URL (``source`` in the snapshot names the URL)."""
    body = capture_document(source, headers=headers, timeout=timeout, cache=cache)
    origin = {"url": redact_url(source)} if is_url(source) else None
    return _n.load_bytes(body, format, origin)


# ---------------------------------------------------------------------------------------
# Sampled endpoints
# ---------------------------------------------------------------------------------------


def capture_endpoint_document(
    url: str,
    *,
    samples: int = 3,
    interval_ms: int = 0,
    headers: Iterable[str] | Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    expand_env: bool = True,
) -> list[bytes]:
    """``samples`` response bodies of a JSON endpoint, ``interval_ms`` apart
    (``expand_env=False``: header values verbatim)."""
    if samples < 1:
        raise ValueError("samples must be at least 1")
    bodies = []
    with httpx.Client(
        follow_redirects=True, max_redirects=5, timeout=httpx.Timeout(timeout), trust_env=False
    ) as client:
        for i in range(samples):
            if i and interval_ms > 0:
                time.sleep(interval_ms / 1000)
            bodies.append(
                fetch_url(
                    url, headers=headers, timeout=timeout, client=client, expand_env=expand_env
                ).body
            )
    return bodies


def capture_endpoint(
    url: str,
    *,
    samples: int = 3,
    interval_ms: int = 0,
    headers: Iterable[str] | Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Snapshot:
    """A ``samples`` snapshot inferred from ``samples`` responses of a JSON endpoint."""
    bodies = capture_endpoint_document(
        url, samples=samples, interval_ms=interval_ms, headers=headers, timeout=timeout
    )
    return _n.load_samples(bodies, {"url": redact_url(url), "samples": samples})


# ---------------------------------------------------------------------------------------
# MCP
# ---------------------------------------------------------------------------------------


def _dump(model: Any) -> Any:
    """The members the server actually sent, with wire names (``inputSchema``, ``_meta``)."""
    return model.model_dump(mode="json", by_alias=True, exclude_unset=True)


async def _catalog(session: Any, progress: list[str]) -> dict[str, Any]:
    from mcp import types

    async def list_all(method: Callable[..., Awaitable[Any]], key: str, name: str) -> list[Any]:
        out: list[Any] = []
        cursor = None
        for page in range(MAX_PAGES):
            progress.append(f"{name} (page {page + 1})")
            params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
            result = await method(params=params)
            out.extend(_dump(item) for item in getattr(result, key))
            cursor = result.nextCursor
            if not cursor:
                return out
        raise McpError(f"{name}: more than {MAX_PAGES} pages (the server's cursor never ends)")

    progress.append("initialize")
    initialize = await session.initialize()
    doc: dict[str, Any] = {"initialize": _dump(initialize)}
    caps = initialize.capabilities
    if caps.tools is not None:
        doc["tools"] = await list_all(session.list_tools, "tools", "tools/list")
    if caps.prompts is not None:
        doc["prompts"] = await list_all(session.list_prompts, "prompts", "prompts/list")
    if caps.resources is not None:
        doc["resources"] = await list_all(session.list_resources, "resources", "resources/list")
        doc["resourceTemplates"] = await list_all(
            session.list_resource_templates, "resourceTemplates", "resources/templates/list"
        )
    progress.append("done")
    return doc


def _leaves(exc: BaseException) -> list[BaseException]:
    nested = getattr(exc, "exceptions", None)
    if nested is None:
        return [exc]
    return [leaf for e in nested for leaf in _leaves(e)]


def _describe(exc: BaseException) -> str:
    """One line per distinct cause (exception groups flattened, cancellations dropped)."""
    cancelled = anyio.get_cancelled_exc_class()
    leaves = [x for x in _leaves(exc) if not isinstance(x, cancelled)] or [exc]
    return "; ".join(dict.fromkeys(_describe_one(x) for x in leaves))


def _describe_one(exc: BaseException) -> str:
    from mcp.shared.exceptions import McpError as SdkError

    if isinstance(exc, SdkError):
        err = exc.error
        return f"the server answered with error {err.code}: {err.message}"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code} {exc.response.reason_phrase}".rstrip()
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__}: {exc or 'connection failed'}"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if type(exc).__name__ not in text else text


def _kill_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


async def _capture_stdio(
    argv: Sequence[str],
    env: Mapping[str, str] | None,
    cwd: str | os.PathLike[str] | None,
    timeout: float,
    expand_env: bool = True,
) -> dict[str, Any]:
    from mcp import ClientSession, types
    from mcp.client.stdio import get_default_environment
    from mcp.shared.message import SessionMessage

    if not argv:
        raise ValueError("an MCP stdio capture needs a command")
    shown = shlex.join(argv)
    full_env = get_default_environment()
    full_env.update({k: substitute_env(v) if expand_env else v for k, v in (env or {}).items()})
    try:
        process = await anyio.open_process(
            list(argv), env=full_env, cwd=cwd, start_new_session=True
        )
    except OSError as e:
        raise McpError(f"cannot start MCP server `{shown}`: {e.strerror or e}") from None

    tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    stderr_buffer = bytearray()
    progress: list[str] = []
    failure: list[str] = []
    result: dict[str, Any] = {}
    read_send, read_recv = anyio.create_memory_object_stream[Any](64)
    write_send, write_recv = anyio.create_memory_object_stream[Any](64)

    def add_stderr(chunk: bytes) -> None:
        stderr_buffer.extend(chunk)
        *lines, rest = bytes(stderr_buffer).split(b"\n")
        for line in lines:
            tail.append(line.decode("utf-8", "replace").rstrip("\r"))
        stderr_buffer[:] = rest[-65536:]

    async def run() -> None:
        async with anyio.create_task_group() as tg:

            def fail(message: str) -> None:
                if not failure:
                    failure.append(message)
                tg.cancel_scope.cancel()

            async def stdout_reader() -> None:
                assert process.stdout is not None
                buffer = b""
                try:
                    async for chunk in process.stdout:
                        buffer += chunk
                        *lines, buffer = buffer.split(b"\n")
                        if len(buffer) > MAX_MESSAGE_BYTES:
                            fail(f"a line over {MAX_MESSAGE_BYTES} bytes on stdout")
                            return
                        for line in lines:
                            if not line.strip():
                                continue
                            try:
                                message = types.JSONRPCMessage.model_validate_json(line)
                            except Exception:
                                shown_line = line[:200].decode("utf-8", "replace")
                                fail(
                                    "the server wrote something that is not a JSON-RPC message"
                                    f" on stdout: {shown_line!r}"
                                )
                                return
                            await read_send.send(SessionMessage(message))
                except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                    return
                status = None
                with anyio.move_on_after(2):
                    status = await process.wait()
                fail(
                    "the server closed its stdout before the capture finished"
                    + (f" (it exited with status {status})" if status is not None else "")
                )

            async def stdin_writer() -> None:
                assert process.stdin is not None
                try:
                    async for message in write_recv:
                        data = message.message.model_dump_json(by_alias=True, exclude_none=True)
                        await process.stdin.send(data.encode() + b"\n")
                except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                    fail("the server closed its stdin")

            async def stderr_reader() -> None:
                assert process.stderr is not None
                with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                    async for chunk in process.stderr:
                        add_stderr(chunk)

            async def session() -> None:
                try:
                    async with ClientSession(read_recv, write_send) as s:
                        result.update(await _catalog(s, progress))
                except Exception as e:
                    fail(_describe(e))
                    return
                tg.cancel_scope.cancel()

            tg.start_soon(stdout_reader)
            tg.start_soon(stdin_writer)
            tg.start_soon(stderr_reader)
            tg.start_soon(session)

    timed_out = False
    try:
        with anyio.move_on_after(timeout) as scope:
            await run()
        timed_out = scope.cancelled_caught and not result and not failure
    finally:
        with anyio.CancelScope(shield=True):
            status = await _reap(process, graceful=bool(result) and not failure)
            # Whatever the server still had to say on stderr (it is gone now).
            if process.stderr is not None:
                with anyio.move_on_after(1), contextlib.suppress(Exception):
                    async for chunk in process.stderr:
                        add_stderr(chunk)
            if stderr_buffer:
                tail.append(bytes(stderr_buffer).decode("utf-8", "replace"))
                stderr_buffer.clear()
            for stream in (read_send, read_recv, write_send, write_recv):
                await stream.aclose()
            await process.aclose()
    if result and not failure:
        return result
    if timed_out:
        step = progress[-1] if progress else "start"
        reason = f"no answer within {timeout:g} s (waiting for {step})"
    else:
        reason = failure[0] if failure else "the capture stopped"
    raise McpError(_mcp_message(f"MCP server `{shown}`: {reason}", status, list(tail)))


async def _reap(process: Any, *, graceful: bool) -> int | None:
    """Ends the server and its process group; returns its exit status."""
    if graceful:
        # The MCP stdio shutdown: close stdin, give the server a moment to exit.
        with contextlib.suppress(Exception):
            await process.stdin.aclose()
        with anyio.move_on_after(2):
            await process.wait()
    if process.returncode is None:
        _kill_group(process.pid, signal.SIGTERM)
        with anyio.move_on_after(2):
            await process.wait()
    # Always: children the server spawned (npx → node) share its process group.
    _kill_group(process.pid, signal.SIGKILL)
    with anyio.move_on_after(5):
        await process.wait()
    return process.returncode


def _mcp_message(head: str, status: int | None, tail: list[str]) -> str:
    lines = [head]
    if status is None:
        lines.append("exit status: unknown (still running; killed)")
    elif status < 0:
        lines.append(f"exit status: killed by signal {-status}")
    else:
        lines.append(f"exit status: {status}")
    tail = [t for t in tail if t.strip()]
    if tail:
        lines.append(f"last {len(tail)} line(s) of its stderr:")
        lines.extend(f"  | {t}" for t in tail)
    else:
        lines.append("its stderr was empty")
    return "\n".join(lines)


async def _capture_http(
    url: str,
    headers: Iterable[str] | Mapping[str, str] | None,
    timeout: float,
    expand_env: bool = True,
) -> dict[str, Any]:
    from mcp import ClientSession

    shown = redact_url(url)
    request_headers = parse_headers(headers, expand_env=expand_env)
    progress: list[str] = []
    failure: list[str] = []
    result: dict[str, Any] = {}
    statuses: list[str] = []

    async def record_status(response: httpx.Response) -> None:
        # The SDK reads some statuses as protocol events (404 = "session terminated"):
        # keep the HTTP status itself for the message.
        if response.status_code >= 400:
            statuses.append(
                f"HTTP {response.status_code} {response.reason_phrase} from "
                f"{response.request.method} {redact_url(str(response.request.url))}".replace(
                    "  ", " "
                )
            )

    async def run() -> None:
        async with (  # noqa: SIM117
            httpx.AsyncClient(
                event_hooks={"response": [record_status]},
                headers=request_headers,
                timeout=httpx.Timeout(timeout),
                follow_redirects=True,
                max_redirects=5,
                trust_env=False,
            ) as client,
            _streamable_http(url, client) as (read, write, _session_id),
        ):
            # The task group is entered only once the transport is up.
            async with anyio.create_task_group() as tg:
                # The SDK's transport hands HTTP failures to the session as items of
                # the read stream; fail fast on them instead of waiting for a timeout.
                inner_send, inner_recv = anyio.create_memory_object_stream[Any](64)

                async def relay() -> None:
                    async with inner_send:
                        async for item in read:
                            if isinstance(item, Exception):
                                failure.append(_describe(item))
                                tg.cancel_scope.cancel()
                                return
                            await inner_send.send(item)

                async def session() -> None:
                    try:
                        async with ClientSession(inner_recv, write) as s:
                            result.update(await _catalog(s, progress))
                    except Exception as e:
                        failure.append(_describe(e))
                    tg.cancel_scope.cancel()

                tg.start_soon(relay)
                tg.start_soon(session)

    timed_out = False
    try:
        with anyio.move_on_after(timeout) as scope:
            await run()
        timed_out = scope.cancelled_caught and not result and not failure
    except Exception as e:
        if not result:
            failure.append(_describe(e))
    if result and not failure:
        return result
    if timed_out:
        step = progress[-1] if progress else "connect"
        raise FetchTimeoutError(
            f"MCP server {shown}: no answer within {timeout:g} s (waiting for {step})"
        )
    reason = failure[0] if failure else "the capture stopped"
    if statuses and statuses[-1] not in reason:
        reason = f"{reason} ({statuses[-1]})"
    raise McpError(f"MCP server {shown}: {reason}")


def _streamable_http(url: str, client: httpx.AsyncClient) -> Any:
    from mcp.client import streamable_http

    if hasattr(streamable_http, "streamable_http_client"):
        return streamable_http.streamable_http_client(url, http_client=client)
    # Older 1.x SDKs: only the header/timeout form.
    return streamable_http.streamablehttp_client(  # pragma: no cover
        url, headers=dict(client.headers), timeout=client.timeout.read or DEFAULT_TIMEOUT
    )


async def capture_mcp_document(
    *,
    command: Sequence[str] | None = None,
    url: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    headers: Iterable[str] | Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    expand_env: bool = True,
) -> dict[str, Any]:
    """The MCP capture document of a server: started with ``command`` (stdio; ``env``
    adds variables, values may use ``${VAR}``) or reached at ``url`` (Streamable HTTP;
    ``headers`` may use ``${VAR}``). Any failure is ``E_MCP`` (``E_TIMEOUT`` for an HTTP
    server that never answers), within ``timeout`` seconds. ``expand_env=False`` uses
    ``env``/``headers`` values verbatim (already expanded by the capture plan)."""
    if (command is None) == (url is None):
        raise ValueError("give exactly one of command= (stdio) and url= (Streamable HTTP)")
    if command is not None:
        if isinstance(command, str):
            raise TypeError(
                "command must be a sequence of arguments, e.g. ['python', '-m', 'server']"
            )
        return await _capture_stdio(command, env, cwd, timeout, expand_env)
    assert url is not None
    return await _capture_http(url, headers, timeout, expand_env)


async def capture_mcp(
    *,
    command: Sequence[str] | None = None,
    url: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    headers: Iterable[str] | Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Snapshot:
    """The snapshot of an MCP server (see :func:`capture_mcp_document`)."""
    doc = await capture_mcp_document(
        command=command, url=url, env=env, cwd=cwd, headers=headers, timeout=timeout
    )
    return _n.load_value(doc, "mcp")


def capture_mcp_sync(
    *,
    command: Sequence[str] | None = None,
    url: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    headers: Iterable[str] | Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Snapshot:
    """:func:`capture_mcp` for synchronous code. Called where an event loop is already
    running (a notebook, an async test), it runs the capture on a worker thread."""

    async def go() -> Snapshot:
        return await capture_mcp(
            command=command, url=url, env=env, cwd=cwd, headers=headers, timeout=timeout
        )

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return anyio.run(go)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="driftguard") as pool:
        return pool.submit(anyio.run, go).result()


def document_json(doc: Any) -> str:
    """A capture document as written by ``--document``: keys sorted, 2-space indent."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
