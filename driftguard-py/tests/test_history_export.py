"""`driftguard history SURFACE --export FILE`: the timeline document the viewer charts.

A real HTTP server on 127.0.0.1 serves an OpenAPI document that changes three times (a
breaking, a dangerous and a safe change) and fails three polls with HTTP 500 (two gaps);
the watcher is the real console script run with `--once`, the store a real SQLite file, a
real webhook receiver takes the alerts. The export is checked exactly (modulo clock and
port), byte-deterministic, free of the secret given through `${PETS_TOKEN}` (in the URL and
a header), and equal (modulo clock and port) to the fixture the browser test charts:
driftguard-wasm/tests/fixtures/timeline.history.json. To regenerate that fixture, run this
file with DRIFTGUARD_WRITE_TIMELINE_FIXTURE=1.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from httpserver import OPENAPI_V1
from watchkit import clean_env, every_byte, run_cli, webhook_receiver

TOKEN = "tok-export-5e4d3c2b1a"
HOSTILE = '<script>alert("pwned")</script>'
#: The reason phrase of the failing polls: hostile markup the viewer must show as text.
HOSTILE_REASON = f"Broken {HOSTILE}<img src=x onerror=alert(1)>"
FIXTURE = (
    Path(__file__).resolve().parents[2]
    / "driftguard-wasm"
    / "tests"
    / "fixtures"
    / "timeline.history.json"
)
TIME_KEYS = {"time", "created", "delivered_at", "next_attempt", "at", "approved_at"}


def _docs() -> list[dict[str, Any]]:
    v1 = json.loads(json.dumps(OPENAPI_V1))
    v1["components"]["schemas"]["Pet"]["properties"][HOSTILE] = {"type": "string"}
    v2 = json.loads(json.dumps(v1))  # breaking: a required parameter, a removed property
    v2["info"]["version"] = "2.0.0"
    v2["paths"]["/pets"]["get"]["parameters"][0]["required"] = True
    del v2["components"]["schemas"]["Pet"]["properties"]["tag"]
    v3 = json.loads(json.dumps(v2))  # dangerous: the hostile property removed
    del v3["components"]["schemas"]["Pet"]["properties"][HOSTILE]
    v4 = json.loads(json.dumps(v3))  # safe: the version only
    v4["info"]["version"] = "3.0.0"
    return [v1, v2, v3, v4]


@dataclass
class _Api:
    document: dict[str, Any]
    etag: str = '"v1"'
    fail: bool = False
    requests: list[str] = field(default_factory=list)


@contextlib.contextmanager
def _serve(document: dict[str, Any]) -> Iterator[tuple[str, _Api]]:
    """The watched API: the document with an ETag, or HTTP 500 with a hostile reason."""
    api = _Api(document)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            api.requests.append(self.path)
            if api.fail:
                status, body, headers = 500, b"down", {"Content-Type": "text/plain"}
                self.send_response(500, HOSTILE_REASON)
            elif self.headers.get("If-None-Match") == api.etag:
                status, body, headers = 304, b"", {"ETag": api.etag}
                self.send_response(status)
            else:
                status, body = 200, json.dumps(api.document).encode()
                headers = {"ETag": api.etag, "Content-Type": "application/json"}
                self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/openapi.json", api
    finally:
        server.shutdown()
        server.server_close()


def _config(api: str, hook: str) -> str:
    return f"""
[watch]
jitter = 0.0
max_backoff = "1s"

[[surface]]
name = "pets"
url = "{api}?key=${{PETS_TOKEN}}"
timeout = "5s"
headers = {{ Authorization = "Bearer ${{PETS_TOKEN}}" }}

