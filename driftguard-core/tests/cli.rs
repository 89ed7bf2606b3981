//! Drives the example CLI (`examples/driftguard.rs`) as a user would: exit codes, stdout
//! and stderr. `cargo test` builds examples before it runs integration tests; the binary
//! is found next to this test's own executable (`target/<profile>/examples/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/cli-<hash> → target/<profile>/examples/driftguard
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let bin = profile_dir
        .join("examples")
        .join(format!("driftguard{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is not built: run `cargo test -p driftguard-core` (it builds examples before \
         integration tests) or `cargo build -p driftguard-core --example driftguard` first",
        bin.display()
    );
    bin
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// A temporary file removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> TempFile {
        let path =
            std::env::temp_dir().join(format!("driftguard-cli-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A snapshot document the core reads today (json-schema kind, `true` root).
fn snapshot_doc() -> (Value, String) {
    let doc = json!({"format": "driftguard.snapshot/1", "kind": "json-schema", "meta": {},
                     "schemas": {}, "surface": {"root": true}, "source": {"path": "x"}});
    let s =
        driftguard_core::snapshot_from_value(&doc, &driftguard_core::Options::default()).unwrap();
    (doc, s.digest().to_owned())
}

#[test]
fn snapshot_of_a_file_prints_canonical_json() {
    let (doc, digest) = snapshot_doc();
    // Keys out of order and YAML-compatible spacing must not matter.
    let file = TempFile::new(
        "snap.json",
        serde_json::to_string_pretty(&doc).unwrap().as_bytes(),
    );
    let out = run(&["snapshot", file.path()], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    let stdout = text(&out.stdout);
    let expected = format!(
        "{{\n  \"digest\": \"{digest}\",\n  \"format\": \"driftguard.snapshot/1\",\n  \"kind\": \"json-schema\",\n  \"meta\": {{}},\n  \"schemas\": {{}},\n  \"surface\": {{\n    \"root\": true\n  }}\n}}\n"
    );
    assert_eq!(stdout, expected, "digest first, no source, final newline");
}

#[test]
fn snapshot_reads_stdin_with_a_forced_format() {
    let (doc, digest) = snapshot_doc();
    for args in [
        &["snapshot", "-", "--format", "snapshot"][..],
        &["snapshot", "--format=snapshot", "-"],
    ] {
        let out = run(args, doc.to_string().as_bytes());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["digest"], digest.as_str());
    }
}

#[test]
fn snapshot_of_a_json_schema() {
    let file = TempFile::new(
        "schema.yaml",
        b"type: object\nproperties:\n  id: {type: integer}\nrequired: [id]\n",
    );
    let out = run(&["snapshot", file.path()], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "json-schema");
    assert_eq!(v["surface"]["root"]["required"], json!(["id"]));
}

#[test]
fn bad_input_is_a_coded_error_with_exit_2() {
    let cases: [(&[u8], &str); 5] = [
        (b"", "error[E_PARSE]: "),
        (b"{\"a\": ", "error[E_PARSE]: "),
        (b"[1, 2]", "error[E_UNSUPPORTED_FORMAT]: "),
        (b"\xff\xfe", "error[E_ENCODING]: "),
        (
            b"{\"format\": \"driftguard.snapshot/9\"}",
            "error[E_SNAPSHOT_VERSION]: ",
        ),
    ];
    for (input, prefix) in cases {
        let out = run(&["snapshot", "-"], input);
        assert_eq!(out.status.code(), Some(2), "{input:?}");
        assert_eq!(text(&out.stdout), "", "{input:?}");
        let err = text(&out.stderr);
        assert!(err.starts_with(prefix), "{input:?}: {err}");
        assert!(
            err.ends_with('\n') && err.lines().count() == 1,
            "one line: {err:?}"
        );
    }
}

#[test]
fn missing_file_is_exit_2() {
    let out = run(&["snapshot", "/nonexistent/driftguard/contract.yaml"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: cannot read /nonexistent/driftguard/contract.yaml: ")
    );
}

#[test]
fn usage_errors_print_usage_and_exit_2() {
    for (args, what) in [
        (&[][..], "no command given"),
        (&["frobnicate"], "unknown command \"frobnicate\""),
        (&["snapshot"], "snapshot needs a FILE"),
        (&["snapshot", "a", "b"], "unexpected argument \"b\""),
        (
            &["snapshot", "-", "--format", "xml"],
            "unknown format \"xml\"",
        ),
        (&["snapshot", "-", "--format"], "--format needs a value"),
        (
            &["snapshot", "--verbose", "-"],
            "unknown option \"--verbose\"",
        ),
    ] {
        let out = run(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&out.stdout), "");
        let err = text(&out.stderr);
        assert!(
            err.starts_with(&format!("error: {what}")),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("usage: driftguard snapshot FILE [--format FORMAT]"),
            "{err}"
        );
    }
}

#[test]
fn help_goes_to_stdout_with_exit_0() {
    for flag in ["--help", "-h"] {
        let out = run(&[flag], b"");
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out.stdout).starts_with("usage: driftguard snapshot FILE"));
        assert_eq!(text(&out.stderr), "");
    }
    let out = run(&["snapshot", "--help"], b"");
    assert_eq!(out.status.code(), Some(0));
}
