//! The command line shared by every front end, as a pure function.
//!
//! [`run`] takes the arguments and a [`Host`] (how to read a file, what day it is) and
//! returns what to print and the exit code. The Rust example CLI, the Python CLI and
//! the Node CLI all call it, so the same command gives the same bytes and exit code
//! everywhere; they only add their own capture commands (which need the network).
//!
//! Exit codes: `0` nothing at or above the threshold, `1` changes at or above it, `2`
//! usage or input error.

use crate::classify::diff::diff_unsealed;
use crate::classify::policy::{Policy, Threshold};
use crate::classify::{Report, diff as diff_snapshots, rules};
use crate::normalize::{Format, Options, normalize_parsed, parse_input, snapshot_from_bytes};
use crate::render::{OutputFormat, RenderOptions};
use crate::snapshot::Snapshot;

/// What a front end provides: file access and today's date.
pub trait Host {
    /// Reads a file (`-` is standard input). The error is a one-line message.
    fn read(&self, path: &str) -> Result<Vec<u8>, String>;
    /// Today's date as `YYYY-MM-DD` (for sunsets and ignore expiry), if known.
    fn today(&self) -> Option<String>;

    /// Runs two independent jobs and returns when both have run. `diff` snapshots its
    /// two documents through it. The core starts no threads: a host that may (a native
    /// binary, a Python or Node extension) runs `a` on a second thread while it runs `b`,
    /// which halves the wall time of snapshotting on two cores; the default runs `a`,
    /// then `b`. The jobs only set results they own, so the output is the same bytes
    /// either way.
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
        a();
        b();
    }

    /// Takes what a command no longer needs once its output is ready (the two snapshots
    /// and the report of `diff`: tens of megabytes of small allocations on a large
    /// API). The default frees it. A host whose process exits right after [`run`] may
    /// skip the free, as compilers do, and leave the memory to the operating system.
    fn dispose(&self, garbage: Box<dyn std::any::Any + Send>) {
        drop(garbage);
    }
}

/// What to print and how to exit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Text for standard output.
    pub out: String,
    /// Text for standard error (diagnostics).
    pub err: String,
    /// The process exit code.
    pub code: u8,
}

/// The usage text.
pub const USAGE: &str = "\
usage: driftguard snapshot FILE [--format FORMAT]
       driftguard diff OLD NEW [--format OUTPUT] [--fail-on THRESHOLD] [--policy FILE]
                               [--input-format FORMAT] [--color] [--today YYYY-MM-DD]
       driftguard rules [--format text|json]
       driftguard --help | --version

commands:
  snapshot FILE   print the canonical snapshot of FILE (`-` reads stdin) as JSON
  diff OLD NEW    classify the changes from OLD to NEW (documents or snapshots)
  rules           list the rule registry

options:
  --format FORMAT        snapshot: input format: auto (default), openapi, swagger,
                         json-schema, mcp, samples, snapshot
  --format OUTPUT        diff: text (default), json, markdown, github, junit, sarif
  --fail-on THRESHOLD    breaking (default), dangerous, safe, never
  --policy FILE          a policy in TOML or JSON (profile, overrides, ignores, fail_on)
  --input-format FORMAT  diff: the format of OLD and NEW (default auto)
  --color                diff --format text: ANSI colours
  --today YYYY-MM-DD     the date for sunsets and ignore expiry (default: today)
  -h, --help             print this help
  -V, --version          print the version

exit codes: 0 nothing at or above the threshold, 1 changes at or above it,
            2 usage or input error
";

/// The version printed by `--version` and written into SARIF.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

enum Failure {
    Usage(String),
    Input(String),
}

impl From<crate::Error> for Failure {
    fn from(e: crate::Error) -> Self {
        Failure::Input(format!("error[{}]: {e}", e.code()))
    }
}

/// Runs one command line (without the program name).
pub fn run(args: &[String], host: &dyn Host) -> Outcome {
    let result = if args.iter().any(|a| a == "--help" || a == "-h") {
        Ok((USAGE.to_owned(), 0))
    } else if args.iter().any(|a| a == "--version" || a == "-V") {
        Ok((format!("driftguard {VERSION}\n"), 0))
    } else {
        match args.split_first() {
            None => Err(Failure::Usage("no command given".into())),
            Some((command, rest)) => match command.as_str() {
                "snapshot" => snapshot(rest, host).map(|s| (s, 0)),
                "diff" => diff(rest, host),
                "rules" => list_rules(rest).map(|s| (s, 0)),
                other => Err(Failure::Usage(format!("unknown command {other:?}"))),
            },
        }
    };
    match result {
        Ok((text, code)) => Outcome {
            out: text,
            err: String::new(),
            code,
        },
        Err(Failure::Usage(m)) => Outcome {
            out: String::new(),
            err: format!("error: {m}\n\n{USAGE}"),
            code: 2,
        },
        Err(Failure::Input(m)) => Outcome {
            out: String::new(),
            err: format!("{m}\n"),
            code: 2,
        },
    }
}

