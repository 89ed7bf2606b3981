"""Overhead of the Python binding: `driftguard.diff` vs the native example CLI.

Workload: GitHub's REST API description, `@octokit/openapi` 18.2.0 → 23.0.2
(`generated/api.github.com.json`, ~11–13 MB each), fetched by `scripts/bench.sh fetch` into
`.bench-cache/` (or $DRIFTGUARD_BENCH_CACHE).

Both sides do the same work: read both files, parse, normalize, diff, render the text
report. Native: `target/release/examples/driftguard diff OLD NEW` as a process (wall time,
process start included). Python: `driftguard.diff(Path(OLD), Path(NEW)).render("text")` in
an already-started interpreter (the binding's cost: conversions, GIL, the Report object).
For context, the `driftguard` console script as a process (interpreter start and imports
included) is timed too. The three are run interleaved, ITERS times each (default 7), after
one warm-up of each (which also checks the three print the same report); the medians are
compared. A benchmark, not a test.

    driftguard-py/.venv/bin/python driftguard-py/bench/bench_diff.py [--iters N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import driftguard

REPO = Path(__file__).resolve().parents[2]
OLD_VERSION, NEW_VERSION = "18.2.0", "23.0.2"
TARGET = 1.15


def cache_file(version: str) -> Path:
    cache = Path(os.environ.get("DRIFTGUARD_BENCH_CACHE", REPO / ".bench-cache"))
    path = cache / version / "package" / "generated" / "api.github.com.json"
    if not path.exists():
        subprocess.run(["bash", str(REPO / "scripts" / "bench.sh"), "fetch"], check=True)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=int(os.environ.get("ITERS", "7")))
    parser.add_argument(
        "--native",
        default=str(
            Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
            / "release/examples/driftguard"
        ),
    )
    args = parser.parse_args()
    old, new = cache_file(OLD_VERSION), cache_file(NEW_VERSION)
    native = Path(args.native)
    if not native.exists():
        subprocess.run(
            ["cargo", "build", "--release", "-p", "driftguard-core", "--example", "driftguard"],
            cwd=REPO,
            check=True,
        )

    def run_native() -> tuple[float, bytes]:
        start = time.perf_counter()
        p = subprocess.run([str(native), "diff", str(old), str(new)], capture_output=True)
        took = time.perf_counter() - start
        assert p.returncode == 1, p.stderr
        return took, p.stdout

    def run_python() -> tuple[float, bytes]:
        start = time.perf_counter()
        out = driftguard.diff(old, new).render("text", file=str(new))
        took = time.perf_counter() - start
        return took, out.encode()

    console = Path(sys.executable).with_name("driftguard")

    def run_python_cli() -> tuple[float, bytes]:
        start = time.perf_counter()
        p = subprocess.run([str(console), "diff", str(old), str(new)], capture_output=True)
        took = time.perf_counter() - start
        assert p.returncode == 1, p.stderr
        return took, p.stdout

    # Warm-up (page cache) and a check that all three compute the same report.
    _, a = run_native()
    _, b = run_python()
    _, c = run_python_cli()
    assert a == b == c, "the Python report differs from the native CLI's"
    native_times, python_times, cli_times = [], [], []
    for _ in range(args.iters):
        native_times.append(run_native()[0])
        python_times.append(run_python()[0])
        cli_times.append(run_python_cli()[0])
    n, p = statistics.median(native_times), statistics.median(python_times)
    ratio = p / n
    print(
        f"workload: @octokit/openapi {OLD_VERSION} -> {NEW_VERSION} (api.github.com.json,"
        f" {old.stat().st_size / 1e6:.1f} MB -> {new.stat().st_size / 1e6:.1f} MB)"
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f},"
        f" Python {platform.python_version()}, driftguard {driftguard.__version__}"
    )
    rows = (
        ("native CLI ", n, native_times),
        ("python diff", p, python_times),
        ("python CLI ", statistics.median(cli_times), cli_times),
    )
    for label, median, times in rows:
        print(
            f"{label} median {median * 1000:8.1f} ms  (min {min(times) * 1000:.1f}, n={args.iters})"
        )
    print(f"python CLI (a new interpreter, import included) / native: {rows[2][1] / n:.3f}")
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"ratio python/native: {ratio:.3f}  (target <= {TARGET}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
