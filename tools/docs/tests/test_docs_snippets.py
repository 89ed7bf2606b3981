"""The newcomer path, executed: code blocks of the documentation pages are extracted and
run as a new user would run them, in an empty directory, against this checkout's builds.

A page opts in with `<!-- docs-test: cli=native|python|node|rust -->` on its first line:
which build is `driftguard` on PATH — the native example CLI; the Python package's CLI from
the release wheel pip-installed into a fresh venv (whose python runs the page's ```python
blocks); the npm package's bin from the release tarball npm-installed into an empty
project (whose node_modules the page's ```js blocks import from); for `rust`, none: the
page's directory holds this checkout as `driftguard/` (a clone beside the user's project),
and cargo runs with the workspace's toolchain and target directory, offline (the
dependencies the earlier stages compiled are reused). Then, in page order, in one
temporary directory per page (with a copy of `examples/` beside, as in a checkout):

* ```sh blocks run with `bash -e -o pipefail`; the exit status must be 0, or N after
  `<!-- docs-test: exit=N -->`;
* ```console blocks: each `$ ` line is a command (run with `bash -o pipefail`), the lines
  after it up to the next `$ ` are its exact expected output (stdout and stderr); the last
  command's exit status must be 0 or the `exit=N` given;
* ```python blocks run with the Python package's interpreter, ```js / ```mjs with node
  (in their page's directory); a ```text block right after one is its exact stdout;
* a ```yaml block after `<!-- docs-test: workflow exit=N -->` is a GitHub Actions workflow:
  its `run:` steps run in the page's directory (a `git` repository with `origin/main`, as
  actions/checkout leaves it), install steps excepted (`pip install`, `npm install`:
  the build is already on PATH), and `uses: driftguard/driftguard@…` runs action/run.sh
  with the step's `with:` inputs (each one declared by action.yml; defaults from it) and a
  fake GITHUB_* environment: the action's exit status must be N, and it must write the job
  summary;
* a ```sh block after `<!-- docs-test: install -->` is an install command: it runs as
  written from the page's directory, which is then a checkout (this checkout's top-level
  entries linked, its target/ holding tools/release/build.sh's release-artifacts/), in a
  fresh environment of its own (see run_install), and must leave this version's
  `driftguard` behind; on a Python or Node page, what it installed replaces the fixture's
  install for the page's later blocks;
* `<!-- docs-test: file=PATH -->` before a block: the page tells the user to put it in
  PATH (relative to the page's directory): it is written there; a ```toml block whose
  first line is a table header PATH already has (`[dependencies]` after `cargo new`) adds
  its lines under that header. A Cargo.toml written so gets the workspace's Cargo.lock
  (the crate versions the workspace is tested with);
* `<!-- docs-test: skip (reason) -->` before a block leaves it out (the reason says who
  runs it instead).

docs/getting-started/browser.md is run in headless Chromium by
driftguard-wasm/tests/docs.test.mjs (stage browser), which reads the same directives.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

DOCS = ROOT / "docs"
# The pages of the newcomer path: each must opt in (a page cannot silently drop out).
TESTED_PAGES = {
    "getting-started/index.md": "native",
    "getting-started/python.md": "python",
    "getting-started/node.md": "node",
    "getting-started/rust.md": "rust",
    "guides/openapi-ci.md": "native",
    "guides/mcp-pinning.md": "python",
    "github-action.md": "native",
}
DIRECTIVE = re.compile(r"<!--\s*docs-test:\s*(.*?)\s*-->")
FENCE = re.compile(r"^```([\w-]*)\s*$")
INSTALL_STEP = re.compile(r"^\s*(pip|npm|pipx|cargo) install\b")
TOOLCHAIN = tomllib.loads((ROOT / "rust-toolchain.toml").read_text())["toolchain"]["channel"]


@dataclass
class Block:
    lang: str
    text: str
    line: int
    directive: str = ""
    expected_stdout: str | None = None


@dataclass
class Page:
    path: str
    cli: str | None
    blocks: list[Block] = field(default_factory=list)


def parse(path: Path) -> Page:
    lines = path.read_text(encoding="utf-8").splitlines()
    first = DIRECTIVE.match(lines[0]) if lines else None
    cli = None
    if first and first.group(1).startswith("cli="):
        cli = first.group(1)[4:]
    page = Page(str(path.relative_to(DOCS)), cli)
    pending = ""
    i = 0
    while i < len(lines):
        m = DIRECTIVE.fullmatch(lines[i].strip())
        if m and i > 0:
            pending = m.group(1)
            i += 1
            continue
        f = FENCE.match(lines[i])
        if f:
            start = i
            body: list[str] = []
            i += 1
            while i < len(lines) and lines[i] != "```":
                body.append(lines[i])
                i += 1
            text = "\n".join(body) + "\n"
            lang = f.group(1)
            prev = page.blocks[-1] if page.blocks else None
            if lang == "text" and prev and prev.lang in ("python", "js", "mjs") and not pending:
                prev.expected_stdout = text
            else:
                page.blocks.append(Block(lang, text, start + 1, pending))
            pending = ""
        elif lines[i].strip():
            pending = "" if not lines[i].startswith("<!--") else pending
        i += 1
    return page


def expected_exit(directive: str) -> int:
    m = re.search(r"\bexit=(\d+)", directive)
    return int(m.group(1)) if m else 0


class Env:
    def __init__(
        self, tmp: Path, cli: str, native: Path, request: pytest.FixtureRequest, *, installs: bool = False
    ) -> None:
        self.tmp = tmp
        self.cli = cli
        self.dir = tmp / "work"
        self.dir.mkdir()
        shutil.copytree(ROOT / "examples", self.dir / "examples")
        if installs:
            # The page's install commands run from a checkout: the page's directory is one
            # (every top-level entry of this checkout linked, examples/ copied), whose
            # target/ holds what the earlier stages built (tools/release/build.sh's
            # release-artifacts/, the example CLI).
            for entry in ROOT.iterdir():
                if entry.name not in ("examples", ".git") and not entry.name.startswith(".venv"):
                    (self.dir / entry.name).symlink_to(entry)
            if not (self.dir / "target").exists():
                (self.dir / "target").symlink_to(ROOT / "target")
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        self.bin_dir = bin_dir
        path = [str(bin_dir)]
        self.python = str(ROOT / "driftguard-py/.venv/bin/python")
        if cli == "native":
            (bin_dir / "driftguard").symlink_to(native)
        elif cli == "python":
            if not installs:
                # The released wheel, freshly installed: what `pip install` gives a newcomer.
                fresh: Path = request.getfixturevalue("installed_py")
                self.python = str(fresh / "python")
                (bin_dir / "driftguard").symlink_to(fresh / "driftguard")
            path.append(str(ROOT / "driftguard-py/.servers/time/bin"))
        elif cli == "node" and not installs:
            # The released tarball, installed with npm: what `npm install` gives a newcomer.
            modules: Path = request.getfixturevalue("installed_node")
            (self.dir / "node_modules").symlink_to(modules)
        elif cli == "rust":
            # A clone of this repository beside the user's project, as the page lays it out.
            (self.dir / "driftguard").symlink_to(ROOT)
        self.env = {
            "PATH": os.pathsep.join([*path, os.environ["PATH"]]),
            "HOME": str(tmp),
            "LANG": "C.UTF-8",
            "DRIFTGUARD_NOW": "2026-11-24T00:00:00Z",
            "GIT_AUTHOR_NAME": "Docs Test",
            "GIT_AUTHOR_EMAIL": "docs@example.invalid",
            "GIT_COMMITTER_NAME": "Docs Test",
            "GIT_COMMITTER_EMAIL": "docs@example.invalid",
            "GIT_CONFIG_NOSYSTEM": "1",
            "npm_config_offline": "true",
            "npm_config_update_notifier": "false",
        }
        home = Path.home()
        # HOME is the temporary directory: keep the real toolchain and crate cache.
        self.env["CARGO_HOME"] = os.environ.get("CARGO_HOME", str(home / ".cargo"))
        self.env["RUSTUP_HOME"] = os.environ.get("RUSTUP_HOME", str(home / ".rustup"))
        self.env["CARGO_TERM_COLOR"] = "never"
        # …and the npm cache `npm ci` filled (installs are offline).
        self.env["npm_config_cache"] = os.environ.get("npm_config_cache", str(home / ".npm"))
        if "CARGO_TARGET_DIR" in os.environ and installs:
            self.env["CARGO_TARGET_DIR"] = os.environ["CARGO_TARGET_DIR"]
        if cli == "rust":
            self.env.update(
                {
                    # The workspace's toolchain and target directory: the dependencies the
                    # earlier stages compiled are reused, only the user's crates are built.
                    "RUSTUP_TOOLCHAIN": TOOLCHAIN,
                    "CARGO_TARGET_DIR": os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target")),
                    "CARGO_NET_OFFLINE": "true",
                }
            )

    def sh(self, script: str, *, pipefail_only: bool = False) -> subprocess.CompletedProcess[str]:
        flags = ["-o", "pipefail"] if pipefail_only else ["-e", "-o", "pipefail"]
        return subprocess.run(
            ["bash", *flags, "-c", script],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )


def run_install(env: Env, page: Page, block: Block) -> None:
    """`<!-- docs-test: install -->`: an install command of the page, run as written from the
    page's checkout, in a fresh environment of its own: a new venv's pip first on PATH (held
    to the dependency versions the package is tested with, driftguard-py/ci/requirements.txt,
    through PIP_CONSTRAINT), `npm install -g` into a fresh prefix, offline from the npm cache
    `npm ci` filled; no `driftguard` on PATH before it. Afterwards `driftguard` must be on
    PATH (or, for a local `npm install`, in node_modules/.bin) and print this version. On a
    Python or Node page, what it installed is then the page's `driftguard`, python and
    node_modules."""
    version = f"driftguard {tomllib.loads((ROOT / 'Cargo.toml').read_text())['workspace']['package']['version']}"
    n = sum(1 for _ in env.tmp.glob("install-*"))
    root = env.tmp / f"install-{n}"
    root.mkdir()
    venv = root / "venv"
    subprocess.run([env.python, "-m", "venv", str(venv)], check=True)
    prefix = root / "npm-global"
    base = [p for p in env.env["PATH"].split(os.pathsep) if p != str(env.bin_dir)]
    install_env = {
        **env.env,
        "PATH": os.pathsep.join([str(venv / "bin"), str(prefix / "bin"), *base]),
        "VIRTUAL_ENV": str(venv),
        "PIP_CONSTRAINT": str(ROOT / "driftguard-py/ci/requirements.txt"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "npm_config_prefix": str(prefix),
        "npm_config_audit": "false",
        "npm_config_fund": "false",
    }
    r = subprocess.run(
        [
            "bash",
            "-e",
            "-o",
            "pipefail",
            "-c",
            block.text + "\nPATH=$PWD/node_modules/.bin:$PATH driftguard --version\n",
        ],
        cwd=env.dir,
        env=install_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, f"{where(page, block)}: the install failed ({r.returncode})\n{r.stdout}{r.stderr}"
    assert r.stdout.splitlines()[-1:] == [version], f"{where(page, block)}: installed no {version}\n{r.stdout}"
    if env.cli == "python":
        assert (venv / "bin/driftguard").exists(), f"{where(page, block)}: pip installed no driftguard"
        env.python = str(venv / "bin/python")
        (env.bin_dir / "driftguard").unlink(missing_ok=True)
        (env.bin_dir / "driftguard").symlink_to(venv / "bin/driftguard")
    elif env.cli == "node":
        assert (env.dir / "node_modules/driftguard/package.json").is_file(), f"{where(page, block)}: no node_modules"


def where(page: Page, block: Block) -> str:
    return f"docs/{page.path}:{block.line}"


def write_file(env: Env, page: Page, block: Block) -> None:
    """`file=PATH`: the block is what the page tells the user to put in PATH. A TOML block
    whose first line is a table header the file already has (`[dependencies]` after `cargo
    new`) adds its lines under that header; any other block is the whole file."""
    m = re.fullmatch(r"file=(\S+)", block.directive)
    assert m, f"{where(page, block)}: bad directive {block.directive!r}"
    target = env.dir / m.group(1)
    assert target.resolve().is_relative_to(env.dir.resolve()), f"{where(page, block)}: {m.group(1)} is outside"
    text = block.text
    header, _, rest = text.partition("\n")
    if block.lang == "toml" and re.fullmatch(r"\[[\w.-]+\]", header) and target.exists():
        lines = target.read_text().splitlines(keepends=True)
        assert header + "\n" in lines, f"{where(page, block)}: {m.group(1)} has no {header}"
        at = lines.index(header + "\n") + 1
        text = "".join(lines[:at]) + rest + "".join(lines[at:])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    if target.name == "Cargo.toml" and not (target.parent / "Cargo.lock").exists():
        # Held to the crate versions the workspace is tested with (and built with: offline),
        # as the Python install is held to driftguard-py/ci/requirements.txt.
        shutil.copyfile(ROOT / "Cargo.lock", target.parent / "Cargo.lock")


def run_console(env: Env, page: Page, block: Block) -> None:
    commands: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
        else:
            pytest.fail(f"{where(page, block)}: console block must start with '$ '")
    for n, (cmd, out) in enumerate(commands):
        r = env.sh(cmd, pipefail_only=True)
        want_exit = expected_exit(block.directive) if n == len(commands) - 1 else 0
        got = r.stdout + r.stderr
        assert r.returncode == want_exit, (
            f"{where(page, block)}: `{cmd}` exited {r.returncode}, want {want_exit}\n{got}"
        )
        want = "\n".join(out).rstrip("\n")
        assert got.rstrip("\n") == want, f"{where(page, block)}: output of `{cmd}` differs"


def run_workflow(env: Env, page: Page, block: Block, native: Path) -> None:
    workflow = yaml.safe_load(block.text)
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    # What actions/checkout (fetch-depth: 0) leaves: the base branch as origin/main.
    r = env.sh("git rev-parse --verify -q main >/dev/null && git update-ref refs/remotes/origin/main main")
    assert r.returncode == 0, (
        f"{where(page, block)}: the page must set up a git repository with a main branch\n{r.stderr}"
    )
    tmp = env.dir.parent
    summary = tmp / "step-summary.md"
    ran_action = False
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if "run" in step:
                script = step["run"].replace("${{ github.base_ref }}", "main")
                if INSTALL_STEP.match(script):
                    continue
                assert "${{" not in script, f"{where(page, block)}: unsupported expression in {script!r}"
                r = env.sh(script)
                assert r.returncode == 0, f"{where(page, block)}: step {script!r} failed\n{r.stdout}{r.stderr}"
            elif step.get("uses", "").startswith("driftguard/driftguard@"):
                inputs = {k: str(v["default"]) for k, v in action["inputs"].items() if "default" in v}
                given = step.get("with") or {}
                unknown = sorted(set(given) - set(action["inputs"]))
                assert not unknown, f"{where(page, block)}: inputs action.yml does not declare: {unknown}"
                for k, v in given.items():
                    inputs[k] = (
                        str(v).replace("${{ github.base_ref }}", "main").lower()
                        if isinstance(v, bool)
                        else str(v).replace("${{ github.base_ref }}", "main")
                    )
                step_env = dict(env.env)
                for k, v in action["runs"]["steps"][0]["env"].items():
                    name = re.fullmatch(r"\$\{\{ inputs\.([a-z-]+) \}\}", v)
                    assert name, v
                    step_env[k] = inputs[name.group(1)]
                step_env.update(
                    {
                        "GITHUB_STEP_SUMMARY": str(summary),
                        "GITHUB_OUTPUT": str(tmp / "output"),
                        "RUNNER_TEMP": str(tmp),
                        "GITHUB_BASE_REF": "main",
                        "GITHUB_ACTIONS": "true",
                    }
                )
                r = subprocess.run(
                    ["bash", str(ROOT / "action/run.sh")],
                    cwd=env.dir / inputs["working-directory"],
                    env=step_env,
                    capture_output=True,
                    text=True,
                    timeout=120,
                    check=False,
                )
                want = expected_exit(block.directive)
                assert r.returncode == want, (
                    f"{where(page, block)}: the action exited {r.returncode}, want {want}\n{r.stdout}{r.stderr}"
                )
                assert summary.read_text().startswith("## DriftGuard"), f"{where(page, block)}: no job summary"
                if want == 1:
                    assert "::error " in r.stdout, f"{where(page, block)}: no error annotation"
                ran_action = True
            else:
                assert step.get("uses", "").startswith(("actions/", "github/codeql-action/")), step
    assert ran_action, f"{where(page, block)}: the workflow does not use the action"


@pytest.mark.parametrize("page_path", sorted(TESTED_PAGES))
def test_page(page_path: str, tmp_path: Path, native_cli: Path, request: pytest.FixtureRequest) -> None:
    page = parse(DOCS / page_path)
    assert page.cli == TESTED_PAGES[page_path], (
        f"docs/{page_path} must start with <!-- docs-test: cli={TESTED_PAGES[page_path]} -->"
    )
    installs = any(b.directive == "install" for b in page.blocks)
    env = Env(tmp_path, page.cli, native_cli, request, installs=installs)
    ran = 0
    for block in page.blocks:
        if block.directive.startswith("skip"):
            continue
        if block.directive == "install":
            run_install(env, page, block)
        elif block.directive.startswith("file="):
            write_file(env, page, block)
        elif block.lang == "sh":
            r = env.sh(block.text)
            want = expected_exit(block.directive)
            assert r.returncode == want, (
                f"{where(page, block)}: exited {r.returncode}, want {want}\n{r.stdout}{r.stderr}"
            )
        elif block.lang == "console":
            run_console(env, page, block)
        elif block.lang == "python":
            (env.dir / "_snippet.py").write_text(block.text)
            r = subprocess.run(
                [env.python, "_snippet.py"],
                cwd=env.dir,
                env=env.env,
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
            assert r.returncode == 0, f"{where(page, block)}: python failed\n{r.stderr}"
            if block.expected_stdout is not None:
                assert r.stdout == block.expected_stdout, f"{where(page, block)}: stdout differs"
        elif block.lang in ("js", "mjs"):
            name = "_snippet.mjs" if block.lang == "mjs" or "import " in block.text else "_snippet.cjs"
            (env.dir / name).write_text(block.text)
            r = subprocess.run(
                ["node", name], cwd=env.dir, env=env.env, capture_output=True, text=True, timeout=180, check=False
            )
            assert r.returncode == 0, f"{where(page, block)}: node failed\n{r.stderr}"
            if block.expected_stdout is not None:
                assert r.stdout == block.expected_stdout, f"{where(page, block)}: stdout differs"
        elif block.lang == "yaml" and block.directive.startswith("workflow"):
            run_workflow(env, page, block, native_cli)
        else:
            continue
        ran += 1
    assert ran > 0, f"docs/{page_path}: no block was run"


def action_steps(node: object) -> list[dict[str, object]]:
    """The `uses: driftguard/driftguard@…` steps anywhere in a parsed YAML document."""
    if isinstance(node, dict):
        found = [node] if str(node.get("uses", "")).startswith("driftguard/driftguard@") else []
        return found + [s for v in node.values() for s in action_steps(v)]
    if isinstance(node, list):
        return [s for v in node for s in action_steps(v)]
    return []


def test_documented_action_inputs_are_declared() -> None:
    """Every `with:` of every documented use of the action (whole workflows and step
    fragments, in docs/ and the README) names inputs action.yml declares, with a value the
    input accepts: an unknown input is silently ignored by GitHub, so a typo would pass."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    declared = action["inputs"]
    choices = {"command": {"diff", "check"}, "fail-on": {"breaking", "dangerous", "safe", "never"}}
    booleans = {"sarif", "summary"}
    uses = 0
    for md in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        text = md.read_text(encoding="utf-8")
        for m in re.finditer(r"^```yaml\n(.*?)^```$", text, re.DOTALL | re.MULTILINE):
            if "driftguard/driftguard@" not in m.group(1):
                continue
            name = f"{md.relative_to(ROOT)}:{text[: m.start()].count(chr(10)) + 1}"
            for step in action_steps(yaml.safe_load(m.group(1))):
                given = step.get("with") or {}
                assert isinstance(given, dict), name
                unknown = sorted(set(given) - set(declared))
                assert not unknown, f"{name}: inputs action.yml does not declare: {unknown}"
                for k, v in given.items():
                    if k in choices:
                        assert v in choices[k], f"{name}: {k}: {v!r} is not one of {sorted(choices[k])}"
                    if k in booleans:
                        assert isinstance(v, bool) or v in ("true", "false"), f"{name}: {k}: {v!r}"
                uses += 1
    # docs/github-action.md (two), docs/guides/openapi-ci.md (one), at least.
    assert uses >= 3, uses


def test_every_getting_started_page_is_executed() -> None:
    """No page of the newcomer path drops out: each getting-started page is run here, or (the
    browser page) by driftguard-wasm/tests/docs.test.mjs, which stage browser runs."""
    for md in sorted((DOCS / "getting-started").glob("*.md")):
        rel = str(md.relative_to(DOCS))
        if rel in TESTED_PAGES:
            continue
        assert md.read_text().startswith("<!-- docs-test: browser "), f"docs/{rel} is not executed by any test"
        runner = ROOT / "driftguard-wasm/tests/docs.test.mjs"
        assert f'"docs/{rel}"' in runner.read_text(), f"{runner} does not run docs/{rel}"
        assert "tests/docs.test.mjs" in (ROOT / "scripts/test.sh").read_text(), "stage browser does not run it"


def test_readme_leads_to_getting_started() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "docs/getting-started/index.md" in readme
    assert "docs/guides/openapi-ci.md" in readme
    assert "action.yml" in readme or "docs/github-action.md" in readme
