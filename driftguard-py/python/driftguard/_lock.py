"""``driftguard approve`` and ``driftguard check``: the lock of ``driftguard.toml``.

The core parses the configuration, resolves each surface's ``${VAR}`` templates (with the
environment passed in), writes the lock and judges the captures; this module reads the
files, captures each surface with the fetch layer, and prints. The Node CLI does the same
steps with the same messages, so both write the same lock bytes and print the same
output.

``DRIFTGUARD_NOW`` (an RFC 3339 time such as ``2026-11-24T00:00:00Z``) replaces the clock:
the approval time ``approve`` records, and the day (its date) ``check`` judges ignore
expiry by. Tests set it so that every binding writes byte-identical locks.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sys
from typing import Any

from . import _driftguard as _n
from ._args import ArgReader, parse_command
from ._args import UsageError as _Usage
from ._args import io_message as _io_message
from ._poll import CaptureFailed as _CaptureFailed
from ._poll import endpoint_bodies, mcp_document, read_surface_file
from .errors import DriftGuardError

__all__ = ["LOCK_USAGE", "run_approve", "run_check"]

LOCK_USAGE = _n.LOCK_USAGE
"""Usage of ``approve`` and ``check``: the core's text, the same in every binding."""

FORMATS = ("text", "json", "markdown", "github")


def _quote(name: str) -> str:
    return json.dumps(name, ensure_ascii=False)


def _parse(args: list[str], *, check: bool) -> tuple[list[str], str, str]:
    """``(names, config path, format)``."""
    names: list[str] = []
    config = "driftguard.toml"
    fmt = "text"
    reader = ArgReader(args)
    for a in reader:
        opt, eq, val = a.partition("=")
        if opt == "--config" or (check and opt == "--format"):
            val = reader.value(opt, eq, val)
            if opt == "--config":
                config = val
            else:
                fmt = val
        elif a == "--":
            names.extend(reader.rest())
            break
        elif a.startswith("-") and a != "-":
            raise _Usage(f"unknown option {_quote(a)}")
        else:
            names.append(a)
    if fmt not in FORMATS:
        raise _Usage(f"--format must be text, json, markdown or github, got {_quote(fmt)}")
    return names, config, fmt


def _now() -> str:
    fixed = os.environ.get("DRIFTGUARD_NOW")
    if fixed:
        return fixed
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _today() -> str:
    return _now()[:10]


def _capture(surface: dict[str, Any], base: str) -> _n.Snapshot:
    """Captures one resolved surface (see ``config_plan``)."""
    from .fetch import fetch_url

    kind = surface["kind"]
    timeout = float(surface["timeout"])
    headers = dict(surface.get("headers") or [])
    if kind == "file":
        return _n.load_bytes(read_surface_file(surface, base))
    if kind == "url":
        # Plan values are already expanded: used verbatim (expand_env=False), never twice.
        fetched = fetch_url(surface["url"], headers=headers, timeout=timeout, expand_env=False)
        return _n.load_bytes(fetched.body)
    if kind == "endpoint":
        return _n.load_samples(endpoint_bodies(surface, headers, timeout))
    if kind == "package":
        from .package.surfaces import capture_surface

        return capture_surface(surface, base)
    # mcp_stdio, or an MCP server over HTTP.
    return _n.load_value(mcp_document(surface, base, headers, timeout), "mcp")


def _capture_all(
    plan: dict[str, Any], names: list[str], base: str
) -> dict[str, _n.Snapshot | tuple[str, str]]:
    secrets: list[str] = list(plan["secrets"])
    out: dict[str, _n.Snapshot | tuple[str, str]] = {}
    for s in plan["surfaces"]:
        if names and s["name"] not in names:
            continue
        err = s.get("error")
        if err is not None:
            out[s["name"]] = (err["code"], _n.redact(err["message"], secrets))
            continue
        try:
            out[s["name"]] = _capture(s, base)
        except _CaptureFailed as e:
            out[s["name"]] = (e.code, _n.redact(e.message, secrets))
        except DriftGuardError as e:
            out[s["name"]] = (e.code, _n.redact(str(e), secrets))
    return out


