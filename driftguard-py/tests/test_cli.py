"""The `driftguard` CLI is byte-identical to the native example CLI.

Every diff vector × every output format, and every normalize vector's inputs through
`snapshot`, run through both: the Python CLI's core path (`driftguard.cli.run`, the same
function the console script calls) in process, the native CLI as a subprocess, with the
same files in the same working directory. stdout, stderr and the exit code must be equal.
A sample also goes through the installed console script itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import driftguard
import pytest
from driftguard import cli
from vectors import VECTORS, discover, input_bytes, read_vector

FORMATS = ["text", "json", "markdown", "github", "junit", "sarif"]
DIFF_VECTORS = [v for v in discover() if v.startswith("diff/")]
NORMALIZE_VECTORS = [v for v in discover() if v.startswith("normalize/")]
CONSOLE_SCRIPT = Path(sys.executable).with_name("driftguard")


def native(cli_path: Path, args: list[str], cwd: Path, stdin: bytes = b"") -> tuple[str, str, int]:
    p = subprocess.run(
        [str(cli_path), *args], cwd=cwd, input=stdin, capture_output=True, timeout=60
    )
    return p.stdout.decode("utf-8"), p.stderr.decode("utf-8"), p.returncode


def write_side(directory: Path, name: str, side: dict[str, Any]) -> str:
    ((form, value),) = side.items()
    if form == "samples":
        data = b"".join(json.dumps(p).encode() + b"\n" for p in value)
    else:
        data = input_bytes(form, value)
    (directory / name).write_bytes(data)
    return name


def diff_args(vector: dict[str, Any], directory: Path) -> list[str]:
    args = [
        "diff",
        write_side(directory, "old.json", vector["old"]),
        write_side(directory, "new.yaml", vector["new"]),
    ]
    fmt = vector.get("format")
    if any("samples" in vector[s] for s in ("old", "new")):
        fmt = "samples"
    if fmt:
        args += ["--input-format", fmt]
    if "policy" in vector:
        (directory / "policy.json").write_text(json.dumps(vector["policy"]))
        args += ["--policy", "policy.json"]
    if "today" in vector:
        args += ["--today", vector["today"]]
    return args


@pytest.mark.parametrize("name", DIFF_VECTORS)
def test_diff_vector_is_byte_identical(
    name: str, native_cli: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vector = read_vector(VECTORS / name)
    base = diff_args(vector, tmp_path)
    monkeypatch.chdir(tmp_path)
    codes = set()
    for fmt in FORMATS:
        args = [*base, "--format", fmt]
        expected = native(native_cli, args, tmp_path)
        assert cli.run(args) == expected, f"{fmt}: {args}"
        codes.add(expected[2])
    # The exit code follows the vector: 2 for an error vector, else 0/1 by the threshold.
    if "error" in vector["expect"]:
        assert codes == {2}
    else:
        assert len(codes) == 1 and codes <= {0, 1}


@pytest.mark.parametrize("name", NORMALIZE_VECTORS)
def test_snapshot_command_is_byte_identical(
    name: str, native_cli: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vector = read_vector(VECTORS / name)
    monkeypatch.chdir(tmp_path)
    fmt = vector.get("format")
    for i, inp in enumerate(vector["inputs"]):
        ((form, _value),) = inp.items()
        if form == "samples":
            continue  # a list of payloads has no single-file form
        file = write_side(tmp_path, f"input-{i}.json", inp)
        args = ["snapshot", file, *(["--format", fmt] if fmt else [])]
        expected = native(native_cli, args, tmp_path)
        assert cli.run(args) == expected, args
        assert expected[2] == (2 if "error" in vector["expect"] else 0)


OTHER_COMMANDS = [
    ["rules"],
    ["rules", "--format", "json"],
    ["rules", "--format", "yaml"],
    ["--help"],
    ["--version"],
    [],
    ["frobnicate"],
    ["diff", "old.json"],
    ["diff", "old.json", "missing.json"],
    ["diff", "old.json", "."],
    ["diff", "old.json", "new.json", "--format", "html"],
    ["diff", "old.json", "new.json", "--fail-on", "never"],
    ["diff", "old.json", "new.json", "--fail-on", "sometimes"],
    ["diff", "old.json", "new.json", "--policy", "missing.toml"],
    ["diff", "old.json", "new.json", "--today", "yesterday"],
    ["diff", "-", "-"],
    ["snapshot"],
    ["snapshot", "old.json", "--format", "nope"],
]


def _two_files(directory: Path) -> None:
    (directory / "old.json").write_text(
        '{"type": "object", "properties": {"a": {"type": "string"}}}'
    )
    (directory / "new.json").write_text(
        '{"type": "object", "properties": {"a": {"type": "integer"}}}'
    )


@pytest.mark.parametrize("args", OTHER_COMMANDS, ids=lambda a: " ".join(a) or "(none)")
def test_other_commands_are_byte_identical(
    args: list[str], native_cli: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _two_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.run(args) == native(native_cli, args, tmp_path)


def console(
    args: list[str], cwd: Path, stdin: bytes = b"", env: dict[str, str] | None = None
) -> tuple[str, str, int]:
    p = subprocess.run(
        [str(CONSOLE_SCRIPT), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    return p.stdout.decode("utf-8"), p.stderr.decode("utf-8"), p.returncode


def test_console_script_matches_native_on_a_sample_of_vectors(
    native_cli: Path, tmp_path: Path
) -> None:
    assert CONSOLE_SCRIPT.exists(), "the console script is installed with the package"
    sample = DIFF_VECTORS[:: max(1, len(DIFF_VECTORS) // 12)]
    for i, name in enumerate(sample):
        d = tmp_path / str(i)
        d.mkdir()
        args = [*diff_args(read_vector(VECTORS / name), d), "--format", FORMATS[i % len(FORMATS)]]
        assert console(args, d) == native(native_cli, args, d), name


def test_console_script_stdin_and_errors(native_cli: Path, tmp_path: Path) -> None:
    _two_files(tmp_path)
    new = (tmp_path / "new.json").read_bytes()
    for args in (
        ["diff", "old.json", "-"],
        ["snapshot", "-"],
        ["diff", "old.json", "nope.json"],
        ["rules"],
    ):
        assert console(args, tmp_path, stdin=new) == native(
            native_cli, args, tmp_path, stdin=new
        ), args


def test_help_is_the_core_usage_plus_capture(tmp_path: Path) -> None:
    out, err, code = console(["--help"], tmp_path)
    assert code == 0 and err == ""
    assert out.startswith(driftguard._driftguard.CLI_USAGE)
    assert "driftguard capture" in out[len(driftguard._driftguard.CLI_USAGE) :]
    out, err, code = console(["capture", "--help"], tmp_path)
    assert code == 0 and out == cli.CAPTURE_USAGE and "examples:" in out


def test_capture_file_prints_what_snapshot_prints(native_cli: Path, tmp_path: Path) -> None:
    _two_files(tmp_path)
    expected = native(native_cli, ["snapshot", "old.json"], tmp_path)
    assert console(["capture", "old.json"], tmp_path) == expected
    out, err, code = console(["capture", "old.json", "-o", "snap.json"], tmp_path)
    assert (out, err, code) == ("", "", 0)
    assert (tmp_path / "snap.json").read_text() == expected[0]
    out, err, code = console(["capture", "old.json", "--document"], tmp_path)
    assert out == (tmp_path / "old.json").read_text() and code == 0
    out, err, code = console(["capture", "missing.json"], tmp_path)
    assert (
        code == 2
        and err == "error: cannot read missing.json: No such file or directory (os error 2)\n"
    )
    out, err, code = console(["capture", "new.json", "--format", "openapi"], tmp_path)
    assert code == 2 and err.startswith("error[E_UNSUPPORTED_FORMAT]: ")
    out, err, code = console(["capture"], tmp_path)
    assert code == 2 and err.startswith("error: give exactly one of SOURCE")
