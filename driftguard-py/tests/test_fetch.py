"""The HTTP fetch layer against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import driftguard
import pytest
from driftguard import errors
from driftguard.fetch import HttpCache, fetch_url, parse_header, substitute_env
from httpserver import OPENAPI_V1, openapi_v2, serve

CLI = [sys.executable, "-m", "driftguard.cli"]

EXPECTED_CHANGES = [
    (
        "parameter-became-required",
        "breaking",
        "/surface/operations/GET ~1pets/parameters/query/limit/required",
    ),
    ("property-removed", "dangerous", "/schemas/#~1components~1schemas~1Pet/properties/tag"),
    ("api-version-changed", "safe", "/meta/version"),
]


def test_an_openapi_document_that_changes_between_captures() -> None:
    with serve() as (base, state):
        url = f"{base}/openapi.json"
        cache = HttpCache()
        first = driftguard.capture(url, cache=cache)
        assert first.kind == "openapi" and first.source == {"url": url}
        assert state.requests[-1][1].get("If-None-Match") is None
        # Unchanged: the conditional request is answered 304 and the cached body reused.
        again = fetch_url(url, cache=cache)
        assert (again.status, again.not_modified, again.etag) == (304, True, '"v1"')
        assert state.requests[-1][1]["If-None-Match"] == '"v1"'
        assert driftguard.capture(url, cache=cache) == first
        # Published: a new ETag, a 200, and the classified changes.
        state.publish(openapi_v2(), '"v2"')
        second_fetch = fetch_url(url, cache=cache)
        assert (second_fetch.status, second_fetch.not_modified, second_fetch.etag) == (
            200,
            False,
            '"v2"',
        )
        second = driftguard.capture(url, cache=cache)
        report = driftguard.diff(first, second)
        got = [(c.rule, c.severity, c.pointer) for c in report.changes]
        assert got == EXPECTED_CHANGES
        assert report.failed and report.max_severity == "breaking"
        assert driftguard.diff(OPENAPI_V1, url).render("json") == report.render("json")


def test_cli_diff_reads_urls_like_files(tmp_path: Path, native_cli: Path) -> None:
    (tmp_path / "old.json").write_text(json.dumps(OPENAPI_V1))
    (tmp_path / "new.json").write_text(json.dumps(openapi_v2()))
    with serve() as (base, state):
        state.publish(openapi_v2(), '"v2"')
        for fmt in ("text", "markdown", "json"):
            native = subprocess.run(
                [str(native_cli), "diff", "old.json", "new.json", "--format", fmt],
                cwd=tmp_path,
                capture_output=True,
            )
            p = subprocess.run(
                [*CLI, "diff", "old.json", f"{base}/openapi.json", "--format", fmt],
                cwd=tmp_path,
                capture_output=True,
            )
            assert p.returncode == native.returncode == 1
            if fmt == "json":
                assert p.stdout == native.stdout
        p = subprocess.run(
            [*CLI, "diff", "old.json", f"{base}/error"], cwd=tmp_path, capture_output=True
        )
        assert (p.returncode, p.stdout) == (2, b"")
        assert (
            p.stderr.decode()
            == f"error[E_FETCH]: GET {base}/error: HTTP 500 Internal Server Error\n"
        )


@pytest.mark.parametrize(
    ("path", "cls", "words"),
    [
        ("/error", errors.FetchError, "HTTP 500 Internal Server Error"),
        ("/missing", errors.FetchError, "HTTP 404 Not Found"),
        ("/slow", errors.FetchTimeoutError, "no response within 1 s"),
        ("/redirect/5", errors.RedirectsError, "more than 5 redirects"),
    ],
)
def test_http_failures_are_clear_errors(path: str, cls: type, words: str) -> None:
    with serve() as (base, _state):
        start = time.monotonic()
        with pytest.raises(cls) as info:
            driftguard.capture(base + path, timeout=1)
        assert time.monotonic() - start < 2.5
        assert type(info.value) is cls and words in str(info.value)
        assert str(info.value).startswith(f"GET {base}{path}: ")


def test_a_slow_drip_body_hits_the_overall_deadline() -> None:
    with serve() as (base, _state):
        start = time.monotonic()
        with pytest.raises(errors.FetchTimeoutError):
            fetch_url(f"{base}/drip", timeout=1.5)
        assert time.monotonic() - start < 4


def test_redirects_up_to_the_limit_are_followed() -> None:
    with serve() as (base, _state):
        result = fetch_url(f"{base}/redirect/4")  # 5 redirects
        assert result.status == 200 and result.url == f"{base}/openapi.json"


def test_garbage_bodies_are_core_errors() -> None:
    with serve() as (base, _state):
        with pytest.raises(errors.EncodingError):
            driftguard.capture(f"{base}/garbage")
        with pytest.raises(errors.UnsupportedFormatError):
            driftguard.capture(f"{base}/html")


def test_size_limits() -> None:
    with serve() as (base, _state):
        with pytest.raises(
            errors.TooLargeError,
            match=r"the body \(1200003 bytes\) exceeds the limit of 1000000 bytes",
        ):
            fetch_url(f"{base}/big", max_bytes=1_000_000)
        with pytest.raises(errors.TooLargeError, match="exceeds the limit of 1000000 bytes"):
            fetch_url(f"{base}/big-chunked", max_bytes=1_000_000)
        assert len(fetch_url(f"{base}/big-chunked", max_bytes=2_000_000).body) == 2_000_000


def test_connection_refused() -> None:
    from servers import free_port

    with pytest.raises(errors.FetchError) as info:
        fetch_url(f"http://127.0.0.1:{free_port()}/x", timeout=5)
    assert type(info.value) is errors.FetchError and "ConnectError" in str(info.value)


def test_env_headers_are_substituted_and_never_echoed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DG_TOKEN", "s3cr3t-token")
    with serve() as (base, state):
        url = f"{base}/private"
        snap = driftguard.capture(url, headers=["Authorization: Bearer ${DG_TOKEN}"])
        assert snap == driftguard.load(OPENAPI_V1)
        assert state.requests[-1][1]["Authorization"] == "Bearer s3cr3t-token"
        monkeypatch.setenv("DG_TOKEN", "wrong-s3cr3t")
        with pytest.raises(errors.FetchError) as info:
            driftguard.capture(url, headers={"Authorization": "Bearer ${DG_TOKEN}"})
        assert "401" in str(info.value) and "s3cr3t" not in str(info.value)
        with pytest.raises(errors.EnvError) as env:
            driftguard.capture(url, headers=["Authorization: Bearer ${DG_UNSET_VAR_X}"])
        assert (
            str(env.value)
            == "environment variable DG_UNSET_VAR_X is not set (used as ${DG_UNSET_VAR_X})"
        )
        # The CLI: same substitution, same silence about values.
        p = subprocess.run(
            [*CLI, "capture", url, "--header", "Authorization: Bearer ${DG_TOKEN}"],
            capture_output=True,
            env={"DG_TOKEN": "wrong-s3cr3t", "PATH": "/usr/bin:/bin"},
            timeout=60,
        )
        assert p.returncode == 2 and b"s3cr3t" not in p.stderr + p.stdout
        assert p.stderr.decode() == f"error[E_FETCH]: GET {url}: HTTP 401 Unauthorized\n"
        p = subprocess.run(
            [
                *CLI,
                "capture",
                url,
                "--header",
                "Authorization: Bearer ${DG_TOKEN}",
                "-o",
                str(tmp_path / "s.json"),
            ],
            capture_output=True,
            env={"DG_TOKEN": "s3cr3t-token", "PATH": "/usr/bin:/bin"},
            timeout=60,
        )
        assert (p.returncode, p.stderr) == (0, b"")
        assert (tmp_path / "s.json").read_text() == snap.with_source(None).to_json(pretty=True)
        p = subprocess.run(
            [*CLI, "capture", url, "--header", "Authorization: Bearer ${NOPE_UNSET}"],
            capture_output=True,
            timeout=60,
        )
        assert p.returncode == 2 and p.stderr.startswith(
            b"error[E_ENV]: environment variable NOPE_UNSET is not set"
        )


def test_sampled_endpoint() -> None:
    with serve() as (base, state):
        snap = driftguard.capture_endpoint(f"{base}/status", samples=4, interval_ms=10)
        assert state.counter == 4 and snap.kind == "samples"
        expected = driftguard._driftguard.load_samples(
            [
                {"ok": True, "count": n, **({"warning": None} if n % 2 else {"uptime": 1.5})}
                for n in (1, 2, 3, 4)
            ]
        )
        assert snap == expected
        p = subprocess.run(
            [*CLI, "capture", "--endpoint", f"{base}/status", "--samples", "2", "--document"],
            capture_output=True,
            timeout=60,
        )
        assert p.returncode == 0
        assert json.loads(p.stdout) == [
            {"count": 5, "ok": True, "warning": None},
            {"count": 6, "ok": True, "uptime": 1.5},
        ]


def test_header_and_env_helpers() -> None:
    assert parse_header("X-Api-Key:  abc ") == ("X-Api-Key", "abc")
    with pytest.raises(ValueError):
        parse_header("no colon here")
    assert substitute_env("a ${X} b ${X}", {"X": "1"}) == "a 1 b 1"
    assert substitute_env("$X ${", {}) == "$X ${"
