"""docs/rules.md lists every registered rule: each id that `driftguard rules` prints has
its section (anchor), and no section names a rule the registry does not have. (The stage
also regenerates the file and fails if it changed.)"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from conftest import ROOT


def test_every_registered_rule_has_a_section(native_cli: Path) -> None:
    listing = json.loads(
        subprocess.run([str(native_cli), "rules", "--format", "json"], capture_output=True, check=True).stdout
    )
    registered = [r["id"] for r in listing["rules"]]
    assert len(registered) == len(set(registered)) >= 198
    text = (ROOT / "docs/rules.md").read_text()
    sections = re.findall(r"^### `([a-z0-9-]+)` \{#([a-z0-9-]+)\}$", text, re.MULTILINE)
    assert all(a == b for a, b in sections)
    documented = [a for a, _ in sections]
    missing = sorted(set(registered) - set(documented))
    assert not missing, f"rules missing from docs/rules.md (regenerate it): {missing}"
    assert documented == registered  # same order, nothing extra
    # Each section carries a worked example from a conformance vector.
    assert text.count("**Example** — `conformance/vectors/diff/") == len(registered)


def test_check_mode_detects_a_stale_reference(tmp_path: Path) -> None:
    stale = tmp_path / "rules.md"
    text = (ROOT / "docs/rules.md").read_text()
    # A rule dropped from the file, as if it were added to the registry without regenerating.
    stale.write_text(re.sub(r"^### `type-changed` .*?(?=^### )", "", text, count=1, flags=re.MULTILINE | re.DOTALL))
    r = subprocess.run(
        ["cargo", "run", "-q", "-p", "driftguard-core", "--example", "rule_reference", "--", "--check", str(stale)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 1
    assert f"error: {stale} is stale: regenerate it with" in r.stderr
    stale.write_text(text)
    r = subprocess.run(
        ["cargo", "run", "-q", "-p", "driftguard-core", "--example", "rule_reference", "--", "--check", str(stale)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0
    assert re.fullmatch(rf"ok: {re.escape(str(stale))} is up to date \(\d+ rules\)\n", r.stdout)