def _setup(
    args: list[str], *, check: bool
) -> tuple[str, str, dict[str, Any], list[str], str] | int:
    """Reads the configuration: ``(text, base dir, plan, names, format)`` or an exit code."""
    parsed = parse_command(lambda: _parse(args, check=check), LOCK_USAGE)
    if isinstance(parsed, int):
        return parsed
    names, path, fmt = parsed
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except OSError as e:
        sys.stderr.write(f"error: cannot read {path}: {_io_message(e)}\n")
        return 2
    except UnicodeDecodeError:
        sys.stderr.write(f"error: {path} is not UTF-8\n")
        return 2
    try:
        plan = _n.config_plan(text, dict(os.environ))
    except DriftGuardError as e:
        sys.stderr.write(f"error[{e.code}]: {e}\n")
        return 2
    configured = [s["name"] for s in plan["surfaces"]]
    for name in names:
        if name not in configured:
            sys.stderr.write(f"error: {path} has no surface {_quote(name)}\n")
            return 2
    return text, os.path.dirname(path), plan, names, fmt


def _read_lock(base: str) -> str | int | None:
    path = os.path.join(base, "driftguard.lock")
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        msg = _io_message(e) if isinstance(e, OSError) else "not UTF-8"
        sys.stderr.write(f"error: cannot read driftguard.lock: {msg}\n")
        return 2


def _out(stream: Any, text: str, secrets: list[str]) -> None:
    stream.buffer.write(_n.redact(text, secrets).encode("utf-8"))
    stream.flush()


def run_approve(args: list[str]) -> int:
    """``driftguard approve [SURFACE...] [--config FILE]``."""
    setup = _setup(args, check=False)
    if isinstance(setup, int):
        return setup
    text, base, plan, names, _fmt = setup
    secrets: list[str] = list(plan["secrets"])
    lock_text = _read_lock(base)
    if isinstance(lock_text, int):
        return lock_text
    captured = _capture_all(plan, names, base)
    failed = [(n, c) for n, c in captured.items() if isinstance(c, tuple)]
    if failed:
        for name, (code, message) in failed:
            _out(sys.stderr, f"error[{code}]: surface {_quote(name)}: {message}\n", secrets)
        _out(sys.stderr, "driftguard.lock was not written\n", secrets)
        return 2
    snapshots = {n: c for n, c in captured.items() if not isinstance(c, tuple)}
    try:
        new_lock, pruned = _n.lock_approve(text, lock_text, snapshots, _now(), not names)
    except DriftGuardError as e:
        _out(sys.stderr, f"error[{e.code}]: {e}\n", secrets)
        return 2
    with open(os.path.join(base, "driftguard.lock"), "wb") as f:
        f.write(new_lock.encode("utf-8"))
    lines = [f"approved {n} {s.digest}\n" for n, s in snapshots.items()]
    lines += [f"removed {n} (no longer configured)\n" for n in pruned]
    _out(sys.stdout, "".join(lines), secrets)
    return 0


def run_check(args: list[str]) -> int:
    """``driftguard check [SURFACE...] [--config FILE] [--format FORMAT]``."""
    setup = _setup(args, check=True)
    if isinstance(setup, int):
        return setup
    text, base, plan, names, fmt = setup
    secrets: list[str] = list(plan["secrets"])
    lock_text = _read_lock(base)
    if isinstance(lock_text, int):
        return lock_text
    policies: dict[str, str] = {}
    for p in plan["policy_files"]:
        try:
            with open(os.path.join(base, p), "rb") as f:
                policies[p] = f.read().decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            msg = _io_message(e) if isinstance(e, OSError) else "not UTF-8"
            _out(sys.stderr, f"error: cannot read policy file {p}: {msg}\n", secrets)
            return 2
    captured = _capture_all(plan, names, base)
    from .package.surfaces import approved_snapshots

    approved = approved_snapshots(plan, lock_text, captured, base)
    try:
        out, code = _n.lock_check(text, lock_text, captured, _today(), fmt, policies, approved)
    except DriftGuardError as e:
        _out(sys.stderr, f"error[{e.code}]: {e}\n", secrets)
        return 2
    _out(sys.stdout, out, secrets)
    return code
