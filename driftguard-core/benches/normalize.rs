//! Normalization benchmark on GitHub's REST API description (`@octokit/openapi`).
//!
//! Run it through `scripts/bench.sh`, which fetches the npm package into `.bench-cache/`
//! first. Plain timing (`harness = false`): no benchmark framework to compile in CI.
//!
//! ```text
//! cargo bench -p driftguard-core --bench normalize -- [--iters N] [FILE]
//! cargo bench -p driftguard-core --bench normalize -- --all DIR
//! ```
//!
//! Default mode measures one file (default: `api.github.com.json` of 23.0.2 in the
//! cache), interleaving in every iteration:
//! (a) `serde_json::from_slice::<Value>` — parse only, the yardstick;
//! (b) `driftguard_core::parse::parse_text` — our parser (limits, YAML-capable, numbers
//!     normalized, duplicate keys rejected);
//! (c) `snapshot_from_value` on the pre-parsed `serde_json` value — normalization only;
//! (d) `snapshot_from_bytes` — end to end;
//! (e) `parse::parse_document` — the JSON fast path's compact tree;
//! (f) `normalize::snapshot_from_document` on the pre-parsed compact tree —
//!     normalization only, from the tree `snapshot_from_bytes` uses on plain JSON;
//! (g) `Snapshot::content_digest` on the built snapshot — the part of (f) that hashes
//!     the canonical bytes (printed with (f) − (g), the normalization proper).
//! It prints the median of each and its ratio to (a) (the issue's target is
//! normalization ≤ 1.0× (a)), sizes, the digest, and peak memory.
//!
//! `--all DIR` snapshots every `*.json` in DIR once and reports, per file: size, ok or
//! the error code, operations, shared schemas, parse time and snapshot time.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use driftguard_core::normalize::snapshot_from_document;
use driftguard_core::parse::{Limits, Syntax, parse_document, parse_text};
use driftguard_core::{Options, Snapshot, Surface, snapshot_from_bytes, snapshot_from_value};

const DEFAULT_ITERS: usize = 11;

fn default_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../.bench-cache/23.0.2/package/generated/api.github.com.json")
}

fn main() -> ExitCode {
    let mut iters = DEFAULT_ITERS;
    let mut all: Option<PathBuf> = None;
    let mut file: Option<PathBuf> = None;
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
            "--all" => match args.next() {
                Some(dir) => all = Some(PathBuf::from(dir)),
                None => return usage("--all needs a directory"),
            },
            "-h" | "--help" => return usage(""),
            other if other.starts_with('-') => return usage(&format!("unknown flag {other}")),
            other => file = Some(PathBuf::from(other)),
        }
    }
    let result = match all {
        Some(dir) => run_all(&dir),
        None => run_one(&file.unwrap_or_else(default_file), iters),
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
        "usage: cargo bench -p driftguard-core --bench normalize -- [--iters N] [FILE]\n       \
         cargo bench -p driftguard-core --bench normalize -- --all DIR\n\
         (scripts/bench.sh fetches the @octokit/openapi package and runs both)"
    );
    ExitCode::from(2)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| {
        format!(
            "cannot read {}: {e} (run scripts/bench.sh to fetch the data)",
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
    bytes as f64 / (1024.0 * 1024.0)
}

fn counts(s: &Snapshot) -> (usize, usize) {
    let ops = match &s.surface {
        Surface::Api(api) => api.operations.len() + api.webhooks.len(),
        Surface::Mcp(mcp) => mcp.tools.len(),
        _ => 0,
    };
    (ops, s.schemas.len())
}

/// Peak resident memory of this process, from /proc (Linux); `None` elsewhere.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn time<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let out = f();
    (start.elapsed(), out)
}

