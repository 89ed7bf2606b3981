"""The site build is the link check: `mkdocs build --strict` fails on a broken page link,
a missing anchor, or an external http:// link (the external-link policy); external links
are listed, never fetched. Built from a copy of the sources with one defect at a time."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

MKDOCS = Path(sys.executable).parent / "mkdocs"


def build(tmp: Path, extra: str = "") -> subprocess.CompletedProcess[str]:
    site = tmp / "src"
    shutil.copytree(ROOT / "docs", site / "docs")
    (site / "tools/docs").mkdir(parents=True)
    shutil.copy(ROOT / "tools/docs/hooks.py", site / "tools/docs/hooks.py")
    (site / "conformance").mkdir()
    for f in (ROOT / "conformance").glob("*.md"):
        shutil.copy(f, site / "conformance" / f.name)
    shutil.copy(ROOT / "mkdocs.yml", site / "mkdocs.yml")
    if extra:
        with (site / "docs/about-docs.md").open("a") as f:
            f.write("\n" + extra + "\n")
    return subprocess.run(
        [str(MKDOCS), "build", "--strict", "-f", str(site / "mkdocs.yml"), "-d", str(tmp / "site")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_site_builds_and_lists_external_links(tmp_path: Path) -> None:
    r = build(tmp_path)
    assert r.returncode == 0, r.stderr
    site = tmp_path / "site"
    for page in [
        "index.html",
        "rules.html",
        "getting-started/index.html",
        "guides/openapi-ci.html",
        "formats/snapshot.html",
        "formats/report.html",
        "config.html",
    ]:
        assert (site / page).is_file(), page
    links = (site / "external-links.txt").read_text().splitlines()
    assert links[0].startswith("# External links in the documentation (never fetched")
    assert "https://pre-commit.com" in links
    assert all(u.startswith("https://") for u in links[1:])
    # The rule reference has an anchor per rule.
    assert 'id="type-changed"' in (site / "rules.html").read_text()


@pytest.mark.parametrize(
    ("defect", "message"),
    [
        ("[gone](no-such-page.md)", "contains a link 'no-such-page.md', but the target is not found"),
        ("[rule](rules.md#no-such-rule)", "does not contain an anchor '#no-such-rule'"),
        ("[site](http://example.com/)", "external link http://example.com/ uses http://"),
    ],
)
def test_defects_fail_the_build(tmp_path: Path, defect: str, message: str) -> None:
    r = build(tmp_path, defect)
    assert r.returncode == 1
    assert message in r.stderr, r.stderr
    assert "Aborted with 1 warnings in strict mode!" in r.stdout + r.stderr
