"""The README's first steps, as a newcomer takes them: its first ```sh block names the demo
and the test command; the demo is run exactly as written (its exit status and the report of
each of its steps compared exactly), the test command is checked to be the one CI runs
(.ci/run ends with it: running it here would run this very test again). Every relative link
of the README resolves: a file or folder of the checkout, an anchor of a README heading, or a
heading of the linked Markdown page (the site build checks the links inside docs/)."""

from __future__ import annotations

import os
import re
import subprocess

from conftest import ROOT

README = ROOT / "README.md"


def first_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    m = re.search(r"^```sh\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)
    assert m, "README.md has no ```sh block"
    # One command a line; `#` starts a comment; a line that is only a comment continues one.
    return [line.split("#")[0].strip() for line in m.group(1).splitlines() if line.split("#")[0].strip()]


def test_readme_first_commands_are_the_demo_and_the_ci_test_command() -> None:
    assert first_commands() == ["scripts/demo.sh", "scripts/test.sh"]
    ci = (ROOT / ".ci/run").read_text()
    assert re.search(r"^\s*(exec )?(bash )?scripts/test\.sh\b", ci, re.MULTILINE), (
        ".ci/run does not run scripts/test.sh"
    )


def demo_steps(out: str) -> list[tuple[str, str, str]]:
    """Each `$ driftguard diff …` step of the demo as (command, summary line, exit line)."""
    steps = []
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("$ driftguard diff "):
            exit_line = next(x for x in lines[i + 1 :] if x.startswith("(exit "))
            # The report starts after the blank line under the command.
            steps.append((line, lines[i + 2], exit_line))
    return steps


def test_demo_runs_as_the_readme_says() -> None:
    command = first_commands()[0]
    env = {**os.environ, "NO_COLOR": "1", "CARGO_TERM_COLOR": "never"}
    r = subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert r.returncode == 0, f"{command} exited {r.returncode}\n{r.stdout}{r.stderr}"
    out = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout)
    c = "examples/contracts"
    assert demo_steps(out) == [
        (
            f"$ driftguard diff {c}/petstore-v1.yaml {c}/petstore-v2.yaml",
            "3 breaking, 5 dangerous, 8 safe",
            "(exit 1)",
        ),
        (
            f"$ driftguard diff {c}/postmark-mcp-1.0.15.json {c}/postmark-mcp-1.0.16.json --fail-on dangerous",
            "0 breaking, 1 dangerous, 0 safe",
            "(exit 1)",
        ),
        (
            f"$ driftguard diff {c}/postmark-mcp-1.0.16.json {c}/postmark-mcp-1.0.16-poisoned.json",
            "3 breaking, 3 dangerous, 0 safe",
            "(exit 1)",
        ),
        (
            f"$ driftguard diff {c}/postmark-mcp-1.0.16.json {c}/postmark-mcp-1.0.16-poisoned.json --format markdown",
            "## DriftGuard report",
            "(exit 1)",
        ),
    ]
    # The snapshot step (the canonical form's first lines: its digest), then each story's
    # key lines: the breaking changes of petstore, the incident's one signal, the poisoned
    # catalog's three breaking security findings, the Markdown comment's table.
    lines = out.splitlines()
    for line in [
        "==> snapshot: the canonical form and digest of a contract (first 12 lines)",
        f"$ driftguard snapshot {c}/petstore-v1.yaml | head -12",
        '  "digest": "sha256:18ebaf332b3d6d42f641cfdccee1793ec68ed284d077bff48e00ed746ec01934",',
        '  "format": "driftguard.snapshot/1",',
        "  BREAKING  operation-removed  DELETE /store/orders/{orderId} — operation `DELETE /store/orders/{orderId}` removed",
        "  BREAKING  parameter-added-required  GET /pets › query shelterId — required query parameter `shelterId` added",
        (
            "  BREAKING  type-narrowed  POST /store/orders › request body › application/json › quantity"
            " — type narrowed from number to integer"
        ),
        (
            "  DANGEROUS mcp-server-version-changed  server › version — server version moved from"
            ' "1.0.15" to "1.0.16": the code behind the tools changed, even where the tools look the same'
        ),
        (
            "  BREAKING  mcp-description-exfiltration-target  tool sendEmail › description"
            ' — added exfiltration target: email "phan@giftshop.example"'
        ),
        (
            "  DANGEROUS mcp-tool-parameter-added  tool sendEmail › input › bcc — optional parameter `bcc` added"
            " to an existing tool (new parameters are how exfiltration hides)"
        ),
        "| Breaking | 3 |",
        "| Dangerous | 3 |",
        "==> done: more formats with --format json|github|junit|sarif; rules with 'driftguard rules'",
    ]:
        assert line in lines, line
    assert lines.count("(exit 1)") == 4, out


SLUG_DROP = re.compile(r"[^\w\- ]")


def slugs(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    return {
        SLUG_DROP.sub("", m.group(1).strip().lower()).replace(" ", "-")
        for m in re.finditer(r"^#{1,6} (.+)$", markdown, re.MULTILINE)
    }


def test_readme_links_resolve() -> None:
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    checked = 0
    for link in links:
        if re.match(r"[a-z]+:", link):
            assert link.startswith("https://"), f"README.md: {link} (external links are https)"
            continue
        path, _, anchor = link.partition("#")
        target = (ROOT / path) if path else README
        assert target.exists(), f"README.md links to {link}: {path} does not exist"
        if anchor:
            assert target.suffix == ".md", f"README.md: anchor into a non-Markdown file {link}"
            assert anchor in slugs(target.read_text(encoding="utf-8")), (
                f"README.md: no heading #{anchor} in {path or 'README.md'}"
            )
        checked += 1
    assert checked >= 10, f"only {checked} relative links found in README.md"
    # The newcomer's way in: the getting-started page, linked from the README.
    assert "docs/getting-started/index.md" in links
