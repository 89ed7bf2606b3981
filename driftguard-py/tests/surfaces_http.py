"""A real HTTP server on 127.0.0.1 serving many small OpenAPI surfaces, counting every request.

Surface ``i`` is ``GET /s/<i>/openapi.json``: a small OpenAPI 3.0 document of its own. The
server records, per path, the monotonic time of each request and the value of the
``X-Watcher`` request header (the scale-out test gives each watcher process its own value
through a ``${VAR}`` header template), so a test can count polls per surface and per watcher
on the server side, where a double poll or a missed one cannot hide.

The tests and the load benchmark (``bench/watch_load.py``, which also serves its webhook
receiver with :func:`serving`) share this one server.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def surface_document(i: int, version: int = 1) -> dict[str, Any]:
    """Surface ``i``'s document; version 2 makes the ``id`` query parameter required and
    removes the ``note`` property from the response (two breaking changes)."""
    params: dict[str, Any] = {"name": "id", "in": "query", "schema": {"type": "integer"}}
    props: dict[str, Any] = {"id": {"type": "integer"}, "note": {"type": "string"}}
    if version >= 2:
        params["required"] = True
        del props["note"]
    return {
        "openapi": "3.0.3",
        "info": {"title": f"Surface {i}", "version": f"{version}.0.0"},
        "paths": {
            f"/items{i}": {
                "get": {
                    "parameters": [params],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "object", "properties": props}
                                }
                            },
                        }
                    },
                }
            }
        },
    }


class SurfacesState:
    """Documents served and requests seen (thread-safe)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.versions = dict.fromkeys(range(count), 1)
        self.lock = threading.Lock()
        self.hits: dict[str, list[tuple[float, str]]] = defaultdict(list)
        self.bodies = {i: json.dumps(surface_document(i)).encode() for i in range(count)}
        #: Seconds surface ``i`` waits before answering (a slow poll to kill a watcher in).
        self.delays: dict[int, float] = {}

    def publish(self, i: int, version: int) -> None:
        """Serves ``version`` of surface ``i`` from now on."""
        with self.lock:
            self.versions[i] = version
            self.bodies[i] = json.dumps(surface_document(i, version)).encode()

    def hits_since(self, i: int, since: float) -> list[tuple[float, str]]:
        """(time, watcher) of each request for surface ``i`` at or after ``since``."""
        with self.lock:
            return [h for h in self.hits[path(i)] if h[0] >= since]

    def times(self, i: int) -> list[float]:
        with self.lock:
            return [t for t, _ in self.hits[path(i)]]

    def watchers(self, i: int) -> list[str]:
        with self.lock:
            return [w for _, w in self.hits[path(i)]]

    def total(self) -> int:
        with self.lock:
            return sum(len(v) for v in self.hits.values())

    def polled(self, since: float, until: float = float("inf")) -> int:
        """How many requests for any surface arrived in ``[since, until)``."""
        with self.lock:
            return sum(1 for hits in self.hits.values() for t, _ in hits if since <= t < until)

    def first_after(self, i: int, since: float) -> float | None:
        """The time of the first request for surface ``i`` at or after ``since``."""
        with self.lock:
            return next((t for t, _ in self.hits[path(i)] if t >= since), None)

    def all_polled_since(self, since: float) -> bool:
        """Whether every surface was requested at or after ``since``."""
        with self.lock:
            return all(any(t >= since for t, _ in self.hits[path(i)]) for i in range(self.count))


def path(i: int) -> str:
    """The path of surface ``i``."""
    return f"/s/{i}/openapi.json"


def make_handler(state: SurfacesState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            now = time.monotonic()
            parts = self.path.split("/")
            body: bytes | None = None
            if len(parts) == 4 and parts[1] == "s" and parts[3] == "openapi.json":
                try:
                    i = int(parts[2])
                except ValueError:
                    i = -1
                delay = 0.0
                with state.lock:
                    if 0 <= i < state.count:
                        state.hits[self.path].append((now, self.headers.get("X-Watcher", "")))
                        body = state.bodies[i]
                        delay = state.delays.get(i, 0.0)
                if delay:
                    time.sleep(delay)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # A watcher killed mid-request closed the connection: fine.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Room for a burst of connections (the benchmark's 1,000 surfaces, its webhook).
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a watcher killed mid-request is expected


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serves ``handler`` on 127.0.0.1 (ephemeral port) in a thread; yields the base URL."""
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve(count: int) -> Iterator[tuple[str, SurfacesState]]:
    """Serves ``count`` surfaces on 127.0.0.1 (ephemeral port); yields (base URL, state)."""
    state = SurfacesState(count)
    with serving(make_handler(state)) as base:
        yield base, state