/// Splits `--name value` / `--name=value` options from positional arguments.
struct Args<'a> {
    positional: Vec<&'a str>,
    options: Vec<(&'a str, Option<&'a str>)>,
}

fn parse_args<'a>(
    args: &'a [String],
    with_value: &[&str],
    flags: &[&str],
) -> Result<Args<'a>, Failure> {
    let mut out = Args {
        positional: Vec::new(),
        options: Vec::new(),
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let arg = arg.as_str();
        if arg == "-" || !arg.starts_with('-') {
            out.positional.push(arg);
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (arg, None),
        };
        if flags.contains(&name) && inline.is_none() {
            out.options.push((name, None));
        } else if with_value.contains(&name) {
            let value = match inline {
                Some(v) => v,
                None => iter
                    .next()
                    .map(String::as_str)
                    .ok_or_else(|| Failure::Usage(format!("{name} needs a value")))?,
            };
            out.options.push((name, Some(value)));
        } else {
            return Err(Failure::Usage(format!("unknown option {arg:?}")));
        }
    }
    Ok(out)
}

impl Args<'_> {
    fn value(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| *v)
    }
    fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| *n == name)
    }
}

fn input_format(name: Option<&str>) -> Result<Format, Failure> {
    match name {
        None => Ok(Format::Auto),
        Some(n) => {
            Format::from_name(n).ok_or_else(|| Failure::Usage(format!("unknown format {n:?}")))
        }
    }
}

fn read(host: &dyn Host, path: &str) -> Result<Vec<u8>, Failure> {
    host.read(path)
        .map_err(|m| Failure::Input(format!("error: {m}")))
}

/// `snapshot FILE [--format FORMAT]`.
fn snapshot(args: &[String], host: &dyn Host) -> Result<String, Failure> {
    let a = parse_args(args, &["--format"], &[])?;
    let format = input_format(a.value("--format"))?;
    let file = match a.positional.as_slice() {
        [f] => *f,
        [] => {
            return Err(Failure::Usage(
                "snapshot needs a FILE (or - for stdin)".into(),
            ));
        }
        [_, extra, ..] => return Err(Failure::Usage(format!("unexpected argument {extra:?}"))),
    };
    let bytes = read(host, file)?;
    let snapshot = snapshot_from_bytes(
        &bytes,
        &Options {
            format,
            ..Options::default()
        },
    )?;
    // A snapshot read back from a lock file keeps its own `source`, which is not what
    // this file is: print the canonical content only.
    Ok(snapshot.with_source(None).to_json_pretty()?)
}

/// `diff OLD NEW [...]`.
fn diff(args: &[String], host: &dyn Host) -> Result<(String, u8), Failure> {
    let a = parse_args(
        args,
        &[
            "--format",
            "--fail-on",
            "--policy",
            "--input-format",
            "--today",
        ],
        &["--color"],
    )?;
    let (old_path, new_path) = match a.positional.as_slice() {
        [o, n] => (*o, *n),
        [_, _, extra, ..] => return Err(Failure::Usage(format!("unexpected argument {extra:?}"))),
        _ => return Err(Failure::Usage("diff needs OLD and NEW".into())),
    };
    if old_path == "-" && new_path == "-" {
        return Err(Failure::Usage(
            "only one of OLD and NEW can be - (stdin)".into(),
        ));
    }
    let output = match a.value("--format") {
        None => OutputFormat::Text,
        Some(n) => OutputFormat::from_name(n)
            .ok_or_else(|| Failure::Usage(format!("unknown output format {n:?}")))?,
    };
    let mut policy = match a.value("--policy") {
        None => Policy::default(),
        Some(path) => {
            let bytes = read(host, path)?;
            let text = String::from_utf8(bytes).map_err(|_| {
                Failure::Input(format!("error[E_CONFIG]: policy {path} is not UTF-8 text"))
            })?;
            if path.ends_with(".json") {
                Policy::from_json(&text)?
            } else {
                Policy::from_toml(&text)?
            }
        }
    };
    if let Some(t) = a.value("--fail-on") {
        policy.fail_on = Threshold::from_name(t)
            .ok_or_else(|| Failure::Usage(format!("unknown threshold {t:?}")))?;
    }
    let today = match a.value("--today") {
        Some(d) => Some(d.to_owned()),
        None => host.today(),
    };
    let format = input_format(a.value("--input-format"))?;
    let options = Options {
        format,
        ..Options::default()
    };
    let (mut old, mut new) = snapshot_both(host, old_path, new_path, &options)?;
    let report = classify_both(host, &mut old, &mut new, &policy, today.as_deref())?;
    let render_options = RenderOptions {
        color: a.flag("--color"),
        file: (new_path != "-").then(|| new_path.to_owned()),
        fail_on: policy.fail_on.min_severity(),
        tool_version: VERSION.to_owned(),
    };
    let rendered = report.render(output, &render_options);
    let code = if policy.fails(report.max_severity()) {
        1
    } else {
        0
    };
    host.dispose(Box::new((old, new, report)));
    Ok((rendered, code))
}

