"""The ``driftguard`` command line.

``diff``, ``snapshot``, ``rules``, ``--help`` and ``--version`` run the core's own command
line (``driftguard_core::cli::run``) with a host written here: files, ``-`` (stdin) and
http(s) URLs through the fetch layer, and today's date (UTC). Output bytes, stderr and
exit codes are therefore those of every other DriftGuard CLI. ``capture`` is this
package's own command (it needs the network and processes).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn, TextIO

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

from . import _driftguard as _n
from ._api import is_url
from ._args import io_message as _io_message
from .errors import DriftGuardError

__all__ = ["CAPTURE_USAGE", "main", "run"]

CAPTURE_USAGE: str = _n.CAPTURE_USAGE
"""Usage of ``capture``: the core's text, the same in every binding."""

_MORE_HELP = """
capture (the Python package's own command; `driftguard capture --help` for details):
  driftguard capture SOURCE|--mcp-stdio -- CMD...|--mcp-http URL|--endpoint URL [-o FILE]
  driftguard capture --package npm:NAME[@RANGE]|pypi:NAME[==VERSION] [--document]

approve and check (the lock of driftguard.toml; `driftguard check --help` for details):
  driftguard approve [SURFACE...] [--config FILE]
  driftguard check [SURFACE...] [--config FILE] [--format text|json|markdown|github]

watch and its history (`driftguard watch --help`, `driftguard history --help`):
  driftguard watch [--config FILE] [--once] [--store URL]
  driftguard history SURFACE [--limit N] [--format text|json] [--export FILE]
  driftguard show SURFACE [--at TIME] [--format text|json]
  driftguard exposure SURFACE [--format text|json]

examples:
  driftguard capture openapi.yaml -o baseline.json        # a snapshot to commit
  driftguard diff baseline.json https://api.example.com/openapi.json --format markdown
  driftguard capture --mcp-stdio -o tools.json -- python -m my_mcp_server
  driftguard diff tools.json new-tools.json --fail-on dangerous
  driftguard diff pypi:mcp-server-time==2026.10.10 pypi:mcp-server-time==2026.10.19
"""


class HostError(Exception):
    """A file could not be read (the message is the whole line the core prints)."""


class Host:
    """What the core's command line needs from us: files, stdin, URLs and the date."""

    def __init__(self, *, timeout: float = 30.0) -> None:
        self.timeout = timeout
        #: A fetch-layer error, reported as ``error[CODE]: message``.
        self.fetch_error: DriftGuardError | None = None

    def read(self, path: str) -> bytes:
        if path == "-":
            try:
                return sys.stdin.buffer.read()
            except OSError as e:
                raise HostError(f"cannot read stdin: {_io_message(e)}") from None
        if path.startswith(("npm:", "pypi:")) and not os.path.exists(path):
            from .package.capture import read_spec

            try:
                return read_spec(path, timeout=self.timeout)
            except DriftGuardError as e:
                self.fetch_error = e
                raise HostError(str(e)) from None
        if is_url(path):
            from .fetch import fetch_url

            try:
                return fetch_url(path, timeout=self.timeout).body
            except DriftGuardError as e:
                self.fetch_error = e
                raise HostError(str(e)) from None
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError as e:
            raise HostError(f"cannot read {path}: {_io_message(e)}") from None

    def today(self) -> str | None:
        return _dt.datetime.now(_dt.timezone.utc).date().isoformat()


def run(args: Sequence[str], host: Host | None = None) -> tuple[str, str, int]:
    """Runs one core command line; returns ``(stdout, stderr, exit code)``."""
    host = host or Host()
    out, err, code = _n.cli_run(list(args), host)
    if code == 2 and host.fetch_error is not None:
        e = host.fetch_error
        err = f"error[{e.code}]: {e}\n"
    return out, err, code


