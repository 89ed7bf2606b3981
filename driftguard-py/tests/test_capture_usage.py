"""`driftguard capture`'s usage is the core's text, and it matches the parser.

The text lives in the core (``driftguard_core::capture::USAGE``) so that every binding's
``capture --help`` prints the same bytes; here: the console script prints exactly it, a
usage error ends with it, every option it names is accepted by this binding's parser
(with its value reaching the command), and every option the parser accepts is named in it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from driftguard import _driftguard, cli

CONSOLE_SCRIPT = Path(sys.executable).with_name("driftguard")
CORE_SOURCE = REPO / "driftguard-core" / "src" / "capture.rs"

#: A value for each option that takes one, and the attribute it lands in.
VALUES: dict[str, tuple[str, str, object]] = {
    "-o": ("out.json", "output", "out.json"),
    "--output": ("out.json", "output", "out.json"),
    "--format": ("openapi", "format", "openapi"),
    "--header": ("X-Test: 1", "header", ["X-Test: 1"]),
    "--env": ("KEY=VALUE", "env", ["KEY=VALUE"]),
    "--cwd": ("/tmp", "cwd", "/tmp"),
    "--timeout": ("2.5", "timeout", 2.5),
    "--samples": ("4", "samples", 4),
    "--interval-ms": ("250", "interval_ms", 250),
    "--mcp-http": ("http://127.0.0.1:1/mcp", "mcp_http", "http://127.0.0.1:1/mcp"),
    "--endpoint": ("http://127.0.0.1:1/x", "endpoint", "http://127.0.0.1:1/x"),
    "--package": ("npm:left-pad@1.3.0", "package", "npm:left-pad@1.3.0"),
}
#: Flags (no value) and the attribute they set to True.
FLAGS = {"--document": "document", "--mcp-stdio": "mcp_stdio"}
HELP = {"-h", "--help"}


def core_text() -> str:
    """The const as written in the core's source (catches a stale build too)."""
    source = CORE_SOURCE.read_text(encoding="utf-8")
    start = source.index('pub const USAGE: &str = "\\\n') + len('pub const USAGE: &str = "\\\n')
    return source[start : source.index('\n";\n', start) + 1]


def usage_options(text: str) -> set[str]:
    """Every option the text names (before its examples, which also show `diff`)."""
    body = text[: text.index("\nexamples:")]
    return set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", body))


def console(args: list[str]) -> tuple[str, str, int]:
    p = subprocess.run(
        [str(CONSOLE_SCRIPT), *args], capture_output=True, timeout=60, env=dict(os.environ)
    )
    return p.stdout.decode("utf-8"), p.stderr.decode("utf-8"), p.returncode


def test_the_binding_exposes_the_core_text() -> None:
    assert core_text() == _driftguard.CAPTURE_USAGE
    assert cli.CAPTURE_USAGE is _driftguard.CAPTURE_USAGE


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_capture_help_prints_exactly_the_core_text(flag: str) -> None:
    assert console(["capture", flag]) == (core_text(), "", 0)
    # Also after other options, but not after `--` (the stdio server's own arguments).
    assert console(["capture", "--document", flag, "x.json"]) == (core_text(), "", 0)


def test_a_usage_error_ends_with_the_core_text() -> None:
    out, err, code = console(["capture", "--no-such-option"])
    assert (out, code) == ("", 2)
    assert err == "error: unrecognized arguments: --no-such-option\n\n" + core_text()
    # No abbreviations: --doc is not --document.
    out, err, code = console(["capture", "x.json", "--doc"])
    assert (out, code, err) == ("", 2, "error: unrecognized arguments: --doc\n\n" + core_text())


def test_the_text_names_exactly_the_options_the_parser_has() -> None:
    named = usage_options(core_text())
    assert named == set(VALUES) | set(FLAGS) | HELP
    parser_options = {o for a in cli._capture_parser()._actions for o in a.option_strings}
    assert parser_options == named


@pytest.mark.parametrize("option", sorted(set(VALUES) | set(FLAGS)))
def test_every_option_of_the_text_is_accepted(option: str) -> None:
    if option in FLAGS:
        args, attr, expected = [option], FLAGS[option], True
    else:
        value, attr, expected = VALUES[option]
        args = [option, value]
    ns = cli._capture_parser().parse_args(args)
    assert getattr(ns, attr) == expected
    # The `--name=value` spelling too, for options with a value.
    if option in VALUES and option.startswith("--"):
        ns = cli._capture_parser().parse_args([f"{option}={VALUES[option][0]}"])
        assert getattr(ns, attr) == expected


def test_the_defaults_are_the_texts() -> None:
    ns = cli._capture_parser().parse_args(["x.json"])
    text = core_text()
    assert (ns.timeout, ns.samples, ns.interval_ms) == (30.0, 3, 1000)
    assert "give up after SECS seconds (default 30)" in text
    assert "how many responses (default 3)" in text
    assert "pause between two samples (default 1000)" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--mcp-http", "http://127.0.0.1:1/mcp", "--format", "mcp"],
            "--format is only for SOURCE",
        ),
        (
            ["--endpoint", "http://127.0.0.1:1/x", "--samples", "0"],
            "--samples needs a whole number above 0",
        ),
        (
            ["--endpoint", "http://127.0.0.1:1/x", "--interval-ms", "-1"],
            "--interval-ms must not be negative",
        ),
        (["x.json", "--timeout", "nan"], "--timeout must be a positive number of seconds"),
        (["x.json", "--timeout", "0"], "--timeout must be a positive number of seconds"),
    ],
)
def test_bad_values_are_usage_errors(args: list[str], message: str) -> None:
    assert console(["capture", *args]) == ("", f"error: {message}\n\n{core_text()}", 2)


def test_output_dash_is_stdout_and_a_write_failure_is_an_error(tmp_path: Path) -> None:
    source = tmp_path / "schema.json"
    source.write_text('{"type": "object"}')
    out, err, code = console(["capture", str(source), "--document", "-o", "-"])
    assert (out, err, code) == ('{"type": "object"}', "", 0)
    missing = tmp_path / "no-such-dir" / "out.json"
    out, err, code = console(["capture", str(source), "-o", str(missing)])
    assert (out, code) == ("", 2)
    assert err.startswith(f"error: cannot write {missing}: ") and "Traceback" not in err