/// Reads and snapshots OLD and NEW, overlapping the work through [`Host::join`]: NEW is
/// parsed while OLD is parsed and normalized (NEW's own normalization follows, once
/// OLD's text and tree are freed, so the peak memory stays that of one after the
/// other). The snapshots may be unsealed. The error reported is the one a sequential
/// run meets first: reading OLD, snapshotting OLD, reading NEW, snapshotting NEW.
fn snapshot_both(
    host: &dyn Host,
    old_path: &str,
    new_path: &str,
    options: &Options,
) -> Result<(Snapshot, Snapshot), Failure> {
    let old_bytes = read(host, old_path)?;
    let new_bytes = match read(host, new_path) {
        Ok(bytes) => bytes,
        Err(unreadable) => {
            // OLD's own error comes first, as it would in order.
            snapshot_from_bytes(&old_bytes, options)?;
            return Err(unreadable);
        }
    };
    let mut old = None;
    let mut parsed_new = None;
    host.join(
        &mut || {
            old =
                Some(parse_input(&old_bytes, options).and_then(|p| normalize_parsed(&p, options)));
        },
        &mut || parsed_new = Some(parse_input(&new_bytes, options)),
    );
    drop(old_bytes);
    let old = old.ok_or_else(host_skipped_a_job)??;
    let new = normalize_parsed(&parsed_new.ok_or_else(host_skipped_a_job)??, options)?;
    Ok((old, new))
}

/// Classifies OLD → NEW, hashing the two snapshots while they are compared (through
/// [`Host::join`]); the report is the one [`diff_snapshots`] gives.
fn classify_both(
    host: &dyn Host,
    old: &mut Snapshot,
    new: &mut Snapshot,
    policy: &Policy,
    today: Option<&str>,
) -> Result<Report, Failure> {
    let mut digests = None;
    let mut report = None;
    {
        let (old, new) = (&*old, &*new);
        host.join(
            &mut || digests = Some((old.sealed_digest(), new.sealed_digest())),
            &mut || report = Some(diff_unsealed(old, new, policy, today)),
        );
    }
    let (old_digest, new_digest) = digests.ok_or_else(host_skipped_a_job)?;
    old.set_digest(old_digest?);
    new.set_digest(new_digest?);
    if old.digest() == new.digest() {
        // Equal snapshots: the plain diff, which does not compare equal surfaces.
        return Ok(diff_snapshots(old, new, policy, today)?);
    }
    let mut report = report.ok_or_else(host_skipped_a_job)??;
    old.digest().clone_into(&mut report.old);
    new.digest().clone_into(&mut report.new);
    Ok(report)
}

/// A host's `join` must run both jobs; one that did not is a bug in the host.
fn host_skipped_a_job() -> Failure {
    Failure::Input("error: internal error: the host did not run both jobs".into())
}