[[alerts.webhook]]
name = "hook"
url = "{hook}/drift"
"""


def validate(doc: Any) -> None:
    """Asserts the shape of a ``driftguard.history/1`` document (what the viewer relies on)."""
    assert isinstance(doc, dict)
    assert sorted(doc) == [
        "alerts",
        "approved",
        "changes",
        "format",
        "observations",
        "source",
        "surface",
    ]
    assert doc["format"] == "driftguard.history/1"
    assert isinstance(doc["surface"], str) and doc["surface"]
    assert doc["approved"] is None or sorted(doc["approved"]) == ["approved_at", "digest"]
    rfc3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
    ids = []
    for o in doc["observations"]:
        assert sorted(o) == [
            "approved_digest",
            "digest",
            "duration_ms",
            "error_code",
            "error_message",
            "id",
            "ok",
            "outcome",
            "time",
        ]
        assert rfc3339.match(o["time"]), o["time"]
        assert isinstance(o["ok"], bool)
        if o["ok"]:
            assert o["digest"].startswith("sha256:") and o["error_code"] is None
        else:
            assert o["error_code"].startswith("E_") and isinstance(o["error_message"], str)
        ids.append(o["id"])
    assert ids == sorted(ids)
    for c in doc["changes"]:
        assert sorted(c) == [
            "fails",
            "id",
            "max_severity",
            "new_digest",
            "observation",
            "old_digest",
            "report",
            "summary",
            "time",
        ]
        assert rfc3339.match(c["time"])
        assert c["max_severity"] in ("breaking", "dangerous", "safe", None)
        assert c["report"]["new"] == c["new_digest"]
        assert isinstance(c["report"]["changes"], list)
    assert [c["id"] for c in doc["changes"]] == sorted(c["id"] for c in doc["changes"])


def normalized(doc: Any, port: str) -> Any:
    """The document without what the clock and the ephemeral port decide."""
    if isinstance(doc, dict):
        return {
            k: (
                "T"
                if k in TIME_KEYS and v is not None
                else "MS"
                if k == "duration_ms"
                else normalized(v, port)
            )
            for k, v in doc.items()
        }
    if isinstance(doc, list):
        return [normalized(v, port) for v in doc]
    if isinstance(doc, str):
        return doc.replace(f"127.0.0.1:{port}", "127.0.0.1:PORT")
    return doc


def test_export_of_a_watched_surface(tmp_path: Path) -> None:
    v1, v2, v3, v4 = _docs()
    env = clean_env(PETS_TOKEN=TOKEN, DRIFTGUARD_WATCH_INTERVAL="50ms")

    def cli(*args: str) -> tuple[int, str, str]:
        return run_cli(tmp_path, *args, env=env)

    with _serve(v1) as (api_url, api), webhook_receiver() as (hook_url, hook):
        port = api_url.split(":")[2].split("/")[0]

        def once(expect: str) -> None:
            # Due again: the interval is 50ms, the back-off after a failure at most 1s.
            before = len(api.requests)
            for _ in range(20):
                time.sleep(0.1)
                code, out, err = cli("watch", "--once")
                assert code == 0, err
                if len(api.requests) > before:
                    break
            assert len(api.requests) == before + 1, (out, err)
            assert any(f" pets {expect} " in f"{line} " for line in out.splitlines()), out

        def approve() -> None:
            code, _, err = cli("approve", "pets")
            assert code == 0, err

        (tmp_path / "driftguard.toml").write_text(_config(api_url, hook_url))
        approve()
        once("ok changed")
        once("ok not-modified")
        api.document, api.etag = v2, '"v2"'
        once("ok changed")
        # Each drift is approved before the next, so the reports (approved → observed) are
        # breaking, dangerous, safe in turn.
        approve()
        api.fail = True
        once("error")
        once("error")
        api.fail = False
        once("ok not-modified")
        api.document, api.etag = v3, '"v3"'
        once("ok changed")
        approve()
        api.fail = True
        once("error")
        api.fail = False
        api.document, api.etag = v4, '"v4"'
        once("ok changed")
        once("ok not-modified")
        assert len(hook.received) == 3

    export = tmp_path / "pets.history.json"
    code, out, err = cli("history", "pets", "--export", str(export))
    assert (code, out) == (0, "")
    assert err == (f"pets: wrote 10 observations (3 failed), 3 changes, 3 alerts to {export}\n")
    data = export.read_bytes()
    doc = json.loads(data)
    validate(doc)

    # Deterministic: the same store, the same bytes; keys sorted, two-space indent.
    code, _, _ = cli("history", "pets", "--export", str(tmp_path / "again.json"))
    assert code == 0 and (tmp_path / "again.json").read_bytes() == data
    assert data == (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()

    # The secret is nowhere: not in the export, though the store's rows came from requests
    # that carried it (in the URL and a header).
    assert TOKEN.encode() not in data
    assert TOKEN.encode() not in every_byte(tmp_path / "driftguard.db")
    assert api.requests[0].endswith(f"?key={TOKEN}")

    # The export redacts on its own too: with a secret that the stored rows do contain
    # (text of the failure reason), the value appears nowhere in the file.
    code, _, err = run_cli(
        tmp_path,
        "history",
        "pets",
        "--export",
        "redacted.json",
        env=clean_env(PETS_TOKEN="onerror=alert"),
    )
    assert code == 0, err
    redacted = (tmp_path / "redacted.json").read_bytes()
    assert b"onerror=alert" not in redacted and b"onerror" in data
    assert redacted.count(b"[redacted]") == data.count(b"[redacted]") + 3
    validate(json.loads(redacted))

    lock = json.loads((tmp_path / "driftguard.lock").read_text())
    assert doc["approved"] == {
        "digest": lock["surfaces"]["pets"]["digest"],
        "approved_at": lock["surfaces"]["pets"]["approved_at"],
    }
    assert doc["surface"] == "pets"
    assert doc["source"] is not None and TOKEN not in doc["source"]
    obs = doc["observations"]
    assert [(o["ok"], o["outcome"], o["error_code"]) for o in obs] == [
        (True, "changed", None),
        (True, "not-modified", None),
        (True, "changed", None),
        (False, "error", "E_FETCH"),
        (False, "error", "E_FETCH"),
        (True, "not-modified", None),
        (True, "changed", None),
        (False, "error", "E_FETCH"),
        (True, "changed", None),
        (True, "not-modified", None),
    ]
    for o in obs:
        if not o["ok"]:
            assert HOSTILE_REASON in o["error_message"], o["error_message"]
            assert "500" in o["error_message"]
    times = [o["time"] for o in obs]
    assert times == sorted(times)
    digests = [o["digest"] for o in obs if o["ok"]]
    v1d, v2d, v3d, v4d = digests[0], digests[2], digests[4], digests[5]
    assert doc["approved"]["digest"] == v3d
    assert [o["approved_digest"] for o in obs] == [v1d] * 3 + [v2d] * 4 + [v3d] * 3

    changes = doc["changes"]
    assert [c["max_severity"] for c in changes] == ["breaking", "dangerous", "safe"]
    assert [[[ch["rule"], ch["severity"]] for ch in c["report"]["changes"]] for c in changes] == [
        [
            ["parameter-became-required", "breaking"],
            ["property-removed", "dangerous"],
            ["api-version-changed", "safe"],
        ],
        [["property-removed", "dangerous"]],
        [["api-version-changed", "safe"]],
    ]
    assert HOSTILE in changes[1]["report"]["changes"][0]["path"]
    assert [(c["old_digest"], c["new_digest"]) for c in changes] == [
        (v1d, v2d),
        (v2d, v3d),
        (v3d, v4d),
    ]
    by_id = {o["id"]: o for o in obs}
    assert [by_id[c["observation"]]["outcome"] for c in changes] == ["changed"] * 3
    assert [(a["change"], a["sink"], a["status"]) for a in doc["alerts"]] == [
        (changes[0]["id"], "hook", "delivered"),
        (changes[1]["id"], "hook", "delivered"),
        (changes[2]["id"], "hook", "delivered"),
    ]

    # --limit keeps the last N observations (the changes and alerts stay whole).
    code, _, _ = cli("history", "pets", "--export", str(tmp_path / "last3.json"), "--limit", "3")
    last3 = json.loads((tmp_path / "last3.json").read_bytes())
    assert code == 0 and last3["observations"] == obs[-3:] and last3["changes"] == changes

    # The committed fixture the browser test charts is this very document (clock and port
    # aside): regenerate it with DRIFTGUARD_WRITE_TIMELINE_FIXTURE=1 when the format changes.
    if os.environ.get("DRIFTGUARD_WRITE_TIMELINE_FIXTURE") == "1":
        FIXTURE.write_bytes(data)
    fixture = json.loads(FIXTURE.read_bytes())
    validate(fixture)
    fixture_port = re.search(r"127\.0\.0\.1:(\d+)", fixture["source"])
    assert fixture_port is not None
    assert normalized(fixture, fixture_port.group(1)) == normalized(doc, port)
    assert (
        FIXTURE.read_bytes()
        == (json.dumps(fixture, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    )


def test_export_errors(tmp_path: Path) -> None:
    env = clean_env(PETS_TOKEN=TOKEN)
    with _serve(_docs()[0]) as (api_url, _api), webhook_receiver() as (hook_url, _hook):
        (tmp_path / "driftguard.toml").write_text(_config(api_url, hook_url))
        code, _, err = run_cli(tmp_path, "watch", "--once", env=env)
        assert code == 0, err
    # An unwritable destination: a clear error, exit 2, nothing left behind.
    missing = tmp_path / "no" / "such" / "dir" / "x.json"
    code, out, err = run_cli(tmp_path, "history", "pets", "--export", str(missing), env=env)
    assert (code, out) == (2, "")
    assert err == f"error: cannot write {missing}: No such file or directory (os error 2)\n"
    assert not list(tmp_path.glob("no*"))
    # --export needs a value; an unknown surface is refused before anything is written.
    code, _, err = run_cli(tmp_path, "history", "pets", "--export", env=env)
    assert code == 2 and err.startswith("error: --export needs a value\n")
    code, _, err = run_cli(tmp_path, "history", "cats", "--export", "c.json", env=env)
    assert (code, err) == (
        2,
        'error: no surface "cats" in the configuration or the store\n',
    )
    assert not (tmp_path / "c.json").exists()
    # A surface with nothing approved yet still exports a valid document.
    code, _, err = run_cli(tmp_path, "history", "pets", "--export", "p.json", env=env)
    assert code == 0, err
    doc = json.loads((tmp_path / "p.json").read_bytes())
    validate(doc)
    assert len(doc["observations"]) == 1 and doc["changes"] == [] and doc["approved"] is None
