"""Which registry a package comes from: the machine's ordinary npm and pip configuration.

npm (what ``npm``/``npx`` would use), first found wins:

1. the environment: ``npm_config_registry`` (any case), ``npm_config_@scope:registry``;
2. the project's ``.npmrc``: the nearest one from the working directory upward;
3. the user's ``.npmrc``: ``npm_config_userconfig``, else ``~/.npmrc``;
4. ``https://registry.npmjs.org/``.

Keys read: ``registry=``, ``@scope:registry=`` (for ``@scope/name``), and the credentials
of the chosen registry (``//host/path/:_authToken=``, ``:_auth=``), which are sent as an
``Authorization`` header to that registry's host only and never appear in a message.
``${VAR}`` in a value is the environment variable, as npm does (an unset one is
``E_ENV``, naming the variable only).

PyPI (what ``pip install`` would use): ``PIP_INDEX_URL``; else ``index-url`` from the pip
configuration files (``[global]``, overridden by ``[install]``), read in pip's order, a
later file overriding an earlier one: ``/etc/xdg/pip/pip.conf``, ``/etc/pip.conf``,
``~/.pip/pip.conf``, ``$XDG_CONFIG_HOME/pip/pip.conf`` (``~/.config/pip/pip.conf``),
``$VIRTUAL_ENV/pip.conf``, ``$PIP_CONFIG_FILE`` (``os.devnull`` there disables all
files); else ``https://pypi.org/simple``. Credentials in the URL's userinfo are used
and redacted from messages.
"""

from __future__ import annotations

import base64
import configparser
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import EnvError, PackageError

__all__ = [
    "DEFAULT_NPM_REGISTRY",
    "DEFAULT_PYPI_INDEX",
    "NpmRegistry",
    "npm_registry",
    "pypi_index",
]

DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org/"
DEFAULT_PYPI_INDEX = "https://pypi.org/simple"

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class NpmRegistry:
    """The registry of one npm package name."""

    #: The registry's base URL, ending with ``/``.
    url: str
    #: Where the URL was configured (``default``, ``env npm_config_registry``, a path…).
    origin: str
    #: Request headers for this registry (credentials); never printed.
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    def headers_for(self, url: str) -> dict[str, str]:
        """The credentials, when ``url`` is on the registry's own scheme, host and port."""
        a, b = urlsplit(self.url), urlsplit(url)
        if (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port):
            return dict(self.headers)
        return {}


def _expand(value: str, env: Mapping[str, str], key: str, where: str) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in env:
            raise EnvError(
                f"{where}: {key} uses ${{{name}}}, and environment variable {name} is not set"
            )
        return env[name]

    return _VAR.sub(one, value)