fn run_one(path: &Path, iters: usize) -> Result<(), String> {
    let bytes = read(path)?;
    let options = Options::default();
    let limits = Limits::default();
    println!(
        "file:  {} ({:.1} MB, {} bytes)",
        path.display(),
        mb(bytes.len()),
        bytes.len()
    );
    println!("iters: {iters} (+1 warm-up), interleaved a/b/c/d in every iteration; medians\n");

    // The pre-parsed value (c) works on, produced by our own parser so numbers and keys are
    // exactly what normalization sees in (d).
    let value = parse_text(&bytes, Syntax::Auto, &limits).map_err(|e| format!("parse: {e}"))?;

    let mut a = Vec::with_capacity(iters);
    let mut b = Vec::with_capacity(iters);
    let mut c = Vec::with_capacity(iters);
    let mut d = Vec::with_capacity(iters);
    let mut e = Vec::with_capacity(iters);
    let mut f = Vec::with_capacity(iters);
    let mut g = Vec::with_capacity(iters);
    let doc = parse_document(&bytes, &limits).ok_or("not plain JSON: no compact tree")?;
    let mut normalize_result: Option<Result<Snapshot, driftguard_core::Error>> = None;
    let mut end_to_end_digest: Option<String> = None;
    for i in 0..=iters {
        let (ta, va) = time(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)));
        let va = va.map_err(|e| format!("serde_json: {e}"))?;
        drop(black_box(va));
        let (tb, vb) = time(|| parse_text(black_box(&bytes), Syntax::Auto, &limits));
        drop(black_box(vb));
        let (tc, sc) = time(|| snapshot_from_value(black_box(&value), &options));
        let (td, sd) = time(|| snapshot_from_bytes(black_box(&bytes), &options));
        if let Ok(s) = &sd {
            end_to_end_digest = Some(s.digest().to_owned());
        }
        drop(black_box(sd));
        let (te, ve) = time(|| parse_document(black_box(&bytes), &limits));
        drop(black_box(ve));
        let (tf, sf) = time(|| snapshot_from_document(black_box(&doc), &options));
        let sf = sf.map_err(|e| format!("normalize: {e}"))?;
        let (tg, dg) = time(|| black_box(&sf).content_digest());
        if dg.as_deref().ok() != Some(sf.digest()) {
            return Err("content_digest differs from the snapshot's digest".into());
        }
        drop(black_box(sf));
        normalize_result = Some(sc);
        if i > 0 {
            a.push(ta);
            b.push(tb);
            c.push(tc);
            d.push(td);
            e.push(te);
            f.push(tf);
            g.push(tg);
        }
    }
    let (ma, mb_, mc, md) = (
        median(&mut a),
        median(&mut b),
        median(&mut c),
        median(&mut d),
    );
    let (me, mf, mg) = (median(&mut e), median(&mut f), median(&mut g));
    let throughput = mb(bytes.len()) / ma.as_secs_f64();
    println!(
        "(a) serde_json::from_slice::<Value>  {:>9.1} ms  ({throughput:.0} MB/s)",
        ms(ma)
    );
    println!(
        "(b) parse::parse_text (ours)          {:>9.1} ms  = {:.2}x (a)",
        ms(mb_),
        ms(mb_) / ms(ma)
    );
    match normalize_result {
        Some(Ok(snapshot)) => {
            let (ops, schemas) = counts(&snapshot);
            println!(
                "(c) normalize only, serde_json tree   {:>9.1} ms  = {:.2}x (a)",
                ms(mc),
                ms(mc) / ms(ma)
            );
            println!(
                "(e) parse_document (compact tree)     {:>9.1} ms  = {:.2}x (a)",
                ms(me),
                ms(me) / ms(ma)
            );
            println!(
                "(f) normalize only, compact tree      {:>9.1} ms  = {:.2}x (a)   <- target <= 1.0x",
                ms(mf),
                ms(mf) / ms(ma)
            );
            println!(
                "(g) of which the digest (SHA-256)     {:>9.1} ms  = {:.2}x (a)",
                ms(mg),
                ms(mg) / ms(ma)
            );
            println!(
                "    (f) - (g): normalization proper   {:>9.1} ms  = {:.2}x (a)",
                ms(mf) - ms(mg),
                (ms(mf) - ms(mg)) / ms(ma)
            );
            println!(
                "(d) end to end (snapshot_from_bytes)  {:>9.1} ms  = {:.2}x (a)",
                ms(md),
                ms(md) / ms(ma)
            );
            let canonical = snapshot.canonical_bytes().map_err(|e| e.to_string())?;
            println!();
            println!("kind:      {}", snapshot.kind().name());
            println!("digest:    {}", snapshot.digest());
            println!("surface:   {ops} operations+webhooks, {schemas} shared schemas");
            println!(
                "canonical: {:.1} MB ({:.0}% of the input)",
                mb(canonical.len()),
                100.0 * canonical.len() as f64 / bytes.len() as f64
            );
            if end_to_end_digest.as_deref() != Some(snapshot.digest()) {
                return Err(format!(
                    "digest of (d) {end_to_end_digest:?} differs from (c) {}",
                    snapshot.digest()
                ));
            }
            println!("(c) and (d) digests agree; (a) excludes freeing the tree, (d) includes it");
        }
        Some(Err(e)) => {
            println!(
                "(c) normalize only                    error {}: {e}",
                e.code()
            );
            println!("(d) end to end                        (fails the same way)");
        }
        None => {}
    }
    if let Some(peak) = peak_rss_mb() {
        println!("peak RSS:  {peak:.0} MB");
    }
    Ok(())
}

fn run_all(dir: &Path) -> Result<(), String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e} (run scripts/bench.sh)", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no *.json files in {}", dir.display()));
    }
    println!("every *.json in {}\n", dir.display());
    println!(
        "{:<28} {:>8}  {:<22} {:>6} {:>8} {:>10} {:>11} {:>6}",
        "file", "MB", "result", "ops", "schemas", "serde ms", "snapshot ms", "ratio"
    );
    let options = Options::default();
    let (mut ok, mut failed) = (0usize, 0usize);
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = read(path)?;
        let (ta, va) = time(|| serde_json::from_slice::<serde_json::Value>(&bytes));
        drop(black_box(va));
        let (td, result) = time(|| snapshot_from_bytes(&bytes, &options));
        let (status, ops, schemas) = match &result {
            Ok(s) => {
                ok += 1;
                let (o, sc) = counts(s);
                ("ok".to_owned(), o.to_string(), sc.to_string())
            }
            Err(e) => {
                failed += 1;
                (format!("error {}", e.code()), "-".into(), "-".into())
            }
        };
        println!(
            "{:<28} {:>8.1}  {:<22} {:>6} {:>8} {:>10.1} {:>11.1} {:>5.2}x",
            name,
            mb(bytes.len()),
            status,
            ops,
            schemas,
            ms(ta),
            ms(td),
            ms(td) / ms(ta)
        );
        if let Err(e) = &result {
            println!("    {e}");
        }
    }
    println!("\n{ok} ok, {failed} failed");
    if let Some(peak) = peak_rss_mb() {
        println!("peak RSS: {peak:.0} MB");
    }
    Ok(())
}
