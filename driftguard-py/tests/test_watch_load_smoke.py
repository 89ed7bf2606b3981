"""A tiny run of the load benchmark (bench/watch_load.py --smoke: 20 surfaces on a real
HTTP server, a 2 s interval, one watcher with a SQLite store, two drifts to a real webhook
receiver), so the benchmark keeps working. Its figures are not asserted beyond sanity: the
benchmark itself is run by hand (docs/benchmarks.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "watch_load.py"


def test_watch_load_smoke(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    p = subprocess.run(
        [sys.executable, str(BENCH), "--smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    r = json.loads(out.read_text())
    assert (r["surfaces"], r["interval_s"]) == (20, 2.0)
    assert r["integrity_check"] == "ok"
    assert (r["sigterm_exit"], r["alerts_per_changed_surface"], r["unexpected_alerts"]) == (
        0,
        [1],
        [],
    )
    assert sorted(a["surface"] for a in r["alerts"]) == ["s0000", "s0019"]
    assert [tuple(x) for x in r["alert_rules"]] == [
        ("api-version-changed", "safe"),
        ("parameter-became-required", "breaking"),
        ("property-removed", "dangerous"),
    ]
    for a in r["alerts"]:
        # The changed document is served at the next poll (interval + 10 % jitter at most,
        # plus scheduling slack on a loaded machine); the alert follows the poll.
        assert 0 < a["poll_to_alert_s"] <= a["change_to_alert_s"] < 2.0 * 1.1 + 5
    idle = r["idle"]
    # The idle window holds two full rounds of 20 polls (at most 1.5 x 4 s).
    assert 40 <= idle["polls"] <= 60, idle
    # Every unchanged surface polled once per interval: gaps of 2 s + jitter, no double.
    assert r["poll_gap_s"]["min"] >= 2.0 * 0.95 and r["poll_gap_s"]["max"] < 2 * 2.0, r
    assert r["observations"] == r["requests_served"]
    assert idle["cpu_s"] >= 0 and idle["rss_max_mib"] > 10
    # Unchanged payloads are short-circuited (same bytes): one "changed" per surface at
    # the first poll, one more for each of the two drifts.
    assert r["outcomes"]["changed"] == 22
    assert r["observations"] == sum(r["outcomes"].values())