def _read_npmrc(path: Path) -> dict[str, str] | None:
    """The ``key=value`` pairs of an ``.npmrc`` (None when there is no such file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return None
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;" or line.startswith("["):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out.setdefault(key, value)
    return out


def _home(env: Mapping[str, str]) -> Path:
    home = env.get("HOME")
    return Path(home) if home else Path.home()


def _npm_layers(env: Mapping[str, str], cwd: Path) -> list[tuple[str, dict[str, str]]]:
    layers: list[tuple[str, dict[str, str]]] = []
    from_env: dict[str, str] = {}
    for k, v in env.items():
        if k.lower().startswith("npm_config_"):
            key = k[len("npm_config_") :]
            # npm reads environment keys case-insensitively and with `_` for `-`.
            from_env.setdefault(key if key.startswith("//") else key.lower(), v)
    layers.append(("environment", from_env))
    d = cwd.resolve()
    for directory in (d, *d.parents):
        found = _read_npmrc(directory / ".npmrc")
        if found is not None:
            layers.append((str(directory / ".npmrc"), found))
            break
    user = env.get("npm_config_userconfig") or env.get("NPM_CONFIG_USERCONFIG")
    user_path = Path(user) if user else _home(env) / ".npmrc"
    found = _read_npmrc(user_path)
    if found is not None:
        layers.append((str(user_path), found))
    return layers


def npm_registry(
    name: str, env: Mapping[str, str] | None = None, cwd: str | os.PathLike[str] | None = None
) -> NpmRegistry:
    """The registry ``npm`` would fetch package ``name`` from (see the module docs)."""
    environ = os.environ if env is None else env
    layers = _npm_layers(environ, Path(cwd) if cwd is not None else Path.cwd())
    keys = ["registry"]
    if name.startswith("@") and "/" in name:
        keys.insert(0, f"{name.split('/', 1)[0]}:registry")
    url, origin = DEFAULT_NPM_REGISTRY, "default"
    for key in keys:
        hit = next(((where, values[key]) for where, values in layers if key in values), None)
        if hit is not None:
            where, value = hit
            url = _expand(value, environ, key, where)
            origin = f"{where} ({key})"
            break
    if not url.endswith("/"):
        url += "/"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PackageError(f"the npm registry {url!r} (from {origin}) is not an http(s) URL")
    return NpmRegistry(url, origin, _npm_auth(url, layers, environ))


def _npm_auth(
    url: str, layers: list[tuple[str, dict[str, str]]], env: Mapping[str, str]
) -> dict[str, str]:
    """The ``Authorization`` header of the registry at ``url`` (npm's "nerf dart" keys:
    ``//host[:port]/path/:_authToken``, the longest matching path first)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    segments = [s for s in parts.path.split("/") if s]
    for n in range(len(segments), -1, -1):
        nerf = "//" + host + "/" + "".join(s + "/" for s in segments[:n])
        for where, values in layers:
            token = values.get(nerf + ":_authToken")
            if token:
                return {"Authorization": "Bearer " + _expand(token, env, "_authToken", where)}
            basic = values.get(nerf + ":_auth")
            if basic:
                return {"Authorization": "Basic " + _expand(basic, env, "_auth", where)}
            user, password = values.get(nerf + ":username"), values.get(nerf + ":_password")
            if user and password:
                secret = base64.b64decode(_expand(password, env, "_password", where)).decode()
                pair = f"{_expand(user, env, 'username', where)}:{secret}".encode()
                return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
    return {}


def _pip_files(env: Mapping[str, str]) -> list[Path]:
    explicit = env.get("PIP_CONFIG_FILE")
    if explicit == os.devnull:
        return []
    home = _home(env)
    xdg_dirs = env.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    files = [Path(d) / "pip" / "pip.conf" for d in xdg_dirs.split(os.pathsep) if d][::-1]
    files.append(Path("/etc/pip.conf"))
    files.append(home / ".pip" / "pip.conf")
    xdg_home = env.get("XDG_CONFIG_HOME")
    files.append((Path(xdg_home) if xdg_home else home / ".config") / "pip" / "pip.conf")
    venv = env.get("VIRTUAL_ENV")
    if venv:
        files.append(Path(venv) / "pip.conf")
    if explicit:
        files.append(Path(explicit))
    return files


def pypi_index(env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """``(index URL, where it was configured)`` for pip (see the module docs)."""
    environ = os.environ if env is None else env
    url = environ.get("PIP_INDEX_URL")
    if url:
        return url, "environment (PIP_INDEX_URL)"
    found: tuple[str, str] | None = None
    for path in _pip_files(environ):
        parser = configparser.ConfigParser(interpolation=None)
        try:
            with open(path, encoding="utf-8") as f:
                parser.read_file(f)
        except (OSError, UnicodeDecodeError, configparser.Error):
            continue
        for section in ("global", "install"):
            for key in ("index-url", "index_url"):
                if parser.has_option(section, key):
                    value = parser.get(section, key).strip()
                    if value:
                        found = (value, f"{path} [{section}] {key}")
    if found is not None:
        return found
    return DEFAULT_PYPI_INDEX, "default"