def _write(stream: TextIO, text: str) -> None:
    if text:
        stream.buffer.write(text.encode("utf-8"))
        stream.flush()


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The console script."""
    sys.exit(_main(list(sys.argv[1:] if argv is None else argv)))


def _main(args: list[str]) -> int:
    if args and args[0] == "capture":
        return _capture(args[1:])
    if args and args[0] in ("approve", "check"):
        from ._lock import run_approve, run_check

        try:
            return (run_approve if args[0] == "approve" else run_check)(args[1:])
        except BrokenPipeError:
            return 2
    if args and args[0] in ("watch", "history", "show", "exposure"):
        try:
            if args[0] == "watch":
                from .watch import run_watch

                return run_watch(args[1:])
            from . import history

            command = {
                "history": history.run_history,
                "show": history.run_show,
                "exposure": history.run_exposure,
            }[args[0]]
            return command(args[1:])
        except BrokenPipeError:
            return 2
    if (
        args
        and args[0] == "diff"
        and "--color" not in args
        and sys.stdout.isatty()
        and not os.environ.get("NO_COLOR")
    ):
        args = [*args, "--color"]
    out, err, code = run(args)
    if code == 0 and any(a in ("-h", "--help") for a in args) and args[:1] != ["capture"]:
        out += _MORE_HELP
    try:
        _write(sys.stdout, out)
        _write(sys.stderr, err)
    except BrokenPipeError:
        return 2
    return code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"error: {message}\n\n{CAPTURE_USAGE}")
        sys.exit(2)

    def print_help(self, file: SupportsWrite[str] | None = None) -> None:
        (file or sys.stdout).write(CAPTURE_USAGE)


def _capture_parser() -> _Parser:
    # No abbreviations (--doc for --document): the options are exactly the usage's, as in
    # every binding.
    p = _Parser(prog="driftguard capture", add_help=True, allow_abbrev=False)
    p.add_argument("source", nargs="?")
    p.add_argument("-o", "--output")
    p.add_argument("--format")
    p.add_argument("--header", action="append", default=[])
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--document", action="store_true")
    p.add_argument("--mcp-stdio", action="store_true")
    p.add_argument("--mcp-http", metavar="URL")
    p.add_argument("--env", action="append", default=[])
    p.add_argument("--cwd")
    p.add_argument("--endpoint", metavar="URL")
    p.add_argument("--samples", type=int, default=3)
    p.add_argument("--interval-ms", type=int, default=1000)
    p.add_argument("--package", metavar="SPEC")
    return p


def _progress(message: str) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"driftguard: {message}\n")
        sys.stderr.flush()


def _capture(args: list[str]) -> int:
    command: list[str] = []
    if "--" in args:
        i = args.index("--")
        args, command = args[:i], args[i + 1 :]
    ns = _capture_parser().parse_args(args)
    parser = _capture_parser()
    modes = [
        bool(ns.mcp_stdio),
        ns.mcp_http is not None,
        ns.endpoint is not None,
        ns.source is not None,
        ns.package is not None,
    ]
    if sum(modes) != 1:
        parser.error(
            "give exactly one of SOURCE, --mcp-stdio, --mcp-http URL, --endpoint URL,"
            " --package SPEC"
        )
    if ns.mcp_stdio and not command:
        parser.error("--mcp-stdio needs the server's command after --, e.g. -- python -m server")
    if command and not ns.mcp_stdio:
        parser.error("a command after -- is only for --mcp-stdio")
    if not math.isfinite(ns.timeout) or ns.timeout <= 0:
        parser.error("--timeout must be a positive number of seconds")
    if ns.samples < 1:
        parser.error("--samples needs a whole number above 0")
    if ns.interval_ms < 0:
        parser.error("--interval-ms must not be negative")
    if ns.format is not None and ns.source is None:
        parser.error("--format is only for SOURCE")
    env: dict[str, str] = {}
    for item in ns.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            parser.error(f"--env needs KEY=VALUE, got {key!r}")
        env[key] = value

    import asyncio

    from . import _capture as cap

    text: str | None = None
    data = b""
    try:
        if ns.mcp_stdio or ns.mcp_http is not None:
            _progress("capturing the MCP server…")
            doc = asyncio.run(
                cap.capture_mcp_document(
                    command=command if ns.mcp_stdio else None,
                    url=ns.mcp_http,
                    env=env,
                    cwd=ns.cwd,
                    headers=ns.header,
                    timeout=ns.timeout,
                )
            )
            text = (
                cap.document_json(doc) if ns.document else _snapshot_text(_n.load_value(doc, "mcp"))
            )
        elif ns.package is not None:
            from .package.capture import capture_package_document

            _progress(f"fetching {ns.package}…")
            doc = capture_package_document(ns.package, timeout=ns.timeout)
            text = (
                cap.document_json(doc)
                if ns.document
                else _snapshot_text(_n.load_value(doc, "package"))
            )
        elif ns.endpoint is not None:
            _progress(f"sampling {ns.endpoint} {ns.samples} time(s)…")
            bodies = cap.capture_endpoint_document(
                ns.endpoint,
                samples=ns.samples,
                interval_ms=ns.interval_ms,
                headers=ns.header,
                timeout=ns.timeout,
            )
            if ns.document:
                payloads = [json.loads(b) for b in bodies]
                text = cap.document_json(payloads)
            else:
                text = _snapshot_text(_n.load_samples(bodies))
        else:
            if is_url(ns.source):
                _progress(f"fetching {ns.source}…")
            body = cap.capture_document(ns.source, headers=ns.header, timeout=ns.timeout)
            data = body if ns.document else _snapshot_text(_n.load_bytes(body, ns.format)).encode()
    except DriftGuardError as e:
        sys.stderr.write(f"error[{e.code}]: {e}\n")
        return 2
    except (ValueError, json.JSONDecodeError) as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    except OSError as e:
        sys.stderr.write(f"error: cannot read {ns.source}: {_io_message(e)}\n")
        return 2
    if text is not None:
        data = text.encode("utf-8")
    try:
        _emit_bytes(data, ns.output)
    except OSError as e:
        sys.stderr.write(f"error: cannot write {ns.output}: {_io_message(e)}\n")
        return 2
    return 0


def _snapshot_text(snapshot: _n.Snapshot) -> str:
    # What `driftguard snapshot` prints: the canonical content, no `source`.
    return snapshot.with_source(None).to_json(pretty=True)


def _emit_bytes(data: bytes, output: str | None) -> None:
    if output and output != "-":
        with open(output, "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


if __name__ == "__main__":  # pragma: no cover
    main()
