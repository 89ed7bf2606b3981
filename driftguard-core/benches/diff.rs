//! Diff benchmark on the reference workload: GitHub's REST API description from
//! `@octokit/openapi` 18.2.0 (old) vs 23.0.2 (new), `generated/api.github.com.json`.
//!
//! Run it through `scripts/bench.sh diff`, which fetches both packages into
//! `.bench-cache/` first, then also measures peak RSS with `/usr/bin/time -v` and the
//! glibc vs mimalloc figures. Plain timing (`harness = false`).
//!
//! ```text
//! cargo bench -p driftguard-core --bench diff -- [--iters N] [OLD NEW]
//! cargo bench -p driftguard-core --bench diff -- --parse-only OLD NEW
//! ```
//!
//! Default mode interleaves, in every iteration (after one warm-up), and prints medians:
//! - (a) `serde_json::from_slice::<Value>` on both files — parse only, the yardstick
//!   (freeing the two trees is not timed);
//! - (b) end to end: `driftguard diff OLD NEW --format json` itself — the core's
//!   `cli::run` with the native command line's host (`examples/support/os_host.rs`),
//!   whose second thread lets the command overlap its steps (parse NEW while OLD is
//!   snapshotted, hash both snapshots while diffing, free them while rendering); it
//!   reads the files, and frees everything but its output;
//! - (b1) the same steps one after the other through the public API, on one thread:
//!   read both, `snapshot_from_bytes` both, `classify::diff`, render JSON (and,
//!   reported apart, freeing everything);
//! - (c) normalize only: `snapshot_from_value` on both pre-parsed `serde_json` trees;
//! - (c2) normalize only: `snapshot_from_document` on both pre-parsed compact trees
//!   (what `snapshot_from_bytes` normalizes from on plain JSON);
//! - (p) parse only, our JSON fast path: `parse::parse_document` on both;
//! - (d) snapshot both from bytes already in memory (our parse + normalize);
//! - (e) diff only: `classify::diff` on the two pre-built snapshots;
//! - (f) render only: the JSON renderer on the pre-built report.
//!
//! Each row gives the wall-clock median and the median on-CPU time of the process, all
//! threads counted (`clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`), each with its ratio to
//! (a): on a shared machine the CPU ratios are the steadier figure, and for (b) the
//! CPU time is the work done, the wall time what the user waits. The issue's target
//! is (b)/(a) ≤ 2.0. It then prints the changes per severity and the
//! 20 most frequent rules of the report.
//!
//! `--parse-only OLD NEW` reads and parses both files with `serde_json`, holds both
//! trees, and exits: the baseline for peak RSS (`/usr/bin/time -v`), next to the
//! example CLI's end-to-end run.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use driftguard_core::classify::policy::Policy;
use driftguard_core::classify::{Report, diff};
use driftguard_core::cli;
use driftguard_core::normalize::snapshot_from_document;
use driftguard_core::parse::parse_document;
use driftguard_core::render::{OutputFormat, RenderOptions, render};
use driftguard_core::{Options, Snapshot, snapshot_from_bytes, snapshot_from_value};

#[path = "../examples/support/os_host.rs"]
mod os_host;

/// The command line's host for (b), except that what the command disposes of is kept
/// and freed after the timer stops (as the yardstick's trees are, and timed apart),
/// where the command line's process leaves it to the operating system.
struct BenchHost {
    garbage: std::sync::Mutex<Vec<Box<dyn std::any::Any + Send>>>,
}

impl cli::Host for BenchHost {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        os_host::Os.read(path)
    }
    fn today(&self) -> Option<String> {
        os_host::Os.today()
    }
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
        os_host::Os.join(a, b);
    }
    fn dispose(&self, garbage: Box<dyn std::any::Any + Send>) {
        self.garbage.lock().unwrap().push(garbage);
    }
}

const DEFAULT_ITERS: usize = 7;
/// The date passed as `today` (sunsets, ignore expiry): fixed, so runs compare.
const TODAY: &str = "2026-11-24";

fn cache_file(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../.bench-cache/{version}/package/generated/api.github.com.json"
    ))
}

