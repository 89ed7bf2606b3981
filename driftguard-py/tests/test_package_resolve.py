"""Resolution: npm ranges and dist-tags, PEP 440 specifiers, the machine's npm and pip
configuration (.npmrc layers, scoped registries, credentials; PIP_INDEX_URL, pip.conf),
PEP 691 JSON and PEP 503 HTML project pages, wheel/sdist choice and manifests — against a
real registry on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from driftguard import errors
from driftguard.package import ArtifactCache, capture_package_document, fetch, parse_spec
from driftguard.package.pep440 import parse as pyparse
from driftguard.package.pep440 import parse_specifier
from driftguard.package.registry import npm_registry, pypi_index
from driftguard.package.semver import parse_range, parse_version
from npmregistry import Registry, file_member, npm_tarball, serve, tar_gz, wheel

# (range, version, satisfies) — node-semver's documented desugarings.
SEMVER = [
    ("^1.2.3", "1.9.9", True),
    ("^1.2.3", "2.0.0", False),
    ("^1.2.3", "2.0.0-0", False),
    ("^0.2.3", "0.2.9", True),
    ("^0.2.3", "0.3.0", False),
    ("^0.0.3", "0.0.3", True),
    ("^0.0.3", "0.0.4", False),
    ("^0.0", "0.0.9", True),
    ("^0.0", "0.1.0", False),
    ("^1.x", "1.99.0", True),
    ("~1.2.3", "1.2.9", True),
    ("~1.2.3", "1.3.0", False),
    ("~1", "1.9.0", True),
    ("~>1.2", "1.2.5", True),
    ("1.x", "1.5.0", True),
    ("1.x", "2.0.0", False),
    ("1.2.*", "1.2.7", True),
    ("*", "1.0.0", True),
    ("*", "1.0.0-beta", False),
    ("", "0.0.1", True),
    (">=1.0.0-beta.2", "1.0.0-beta.3", True),
    (">=1.0.0-beta.2", "1.0.1-beta.3", False),
    ("^1.2.3-beta.2", "1.2.3-beta.4", True),
    ("^1.2.3-beta.2", "1.2.4-beta.1", False),
    ("1.2 - 2.3", "2.3.9", True),
    ("1.2 - 2.3", "2.4.0", False),
    ("1.2.3 - 2.3.4", "2.3.4", True),
    ("1.2.3 - 2.3.4", "2.3.5", False),
    (">1.2", "1.2.9", False),
    (">1.2", "1.3.0", True),
    ("<=1.2", "1.2.9", True),
    ("<1.2", "1.1.9", True),
    ("<1.2", "1.2.0", False),
    ("1.0.0 || >=2 <3", "2.5.0", True),
    ("1.0.0 || >=2 <3", "3.0.0", False),
    (">= 1.2.3", "1.2.3", True),
    ("=1.2.3", "1.2.3", True),
    ("v1.2.3", "1.2.3", True),
    ("1.2.3-beta.10", "1.2.3-beta.10", True),
]


@pytest.mark.parametrize(("rng", "version", "ok"), SEMVER)
def test_semver_ranges(rng: str, version: str, ok: bool) -> None:
    v = parse_version(version)
    assert v is not None
    assert parse_range(rng).satisfies(v) is ok


def test_semver_precedence_and_errors() -> None:
    order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2"]
    order += ["1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0", "10.0.0"]
    parsed = [parse_version(v) for v in order]
    assert sorted(parsed) == parsed  # type: ignore[type-var]
    assert parse_version("1.2") is None and parse_version("01.2.3") is None
    with pytest.raises(ValueError):
        parse_range("^banana")


def test_pep440() -> None:
    order = ["1.0.dev0", "1.0a0", "1.0a1.dev1", "1.0a1", "1.0b1", "1.0rc1", "1.0", "1.0+local"]
    order += ["1.0.post1.dev0", "1.0.post1", "1.1", "2026.10.10", "2026.10.19", "1!0.1"]
    parsed = [pyparse(v) for v in order]
    assert sorted(parsed) == parsed  # type: ignore[type-var]
    assert str(pyparse("1.0-RC1")) == "1.0rc1" and pyparse("1.0").is_prerelease is False  # type: ignore[union-attr]
    cases = [
        (">=1.0,<2", "1.5", True),
        (">=1.0,<2", "2.0", False),
        ("<2", "2.0rc1", False),
        ("~=1.4.2", "1.4.9", True),
        ("~=1.4.2", "1.5", False),
        ("==1.*", "1.9", True),
        ("!=1.5", "1.5.0", False),
        ("==2026.10.10", "2026.10.10", True),
        (">1.0", "1.0.post1", False),
    ]
    for spec, version, ok in cases:
        v = pyparse(version)
        assert v is not None
        assert parse_specifier(spec).contains(v) is ok, (spec, version)


def test_parse_spec() -> None:
    assert str(parse_spec("npm:@scope/pkg")) == "npm:@scope/pkg@latest"
    assert str(parse_spec("npm:pkg@^1.2")) == "npm:pkg@^1.2"
    assert str(parse_spec("pypi:mcp-server-time")) == "pypi:mcp-server-time"
    assert str(parse_spec("pypi:mcp-server-time==2026.10.10")) == "pypi:mcp-server-time==2026.10.10"
    assert parse_spec("pypi:mcp-server-time==2026.10.10").spec == "2026.10.10"
    assert parse_spec("pypi:x>=1,<2").spec == ">=1,<2"
    assert parse_spec("pypi:x===1.0").spec == "===1.0"
    assert parse_spec("pypi:x==1.*").spec == "==1.*"


@pytest.fixture
def registry() -> Iterator[Registry]:
    with serve(Registry()) as reg:
        yield reg


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    (tmp_path / "work" / "project" / "sub").mkdir(parents=True)
    h.mkdir()
    monkeypatch.chdir(tmp_path / "work" / "project" / "sub")
    return h


def publish(reg: Registry, name: str, version: str, **extra: Any) -> None:
    manifest = {"name": name, "version": version}
    body = npm_tarball({"package.json": json.dumps(manifest), "index.js": f"// {version}\n"})
    reg.publish_npm(manifest, body, tag=None, extra=extra)


def test_npm_versions_tags_and_ranges(registry: Registry, home: Path, tmp_path: Path) -> None:
    for v in ["1.0.0", "1.1.0", "1.2.0", "1.3.0-beta.1", "2.0.0", "2.1.0"]:
        publish(registry, "pick", v)
    publish(registry, "pick", "1.4.0", deprecated="use 2.x")
    registry.tags["pick"] = {"latest": "2.0.0", "next": "1.3.0-beta.1"}
    env = {"HOME": str(home), "npm_config_registry": registry.url}
    cache = ArtifactCache(tmp_path / "cache")

    def version(spec: str) -> str:
        return fetch(f"npm:pick@{spec}", env=env, cache=cache).version

    assert version("latest") == "2.0.0"  # the tag, not the greatest (2.1.0)
    assert version("next") == "1.3.0-beta.1"
    assert version("1.1.0") == "1.1.0"
    assert version("^2") == "2.0.0"  # latest satisfies the range: npm prefers it
    assert version(">2.0.0") == "2.1.0"
    assert version("^1") == "1.2.0"  # 1.4.0 is deprecated, 1.3.0-beta.1 a pre-release
    assert version("~1.4") == "1.4.0"  # deprecated, but the only match
    assert version("1.3.0-beta.1") == "1.3.0-beta.1"
    assert version("*") == "2.0.0"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_npmrc_layers_scopes_and_credentials(
    registry: Registry, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "work" / "project"
    env: dict[str, str] = {"HOME": str(home), "MY_NPM_TOKEN": "tok-$ecret-${X}"}
    assert npm_registry("x", env).url == "https://registry.npmjs.org/"
    write(
        home / ".npmrc", "registry=https://user.example/npm\n@corp:registry=https://corp.example/\n"
    )
    assert npm_registry("x", env).url == "https://user.example/npm/"
    assert npm_registry("@corp/x", env).url == "https://corp.example/"
    write(project / ".npmrc", f"; project\nregistry = {registry.url}\n")
    r = npm_registry("x", env)
    assert (r.url, r.origin) == (registry.url, f"{project / '.npmrc'} (registry)")
    assert npm_registry("@corp/x", env).url == "https://corp.example/"
    assert npm_registry("x", {**env, "NPM_CONFIG_REGISTRY": "http://env.example/"}).url == (
        "http://env.example/"
    )
    # Credentials: the nerf-dart key of the chosen registry, ${VAR} expanded once, sent
    # to that host only, never shown.
    host = registry.url.split("//", 1)[1]
    write(project / ".npmrc", f"registry={registry.url}\n//{host}:_authToken=${{MY_NPM_TOKEN}}\n")
    publish(registry, "private-pkg", "1.0.0")
    registry.tags["private-pkg"] = {"latest": "1.0.0"}
    got = fetch("npm:private-pkg", env=env, cache=ArtifactCache(tmp_path / "c"))
    assert got.version == "1.0.0"
    assert registry.auth == [
        ("/private-pkg", "Bearer tok-$ecret-${X}"),
        ("/private-pkg/-/private-pkg-1.0.0.tgz", "Bearer tok-$ecret-${X}"),
    ]
    with pytest.raises(errors.PackageError) as info:
        fetch("npm:missing", env=env, cache=ArtifactCache(tmp_path / "c"))
    assert "tok-" not in str(info.value)
    with pytest.raises(errors.EnvError) as env_info:
        npm_registry("x", {"HOME": str(home)})
    assert str(env_info.value) == (
        f"{project / '.npmrc'}: _authToken uses ${{MY_NPM_TOKEN}}, and environment"
        " variable MY_NPM_TOKEN is not set"
    )
    # A tarball on another host never gets the token.
    assert r.headers_for("https://other.example/x.tgz") == {}


def test_pip_configuration(home: Path, tmp_path: Path) -> None:
    env = {"HOME": str(home), "XDG_CONFIG_DIRS": str(tmp_path / "xdg")}
    assert pypi_index(env) == ("https://pypi.org/simple", "default")
    write(
        tmp_path / "xdg" / "pip" / "pip.conf",
        "[global]\nindex-url = https://global.example/simple\n",
    )
    assert pypi_index(env)[0] == "https://global.example/simple"
    write(home / ".pip" / "pip.conf", "[global]\nindex-url = https://legacy.example/simple\n")
    assert pypi_index(env)[0] == "https://legacy.example/simple"
    user = home / ".config" / "pip" / "pip.conf"
    write(
        user,
        "[global]\nindex-url = https://user.example/simple\n[install]\nindex-url = https://install.example/simple\n",
    )
    assert pypi_index(env) == ("https://install.example/simple", f"{user} [install] index-url")
    assert pypi_index({**env, "PIP_CONFIG_FILE": os.devnull})[0] == "https://pypi.org/simple"
    assert pypi_index({**env, "PIP_INDEX_URL": "http://env.example/simple"}) == (
        "http://env.example/simple",
        "environment (PIP_INDEX_URL)",
    )


WHEEL = {
    "tool/__init__.py": "print('hi')\n",
    "tool-{v}.dist-info/METADATA": (
        "Metadata-Version: 2.1\nName: Tool\nVersion: {v}\nAuthor: Ann Example\n"
        "Author-email: ann@example.org\nMaintainer-email: Bo <bo@example.org>, cy@example.org\n"
        "Requires-Dist: httpx (>=0.27)\nRequires-Dist: rich; extra == 'cli'\n\nA tool.\n"
    ),
    "tool-{v}.dist-info/entry_points.txt": "[console_scripts]\ntool = tool:main\n",
    "tool-{v}.dist-info/RECORD": "",
}


def publish_wheel(reg: Registry, v: str, **kw: Any) -> None:
    files = {k.format(v=v): t.format(v=v) for k, t in WHEEL.items()}
    reg.publish_pypi("tool", f"tool-{v}-py3-none-any.whl", wheel(files), **kw)


def test_pypi_versions_files_and_manifest(registry: Registry, home: Path, tmp_path: Path) -> None:
    publish_wheel(registry, "1.0")
    publish_wheel(registry, "1.1")
    publish_wheel(registry, "1.2", yanked="broken")
    publish_wheel(registry, "2.0rc1")
    registry.publish_pypi("tool", "tool-1.1-cp312-cp312-manylinux_2_17_x86_64.whl", b"native")
    sdist = tar_gz(
        [
            file_member("tool-0.9/PKG-INFO", b"Metadata-Version: 2.1\nName: tool\nVersion: 0.9\n"),
            file_member("tool-0.9/setup.py", b"from setuptools import setup\nsetup()\n"),
            file_member(
                "tool-0.9/pyproject.toml",
                b'[build-system]\nbuild-backend = "setuptools.build_meta"\n',
            ),
            file_member("tool-0.9/tool/__init__.py", b""),
        ]
    )
    registry.publish_pypi("tool", "tool-0.9.tar.gz", sdist)
    env = {
        "HOME": str(home),
        "PIP_INDEX_URL": registry.url + "simple",
        "PIP_CONFIG_FILE": os.devnull,
    }
    cache = ArtifactCache(tmp_path / "cache")

    def doc(spec: str) -> dict[str, Any]:
        return capture_package_document(spec, env=env, cache=cache)

    latest = doc("pypi:tool")
    assert latest["version"] == "1.1"  # 1.2 is yanked, 2.0rc1 a pre-release
    assert latest["name"] == "Tool"
    assert latest["integrity"].startswith("sha256:")
    assert latest["manifest"] == {
        "requiresDist": ["httpx (>=0.27)", "rich; extra == 'cli'"],
        "entryPoints": {"console_scripts": {"tool": "tool:main"}},
        "maintainers": ["<cy@example.org>", "Ann Example <ann@example.org>", "Bo <bo@example.org>"],
    }
    assert [f["path"] for f in latest["files"] if "text" in f] == ["tool/__init__.py"]
    assert doc("pypi:tool==1.2")["version"] == "1.2"  # an exact pin may name a yanked one
    assert doc("pypi:tool>=2.0rc1")["version"] == "2.0rc1"
    assert doc("pypi:tool<1.1")["version"] == "1.0"
    old = doc("pypi:tool==0.9")  # only an sdist: its build hooks are install scripts
    assert old["manifest"]["scripts"] == {
        "build-backend": "setuptools.build_meta",
        "setup.py": hashlib.sha256(b"from setuptools import setup\nsetup()\n").hexdigest(),
    }
    assert [f["path"] for f in old["files"]] == [
        "PKG-INFO",
        "pyproject.toml",
        "setup.py",
        "tool/__init__.py",
    ]
    # The same answers from a PEP 503 HTML index.
    registry.html = True
    html = capture_package_document("pypi:tool", env=env, cache=ArtifactCache(tmp_path / "c2"))
    assert html == latest
    with pytest.raises(errors.PackageError) as info:
        doc("pypi:tool>=3")
    assert str(info.value) == "pypi:tool>=3: no release matches (yanked and pre-releases skipped)"


def test_a_wheel_without_metadata_is_e_package(
    registry: Registry, home: Path, tmp_path: Path
) -> None:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as z:
        z.writestr("tool/__init__.py", "")
    registry.publish_pypi("tool", "tool-1.0-py3-none-any.whl", raw.getvalue())
    env = {"HOME": str(home), "PIP_INDEX_URL": registry.url + "simple"}
    with pytest.raises(errors.PackageError) as info:
        fetch("pypi:tool==1.0", env=env, cache=ArtifactCache(tmp_path / "cache"))
    assert str(info.value) == "pypi:tool==1.0: the wheel has no .dist-info/METADATA"


def test_companions_resolve_with_the_mcp_sdk_default_environment() -> None:
    from driftguard.package.surfaces import _mcp_default_environment, surface_env
    from mcp.client.stdio import get_default_environment

    assert _mcp_default_environment() == get_default_environment()
    env, cwd = surface_env(
        {"of": "mailer", "ecosystem": "npm", "env": [["npm_config_registry", "http://r/"]]},
        "/base",
    )
    assert env == {**get_default_environment(), "npm_config_registry": "http://r/"}
    assert cwd == "/base"
    env, _ = surface_env(
        {"ecosystem": "pypi", "registry": "http://idx/simple", "cwd": "srv"}, "/base"
    )
    assert env["PIP_INDEX_URL"] == "http://idx/simple" and _ == "/base/srv"
