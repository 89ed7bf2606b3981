"""A real HTTP server on 127.0.0.1 (ephemeral port) for the fetch-layer tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OPENAPI_V1: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1.0.0"},
    "paths": {
        "/pets": {
            "get": {
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Pet"},
                                }
                            }
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Pet": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "tag": {"type": "string"},
                },
            }
        }
    },
}


def openapi_v2() -> dict[str, Any]:
    doc = json.loads(json.dumps(OPENAPI_V1))
    doc["info"]["version"] = "2.0.0"
    doc["paths"]["/pets"]["get"]["parameters"][0]["required"] = True
    del doc["components"]["schemas"]["Pet"]["properties"]["tag"]
    return doc


class State:
    def __init__(self) -> None:
        self.document: dict[str, Any] = OPENAPI_V1
        self.etag = '"v1"'
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.counter = 0

    def publish(self, document: dict[str, Any], etag: str) -> None:
        self.document, self.etag = document, etag


def make_handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            state.requests.append((self.path, dict(self.headers.items())))
            path = self.path
            if path == "/openapi.json":
                if self.headers.get("If-None-Match") == state.etag:
                    self.send_response(304)
                    self.send_header("ETag", state.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = json.dumps(state.document).encode()
                self.send(200, body, {"ETag": state.etag, "Content-Type": "application/json"})
            elif path == "/error":
                self.send(500, b"internal error", {"Content-Type": "text/plain"})
            elif path == "/slow":
                time.sleep(3)
                self.send(200, b"{}")
            elif path == "/drip":
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                for _ in range(40):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            elif path == "/garbage":
                self.send(200, b"\x89PNG\r\n\x1a\n\x00\x00garbage", {"Content-Type": "image/png"})
            elif path == "/html":
                self.send(
                    200, b"<html><body>Not an API</body></html>", {"Content-Type": "text/html"}
                )
            elif path.startswith("/redirect/"):
                n = int(path.rsplit("/", 1)[1])
                target = "/openapi.json" if n == 0 else f"/redirect/{n - 1}"
                self.send(302, b"", {"Location": target})
            elif path == "/big":
                self.send(200, b"[" + b"0," * 600_000 + b"0]")
            elif path == "/big-chunked":
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"0," * 50_000
                for _ in range(20):
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            elif path == "/private":
                if self.headers.get("Authorization") != "Bearer s3cr3t-token":
                    self.send(401, b"unauthorized")
                    return
                self.send(200, json.dumps(state.document).encode())
            elif path == "/status":
                state.counter += 1
                payload: dict[str, Any] = {"ok": True, "count": state.counter}
                if state.counter % 2:
                    payload["warning"] = None
                else:
                    payload["uptime"] = 1.5
                self.send(200, json.dumps(payload).encode(), {"Content-Type": "application/json"})
            else:
                self.send(404, b"not found")

    return Handler


@contextmanager
def serve() -> Iterator[tuple[str, State]]:
    state = State()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