fn main() -> ExitCode {
    let mut iters = DEFAULT_ITERS;
    let mut parse_only = false;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // `cargo bench` passes `--bench`; ignore it and other libtest-style flags.
            "--bench" | "--nocapture" => {}
            "--iters" => {
                iters = match args.next().and_then(|n| n.parse().ok()) {
                    Some(n) if n > 0 => n,
                    _ => return usage("--iters needs a positive number"),
                }
            }
            "--parse-only" => parse_only = true,
            "-h" | "--help" => return usage(""),
            other if other.starts_with('-') => return usage(&format!("unknown flag {other}")),
            other => files.push(PathBuf::from(other)),
        }
    }
    let (old, new) = match files.as_slice() {
        [] => (cache_file("18.2.0"), cache_file("23.0.2")),
        [o, n] => (o.clone(), n.clone()),
        _ => return usage("give OLD and NEW, or nothing for the cached GitHub pair"),
    };
    let result = if parse_only {
        run_parse_only(&old, &new)
    } else {
        run(&old, &new, iters)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    if !problem.is_empty() {
        eprintln!("error: {problem}");
    }
    eprintln!(
        "usage: cargo bench -p driftguard-core --bench diff -- [--iters N] [OLD NEW]\n       \
         cargo bench -p driftguard-core --bench diff -- --parse-only OLD NEW\n\
         (scripts/bench.sh diff fetches the @octokit/openapi pair and runs everything)"
    );
    ExitCode::from(2)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| {
        format!(
            "cannot read {}: {e} (run scripts/bench.sh fetch to get the data)",
            path.display()
        )
    })
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

/// Wall-clock and on-CPU time of one measurement.
#[derive(Clone, Copy)]
struct Took {
    wall: Duration,
    cpu: Duration,
}

/// Nanoseconds this process has run on a CPU, every thread counted. On a shared
/// machine the wall clock also counts the time other jobs held the cores; the CPU
/// time does not, so its ratios move far less with the load.
#[allow(unsafe_code)] // one libc call: the process CPU clock has no safe std API
fn process_cpu_ns() -> Option<u64> {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec; the call only writes into it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &raw mut t) };
    if rc != 0 {
        return None;
    }
    let secs = u64::try_from(t.tv_sec).ok()?;
    let nanos = u64::try_from(t.tv_nsec).ok()?;
    Some(secs * 1_000_000_000 + nanos)
}

struct Stopwatch {
    wall: Instant,
    cpu: Option<u64>,
}

impl Stopwatch {
    fn start() -> Stopwatch {
        Stopwatch {
            cpu: process_cpu_ns(),
            wall: Instant::now(),
        }
    }
    fn elapsed(&self) -> Took {
        let wall = self.wall.elapsed();
        let cpu = match (self.cpu, process_cpu_ns()) {
            (Some(a), Some(b)) => Duration::from_nanos(b.saturating_sub(a)),
            _ => wall,
        };
        Took { wall, cpu }
    }
}

fn time<T>(f: impl FnOnce() -> T) -> (Took, T) {
    let start = Stopwatch::start();
    let out = f();
    (start.elapsed(), out)
}

/// The options `driftguard diff OLD NEW --format json` renders with.
fn render_options(new: &Path) -> RenderOptions {
    RenderOptions {
        file: Some(new.display().to_string()),
        tool_version: cli::VERSION.to_owned(),
        ..RenderOptions::default()
    }
}

fn run_parse_only(old: &Path, new: &Path) -> Result<(), String> {
    let a = serde_json::from_slice::<serde_json::Value>(&read(old)?).map_err(|e| e.to_string())?;
    let b = serde_json::from_slice::<serde_json::Value>(&read(new)?).map_err(|e| e.to_string())?;
    black_box((&a, &b));
    println!("parsed both with serde_json");
    Ok(())
}

struct Samples {
    names: Vec<&'static str>,
    data: Vec<Vec<Took>>,
}