/// `rules [--format text|json]`.
fn list_rules(args: &[String]) -> Result<String, Failure> {
    let a = parse_args(args, &["--format"], &[])?;
    if let Some(extra) = a.positional.first() {
        return Err(Failure::Usage(format!("unexpected argument {extra:?}")));
    }
    match a.value("--format").unwrap_or("text") {
        "text" => Ok(rules::render_text()),
        "json" => {
            let mut s = serde_json::to_string_pretty(&rules::to_json())
                .map_err(|e| Failure::Input(format!("error: {e}")))?;
            s.push('\n');
            Ok(s)
        }
        other => Err(Failure::Usage(format!(
            "unknown format {other:?} (text or json)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    struct Files(BTreeMap<&'static str, &'static str>);

    impl Host for Files {
        fn read(&self, path: &str) -> Result<Vec<u8>, String> {
            self.0
                .get(path)
                .map(|s| s.as_bytes().to_vec())
                .ok_or_else(|| format!("cannot read {path}: not found"))
        }
        fn today(&self) -> Option<String> {
            Some("2026-11-24".into())
        }
    }

    fn host() -> Files {
        Files(BTreeMap::from([
            (
                "old.json",
                r#"{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}"#,
            ),
            (
                "new.json",
                r#"{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}"#,
            ),
            (
                "same.yaml",
                "type: object\nrequired: [a]\nproperties:\n  a: {type: string}\n",
            ),
            ("policy.toml", "fail_on = \"never\"\n"),
            ("bad.toml", "profile = \"nope\"\n"),
        ]))
    }

    fn run_args(args: &[&str]) -> Outcome {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        run(&args, &host())
    }

    #[test]
    fn exit_codes() {
        assert_eq!(run_args(&["diff", "old.json", "same.yaml"]).code, 0);
        let o = run_args(&["diff", "old.json", "new.json"]);
        assert_eq!(o.code, 1, "{o:?}");
        assert!(o.out.contains("type-changed"), "{}", o.out);
        assert_eq!(
            run_args(&["diff", "old.json", "new.json", "--fail-on", "never"]).code,
            0
        );
        assert_eq!(
            run_args(&["diff", "old.json", "new.json", "--policy", "policy.toml"]).code,
            0
        );
        assert_eq!(run_args(&["diff", "old.json"]).code, 2);
        assert_eq!(run_args(&["diff", "old.json", "missing.json"]).code, 2);
        let bad = run_args(&["diff", "old.json", "new.json", "--policy", "bad.toml"]);
        assert_eq!(bad.code, 2);
        assert!(bad.err.starts_with("error[E_CONFIG]"), "{}", bad.err);
        assert_eq!(
            run_args(&["diff", "old.json", "new.json", "--format", "nope"]).code,
            2
        );
        assert_eq!(run_args(&["frobnicate"]).code, 2);
    }

    #[test]
    fn every_output_format_renders() {
        for f in ["text", "json", "markdown", "github", "junit", "sarif"] {
            let o = run_args(&["diff", "old.json", "new.json", "--format", f]);
            assert_eq!(o.code, 1, "{f}: {o:?}");
            assert!(o.out.ends_with('\n') && !o.out.is_empty(), "{f}");
        }
    }

    #[test]
    fn rules_lists_the_registry() {
        let o = run_args(&["rules"]);
        assert_eq!(o.code, 0);
        assert!(o.out.contains("property-removed"));
        let j = run_args(&["rules", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&j.out).unwrap();
        assert_eq!(
            v["rules"].as_array().map(Vec::len),
            Some(rules::all().len())
        );
    }

    #[test]
    fn output_is_deterministic() {
        let a = run_args(&["diff", "old.json", "new.json", "--format", "json"]);
        let b = run_args(&["diff", "old.json", "new.json", "--format", "json"]);
        assert_eq!(a, b);
    }

    /// How a test host runs [`Host::join`]'s two jobs.
    #[derive(Clone, Copy, Debug)]
    enum Order {
        /// The default: `a`, then `b`.
        Default,
        /// `b`, then `a`.
        Reversed,
        /// `a` on a second thread, as the native command line does.
        Threads,
        /// A broken host: `b` only.
        SkipsA,
    }

    /// [`Files`] with a chosen `join` and a count of what `dispose` was given.
    struct Joining {
        files: Files,
        order: Order,
        disposed: std::sync::atomic::AtomicUsize,
    }

    impl Host for Joining {
        fn read(&self, path: &str) -> Result<Vec<u8>, String> {
            self.files.read(path)
        }
        fn today(&self) -> Option<String> {
            self.files.today()
        }
        fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
            match self.order {
                Order::Default => {
                    a();
                    b();
                }
                Order::Reversed => {
                    b();
                    a();
                }
                Order::Threads => std::thread::scope(|s| {
                    let t = s.spawn(a);
                    b();
                    t.join().expect("job a panicked");
                }),
                Order::SkipsA => b(),
            }
        }
        fn dispose(&self, garbage: Box<dyn std::any::Any + Send>) {
            self.disposed
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            drop(garbage);
        }
    }

    fn joining(order: Order) -> Joining {
        let mut files = host();
        files.0.extend([
            (
                "pets-1.yaml",
                include_str!("../../examples/contracts/petstore-v1.yaml"),
            ),
            (
                "pets-2.yaml",
                include_str!("../../examples/contracts/petstore-v2.yaml"),
            ),
            (
                "mail-1.json",
                include_str!("../../examples/contracts/postmark-mcp-1.0.15.json"),
            ),
            (
                "mail-2.json",
                include_str!("../../examples/contracts/postmark-mcp-1.0.16-poisoned.json"),
            ),
            ("broken.json", "{\"type\": "),
            ("broken.yaml", "a: [1, 2\n"),
        ]);
        Joining {
            files,
            order,
            disposed: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    #[test]
    fn diff_is_the_same_bytes_however_the_host_runs_its_jobs() {
        let cases: &[&[&str]] = &[
            &["diff", "pets-1.yaml", "pets-2.yaml", "--format", "json"],
            &["diff", "mail-1.json", "mail-2.json", "--format", "markdown"],
            &["diff", "old.json", "new.json"],
            // Equal snapshots (different spellings): the digests decide, no changes.
            &["diff", "old.json", "same.yaml", "--format", "json"],
            &["diff", "pets-1.yaml", "pets-1.yaml"],
            // Errors: the one a sequential run meets first.
            &["diff", "broken.json", "broken.yaml"],
            &["diff", "broken.json", "missing.json"],
            &["diff", "old.json", "missing.json"],
            &["diff", "missing.json", "broken.json"],
            &["diff", "old.json", "broken.yaml"],
            &["diff", "old.json", "pets-1.yaml"],
        ];
        for args in cases {
            let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
            let plain = run(&args, &joining(Order::Default));
            for order in [Order::Reversed, Order::Threads] {
                let h = joining(order);
                assert_eq!(run(&args, &h), plain, "{args:?} with {order:?}");
            }
        }
        let errors = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
            run(&args, &joining(Order::Threads)).err
        };
        assert!(
            errors(&["diff", "broken.json", "missing.json"]).starts_with("error[E_PARSE]"),
            "OLD's own error comes before NEW's read error"
        );
        assert!(errors(&["diff", "old.json", "missing.json"]).contains("cannot read missing.json"));
        let both = errors(&["diff", "broken.json", "broken.yaml"]);
        assert!(
            both.starts_with("error[E_PARSE]") && both.contains("line 1"),
            "{both}"
        );
        // The same bytes as the public API's steps, one after the other.
        let h = joining(Order::Threads);
        for (old, new) in [
            ("pets-1.yaml", "pets-2.yaml"),
            ("mail-1.json", "mail-2.json"),
            ("old.json", "same.yaml"),
        ] {
            let snap = |p: &str| snapshot_from_bytes(&h.read(p).unwrap(), &Options::default());
            let report = diff_snapshots(
                &snap(old).unwrap(),
                &snap(new).unwrap(),
                &Policy::default(),
                Some("2026-11-24"),
            )
            .unwrap();
            let options = RenderOptions {
                file: Some(new.to_owned()),
                fail_on: Policy::default().fail_on.min_severity(),
                tool_version: VERSION.to_owned(),
                ..RenderOptions::default()
            };
            let out = run(
                &["diff", old, new, "--format", "json"].map(str::to_owned),
                &h,
            )
            .out;
            assert_eq!(
                out,
                report.render(OutputFormat::Json, &options),
                "{old} → {new}"
            );
        }
    }

    #[test]
    fn diff_disposes_of_its_snapshots_once_and_survives_a_broken_host() {
        let h = joining(Order::Threads);
        let o = run(
            &["diff", "pets-1.yaml", "pets-2.yaml"].map(str::to_owned),
            &h,
        );
        assert_eq!(o.code, 1, "{o:?}");
        assert_eq!(h.disposed.load(std::sync::atomic::Ordering::Relaxed), 1);
        let broken = joining(Order::SkipsA);
        let o = run(
            &["diff", "pets-1.yaml", "pets-2.yaml"].map(str::to_owned),
            &broken,
        );
        assert_eq!(o.code, 2, "{o:?}");
        assert_eq!(
            o.err.lines().next(),
            Some("error: internal error: the host did not run both jobs")
        );
    }
}