impl Samples {
    fn new(names: &[&'static str]) -> Samples {
        Samples {
            names: names.to_vec(),
            data: vec![Vec::new(); names.len()],
        }
    }
    fn push(&mut self, i: usize, d: Took) {
        self.data[i].push(d);
    }
    /// Medians of the wall and of the CPU times (each sorted on its own).
    fn median(&mut self, name: &str) -> Took {
        let i = self.names.iter().position(|n| *n == name).unwrap();
        let mut wall: Vec<Duration> = self.data[i].iter().map(|t| t.wall).collect();
        let mut cpu: Vec<Duration> = self.data[i].iter().map(|t| t.cpu).collect();
        Took {
            wall: median(&mut wall),
            cpu: median(&mut cpu),
        }
    }
}

fn run(old: &Path, new: &Path, iters: usize) -> Result<(), String> {
    let old_bytes = read(old)?;
    let new_bytes = read(new)?;
    let input = old_bytes.len() + new_bytes.len();
    let options = Options::default();
    let policy = Policy::default();
    println!("old:   {} ({} bytes)", old.display(), old_bytes.len());
    println!("new:   {} ({} bytes)", new.display(), new_bytes.len());
    println!("input: {:.1} MB together", mb(input));
    println!("iters: {iters} (+1 warm-up), a/b/c/d/e/f interleaved in every iteration; medians\n");

    // Pre-built inputs for the split measurements.
    let old_value: serde_json::Value =
        serde_json::from_slice(&old_bytes).map_err(|e| e.to_string())?;
    let new_value: serde_json::Value =
        serde_json::from_slice(&new_bytes).map_err(|e| e.to_string())?;
    let old_snap = snapshot_from_bytes(&old_bytes, &options).map_err(|e| format!("old: {e}"))?;
    let new_snap = snapshot_from_bytes(&new_bytes, &options).map_err(|e| format!("new: {e}"))?;
    let report: Report =
        diff(&old_snap, &new_snap, &policy, Some(TODAY)).map_err(|e| format!("diff: {e}"))?;
    let rendered = render(&report, OutputFormat::Json, &render_options(new));

    let old_doc = parse_document(&old_bytes, &options.limits).ok_or("old: not plain JSON")?;
    let new_doc = parse_document(&new_bytes, &options.limits).ok_or("new: not plain JSON")?;

    // The command line of (b), and its output checked against the reference rendering.
    let command: Vec<String> = [
        "diff",
        &old.display().to_string(),
        &new.display().to_string(),
        "--format",
        "json",
        "--today",
        TODAY,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let host = BenchHost {
        garbage: std::sync::Mutex::new(Vec::new()),
    };
    let outcome = cli::run(&command, &host);
    if outcome.out != rendered || outcome.code != 1 {
        return Err(format!(
            "`driftguard diff` and the public API disagree (exit {}): {}",
            outcome.code, outcome.err
        ));
    }
    drop(outcome);

    let mut s = Samples::new(&[
        "a", "b", "b_free", "b1", "b1_free", "c", "c2", "p", "d", "e", "f",
    ]);
    for i in 0..=iters {
        let (ta, parsed) = time(|| {
            (
                serde_json::from_slice::<serde_json::Value>(black_box(&old_bytes)),
                serde_json::from_slice::<serde_json::Value>(black_box(&new_bytes)),
            )
        });
        drop(black_box(parsed));

        // (b) the command, end to end.
        let (tb, outcome) = time(|| cli::run(black_box(&command), &host));
        if outcome.out != rendered {
            return Err("`driftguard diff` output differs between iterations".into());
        }
        let garbage = std::mem::take(&mut *host.garbage.lock().unwrap());
        let (tb_free, ()) = time(|| drop(black_box((outcome, garbage))));

        // (b1) the same, one step after the other; the output is checked too.
        let start = Stopwatch::start();
        let ob = read(old)?;
        let nb = read(new)?;
        let a = snapshot_from_bytes(black_box(&ob), &options).map_err(|e| e.to_string())?;
        let b = snapshot_from_bytes(black_box(&nb), &options).map_err(|e| e.to_string())?;
        let r = diff(&a, &b, &policy, Some(TODAY)).map_err(|e| e.to_string())?;
        let out = render(&r, OutputFormat::Json, &render_options(new));
        let tb1 = start.elapsed();
        if out != rendered {
            return Err("end-to-end output differs between iterations".into());
        }
        let (tfree, ()) = time(|| drop(black_box((ob, nb, a, b, r, out))));

        let (tc, snaps) = time(|| {
            (
                snapshot_from_value(black_box(&old_value), &options),
                snapshot_from_value(black_box(&new_value), &options),
            )
        });
        drop(black_box(snaps));
        let (tc2, snaps) = time(|| {
            (
                snapshot_from_document(black_box(&old_doc), &options),
                snapshot_from_document(black_box(&new_doc), &options),
            )
        });
        drop(black_box(snaps));
        let (tp, docs) = time(|| {
            (
                parse_document(black_box(&old_bytes), &options.limits),
                parse_document(black_box(&new_bytes), &options.limits),
            )
        });
        drop(black_box(docs));
        let (td, snaps) = time(|| {
            (
                snapshot_from_bytes(black_box(&old_bytes), &options),
                snapshot_from_bytes(black_box(&new_bytes), &options),
            )
        });
        drop(black_box(snaps));
        let (te, r) = time(|| diff(black_box(&old_snap), &new_snap, &policy, Some(TODAY)));
        drop(black_box(r));
        let (tf, out) =
            time(|| render(black_box(&report), OutputFormat::Json, &render_options(new)));
        drop(black_box(out));
        if i > 0 {
            for (k, t) in [ta, tb, tb_free, tb1, tfree, tc, tc2, tp, td, te, tf]
                .into_iter()
                .enumerate()
            {
                s.push(k, t);
            }
        }
    }
    let a = s.median("a");
    let row = |label: &str, d: Took, note: &str| {
        println!(
            "| {label:<50} | {:>7.1} | {:>6.2}x | {:>7.1} | {:>6.2}x | {note}",
            ms(d.wall),
            ms(d.wall) / ms(a.wall),
            ms(d.cpu),
            ms(d.cpu) / ms(a.cpu)
        );
    };
    println!(
        "| {:<50} | {:>7} | {:>7} | {:>7} | {:>7} |",
        "measurement (medians)", "wall ms", "vs (a)", "CPU ms", "vs (a)"
    );
    println!("|{:-<52}|{:-<9}|{:-<9}|{:-<9}|{:-<9}|", "", "", "", "", "");
    row("(a) serde_json::from_slice::<Value> both", a, "yardstick");
    let b = s.median("b");
    row(
        "(b) end to end: `driftguard diff --format json`",
        b,
        "<- target <= 2.0x",
    );
    let plus = |x: Took, y: Took| Took {
        wall: x.wall + y.wall,
        cpu: x.cpu + y.cpu,
    };
    row(
        "    (b) + freeing everything",
        plus(b, s.median("b_free")),
        "",
    );
    let b1 = s.median("b1");
    row("(b1) the same steps in order, one thread", b1, "");
    row(
        "     (b1) + freeing everything",
        plus(b1, s.median("b1_free")),
        "",
    );
    row(
        "(c) normalize only: snapshot_from_value both",
        s.median("c"),
        "(serde_json trees)",
    );
    row(
        "(c2) normalize only: snapshot_from_document both",
        s.median("c2"),
        "(compact trees) <- target <= 1.0x",
    );
    row("(p) parse only: parse_document both", s.median("p"), "");
    row(
        "(d) snapshot_from_bytes both (parse+normalize)",
        s.median("d"),
        "",
    );
    row("(e) diff only: classify::diff", s.median("e"), "");
    row("(f) render json only", s.median("f"), "");
    println!(
        "\nthroughput (b): {:.0} MB/s of input; report: {} changes, {:.1} MB of JSON",
        mb(input) / b.wall.as_secs_f64(),
        report.changes.len(),
        mb(rendered.len())
    );
    print_counts(&report, &old_snap, &new_snap);
    Ok(())
}

fn print_counts(report: &Report, old: &Snapshot, new: &Snapshot) {
    println!("\ndigests: old {} new {}", old.digest(), new.digest());
    println!(
        "\nper severity: breaking {}, dangerous {}, safe {} (total {})",
        report.summary.breaking,
        report.summary.dangerous,
        report.summary.safe,
        report.changes.len()
    );
    let mut per_rule: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for c in &report.changes {
        let e = per_rule.entry(c.rule.as_str()).or_default();
        e[c.severity as usize] += 1;
    }
    let mut rows: Vec<(&str, [usize; 3])> = per_rule.into_iter().collect();
    rows.sort_by(|x, y| {
        let (tx, ty) = (x.1.iter().sum::<usize>(), y.1.iter().sum::<usize>());
        ty.cmp(&tx).then(x.0.cmp(y.0))
    });
    println!("\ntop {} of {} rules:\n", rows.len().min(20), rows.len());
    println!(
        "| {:<40} | {:>6} | {:>8} | {:>9} | {:>6} |",
        "rule", "total", "breaking", "dangerous", "safe"
    );
    println!(
        "|{:-<42}|{:-<8}|{:-<10}|{:-<11}|{:-<8}|",
        "", "", "", "", ""
    );
    for (rule, [safe, dangerous, breaking]) in rows.iter().take(20) {
        println!(
            "| {rule:<40} | {:>6} | {breaking:>8} | {dangerous:>9} | {safe:>6} |",
            safe + dangerous + breaking
        );
    }
}
