//! Conformance runner for the Rust core.
//!
//! The vectors under `conformance/vectors/` are language-neutral JSON files (the format
//! is specified in `conformance/README.md` and `conformance/vector.schema.json`). This
//! crate discovers them in a deterministic order, checks each file's structure, runs it
//! against `driftguard-core`, and reports every failure with the vector's path, the
//! input's index and the first differing JSON Pointer.
//!
//! The *kind* of a vector is the first folder below `vectors/` (`normalize`, `diff`,
//! `render`); adding a kind is one arm in [`run_vector`]. Any other folder is an error,
//! so a vector can never be silently skipped.
//!
//! ```no_run
//! use driftguard_conformance::{run_all, vectors_dir, Mode};
//! let report = run_all(&vectors_dir(), Mode::Check);
//! assert!(report.failures.is_empty(), "{}", report.failure_summary());
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod base64;
mod classify;
mod diff;
mod structure;

use std::fmt;
use std::path::{Path, PathBuf};

use driftguard_core::{Error, Format, Options, snapshot_from_bytes, snapshot_from_samples};
use serde_json::Value;

pub use classify::EXPECTED_CHANGE_MEMBERS;
pub use diff::first_difference;
pub use structure::{
    ALLOWED_DIFF_MEMBERS, ALLOWED_EXPECT_MEMBERS, ALLOWED_FORMATS, ALLOWED_INPUT_FORMS,
    ALLOWED_MEMBERS, ALLOWED_RENDER_MEMBERS, ALLOWED_RENDER_OPTIONS, check_structure,
};

/// The folder holding all vectors (`conformance/vectors`).
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

/// What a vector pins, decided by the first folder below `vectors/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VectorKind {
    /// `normalize/`: input document(s) → expected snapshot or error code.
    Normalize,
    /// `diff/`: old + new (+ policy) → the exact list of expected changes, or an error.
    Diff,
    /// `render/`: a report → the exact output of one format.
    Render,
}

impl VectorKind {
    /// The kind of the vector at `relative` (a path relative to `vectors/`).
    pub fn from_relative_path(relative: &Path) -> Result<VectorKind, String> {
        let first = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str());
        match first {
            Some("normalize") => Ok(VectorKind::Normalize),
            Some("diff") => Ok(VectorKind::Diff),
            Some("render") => Ok(VectorKind::Render),
            Some(other) if relative.components().count() > 1 => Err(format!(
                "unknown vector kind {other:?} (the first folder below vectors/ must be \
                 normalize, diff or render)"
            )),
            _ => Err("a vector must live in a kind folder (normalize/, diff/ or render/)".into()),
        }
    }

    /// The folder name of the kind.
    pub fn name(self) -> &'static str {
        match self {
            VectorKind::Normalize => "normalize",
            VectorKind::Diff => "diff",
            VectorKind::Render => "render",
        }
    }
}

/// Whether null expectations are filled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Compare only; a null expectation is a failure.
    Check,
    /// Fill `{"snapshot": null}` expectations from the core's output (only nulls).
    Bless,
}

impl Mode {
    /// `Bless` when the environment variable `DRIFTGUARD_BLESS` is `1`, else `Check`.
    pub fn from_env() -> Mode {
        match std::env::var("DRIFTGUARD_BLESS") {
            Ok(v) if v == "1" => Mode::Bless,
            _ => Mode::Check,
        }
    }
}

/// One failed expectation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Path of the vector relative to `vectors/`, with `/` separators.
    pub vector: String,
    /// Index of the input that failed, when the failure is about one input.
    pub input: Option<usize>,
    /// What went wrong, with the first differing JSON Pointer for snapshot mismatches.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.input {
            Some(i) => write!(f, "{} [input {i}]: {}", self.vector, self.message),
            None => write!(f, "{}: {}", self.vector, self.message),
        }
    }
}

/// The result of running a set of vectors.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Every vector file found, relative to `vectors/`, in run order.
    pub vectors: Vec<String>,
    /// How many vectors of each kind were found: (normalize, diff, render).
    pub normalize_count: usize,
    /// Diff vectors found.
    pub diff_count: usize,
    /// Render vectors found.
    pub render_count: usize,
    /// Vectors whose every expectation held.
    pub passed: Vec<String>,
    /// Every failure, vector by vector, input by input.
    pub failures: Vec<Failure>,
    /// Vectors whose null expectation was filled in (bless mode).
    pub blessed: Vec<String>,
    /// Vectors rewritten in canonical file form, values unchanged (bless mode).
    pub reformatted: Vec<String>,
}

impl Report {
    /// Number of distinct vectors with at least one failure.
    pub fn failing_vectors(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.failures.iter().map(|f| f.vector.as_str()).collect();
        v.dedup();
        v
    }

    /// All failures, one per line, preceded by a count.
    pub fn failure_summary(&self) -> String {
        let failing = self.failing_vectors();
        let mut out = format!(
            "{} of {} conformance vectors failed ({} failures):\n",
            failing.len(),
            self.vectors.len(),
            self.failures.len()
        );
        for f in &self.failures {
            out.push_str("  ");
            out.push_str(&f.to_string());
            out.push('\n');
        }
        out
    }
}

/// Every `*.json` file below `dir`, recursively, as paths relative to `dir`, sorted
/// by their `/`-separated string (deterministic on every platform).
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| format!("cannot list {}: {e}", d.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", d.display()))?;
            let path = entry.path();
            let file_type = entry
                .file_type()
                .map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
            if file_type.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let rel = path
                    .strip_prefix(dir)
                    .map_err(|e| format!("{} is outside {}: {e}", path.display(), dir.display()))?;
                found.push(rel.to_path_buf());
            }
        }
    }
    found.sort_by_key(|p| slash_path(p));
    Ok(found)
}

/// A relative path with `/` separators.
pub fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Runs every vector below `dir`.
pub fn run_all(dir: &Path, mode: Mode) -> Report {
    let mut report = Report::default();
    let files = match discover(dir) {
        Ok(f) => f,
        Err(message) => {
            report.failures.push(Failure {
                vector: slash_path(dir),
                input: None,
                message,
            });
            return report;
        }
    };
    for rel in files {
        let name = slash_path(&rel);
        report.vectors.push(name.clone());
        let outcome = run_file(dir, &rel, mode);
        match outcome.kind {
            Some(VectorKind::Normalize) => report.normalize_count += 1,
            Some(VectorKind::Diff) => report.diff_count += 1,
            Some(VectorKind::Render) => report.render_count += 1,
            None => {}
        }
        if outcome.blessed {
            report.blessed.push(name.clone());
        }
        if outcome.reformatted {
            report.reformatted.push(name.clone());
        }
        if outcome.failures.is_empty() {
            report.passed.push(name);
        } else {
            report.failures.extend(outcome.failures);
        }
    }
    report
}

/// The result of running one vector file.
#[derive(Clone, Debug, Default)]
pub struct FileOutcome {
    /// The kind, when the path names a known one.
    pub kind: Option<VectorKind>,
    /// Failures (empty when the vector passed).
    pub failures: Vec<Failure>,
    /// True when a null expectation was filled in and written back.
    pub blessed: bool,
    /// True when the file was rewritten in canonical form (bless mode, values unchanged).
    pub reformatted: bool,
}

/// Reads, checks and runs one vector file (`rel` is relative to `dir`). In
/// [`Mode::Bless`], a filled-in expectation is written back to the file, and a file not
/// in canonical form ([`vector_file_text`]) is rewritten in it with its values unchanged.
/// This function is the only writer of vector files.
pub fn run_file(dir: &Path, rel: &Path, mode: Mode) -> FileOutcome {
    let name = slash_path(rel);
    let fail = |input: Option<usize>, message: String| Failure {
        vector: name.clone(),
        input,
        message,
    };
    let mut outcome = FileOutcome::default();
    let kind = match VectorKind::from_relative_path(rel) {
        Ok(k) => k,
        Err(m) => {
            outcome.failures.push(fail(None, m));
            return outcome;
        }
    };
    outcome.kind = Some(kind);
    let path = dir.join(rel);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            outcome
                .failures
                .push(fail(None, format!("cannot read: {e}")));
            return outcome;
        }
    };
    let vector = match read_vector_text(&text) {
        Ok(v) => v,
        Err(m) => {
            outcome.failures.push(fail(None, m));
            return outcome;
        }
    };
    if mode == Mode::Bless && !numbers_read_exactly() {
        outcome.failures.push(fail(
            None,
            "refusing to bless or reformat: this build of serde_json reads decimals inexactly \
             (enable its `float_roundtrip` feature), so rewriting files would change numbers"
                .into(),
        ));
        return outcome;
    }
    let result = run_vector(kind, &vector, mode);
    outcome
        .failures
        .extend(result.failures.into_iter().map(|(i, m)| fail(i, m)));
    if let Some(blessed) = result.blessed {
        match write_vector(&path, &blessed) {
            Ok(()) => outcome.blessed = true,
            Err(e) => outcome
                .failures
                .push(fail(None, format!("cannot write blessed vector: {e}"))),
        }
    } else if mode == Mode::Bless
        && vector_file_text(&vector).ok().as_deref() != Some(text.as_str())
    {
        match write_vector(&path, &vector) {
            Ok(()) => outcome.reformatted = true,
            Err(e) => outcome
                .failures
                .push(fail(None, format!("cannot reformat vector: {e}"))),
        }
    }
    outcome
}

/// Parses a vector file's text: strict JSON, no duplicate keys (two JSON readers
/// disagreeing about a vector would defeat its purpose).
pub fn read_vector_text(text: &str) -> Result<Value, String> {
    structure::reject_duplicate_keys(text)?;
    serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))
}

/// True when JSON text is read with correctly rounded decimals (serde_json's
/// `float_roundtrip`); blessing refuses to rewrite files otherwise.
pub fn numbers_read_exactly() -> bool {
    serde_json::from_str::<f64>("1000000000000000.5").ok() == Some(1_000_000_000_000_000.5)
}

/// The canonical text of a vector file: keys sorted, two-space indentation, final newline.
pub fn vector_file_text(vector: &Value) -> Result<String, String> {
    let mut s = serde_json::to_string_pretty(vector).map_err(|e| e.to_string())?;
    s.push('\n');
    Ok(s)
}

fn write_vector(path: &Path, vector: &Value) -> Result<(), String> {
    let text = vector_file_text(vector)?;
    std::fs::write(path, text).map_err(|e| e.to_string())
}

/// The result of running one parsed vector.
#[derive(Clone, Debug, Default)]
pub struct VectorResult {
    /// (input index, message) of every failure.
    pub failures: Vec<(Option<usize>, String)>,
    /// The whole vector with its expectation filled in, when blessing did so.
    pub blessed: Option<Value>,
}

/// Checks and runs one parsed vector of `kind`. This is the one place a new vector
/// kind is added.
pub fn run_vector(kind: VectorKind, vector: &Value, mode: Mode) -> VectorResult {
    if let Err(errors) = check_structure(kind, vector) {
        return VectorResult {
            failures: errors
                .into_iter()
                .map(|m| (None, format!("malformed vector: {m}")))
                .collect(),
            blessed: None,
        };
    }
    match kind {
        VectorKind::Normalize => run_normalize(vector, mode),
        VectorKind::Diff => classify::run_diff(vector),
        VectorKind::Render => classify::run_render(vector, mode),
    }
}

/// What an input produced.
type Produced = Result<Value, Error>;

fn run_normalize(vector: &Value, mode: Mode) -> VectorResult {
    let mut result = VectorResult::default();
    let format = vector
        .get("format")
        .and_then(Value::as_str)
        .and_then(Format::from_name)
        .unwrap_or(Format::Auto);
    let options = Options {
        format,
        ..Options::default()
    };
    let inputs = vector
        .get("inputs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let produced: Vec<Result<Produced, String>> = inputs
        .iter()
        .map(|input| produce(input, &options))
        .collect();
    let expect = vector.get("expect").and_then(Value::as_object);
    let expected_error = expect.and_then(|e| e.get("error")).and_then(Value::as_str);
    let expected_snapshot = expect.and_then(|e| e.get("snapshot"));

    if let Some(code) = expected_error {
        if !Error::CODES.contains(&code) {
            result.failures.push((
                None,
                format!(
                    "expected error code {code:?} is not a code of the core ({:?})",
                    Error::CODES
                ),
            ));
            return result;
        }
        for (i, p) in produced.iter().enumerate() {
            match p {
                Err(m) => result.failures.push((Some(i), m.clone())),
                Ok(Err(e)) if e.code() == code => {}
                Ok(Err(e)) => result.failures.push((
                    Some(i),
                    format!("expected error {code}, got {}: {e}", e.code()),
                )),
                Ok(Ok(_)) => result
                    .failures
                    .push((Some(i), format!("expected error {code}, got a snapshot"))),
            }
        }
        return result;
    }

    match expected_snapshot {
        Some(Value::Null) | None => bless_or_fail(vector, &produced, mode, &mut result),
        Some(expected) => {
            if let Err(m) = self_consistent(expected) {
                result.failures.push((None, m));
            }
            for (i, p) in produced.iter().enumerate() {
                match p {
                    Err(m) => result.failures.push((Some(i), m.clone())),
                    Ok(Err(e)) => result.failures.push((
                        Some(i),
                        format!("expected a snapshot, got error {}: {e}", e.code()),
                    )),
                    Ok(Ok(actual)) => {
                        if let Some(d) = first_difference(expected, actual) {
                            result
                                .failures
                                .push((Some(i), format!("snapshot differs: {d}")));
                        }
                    }
                }
            }
        }
    }
    result
}

/// An expected snapshot must be one the core reads back with the digest it states:
/// a hand-edited expectation with a stale digest is a broken vector.
fn self_consistent(expected: &Value) -> Result<(), String> {
    let options = Options {
        format: Format::Snapshot,
        ..Options::default()
    };
    driftguard_core::snapshot_from_value(expected, &options)
        .map(|_| ())
        .map_err(|e| {
            format!(
                "expected snapshot is not a valid snapshot document ({}): {e}",
                e.code()
            )
        })
}

fn bless_or_fail(
    vector: &Value,
    produced: &[Result<Produced, String>],
    mode: Mode,
    result: &mut VectorResult,
) {
    if mode == Mode::Check {
        result.failures.push((
            None,
            "expectation is {\"snapshot\": null}; run with DRIFTGUARD_BLESS=1 to fill it in, \
             then read the result"
                .into(),
        ));
        return;
    }
    let mut first: Option<&Value> = None;
    for (i, p) in produced.iter().enumerate() {
        match p {
            Err(m) => result.failures.push((Some(i), m.clone())),
            Ok(Err(e)) => result.failures.push((
                Some(i),
                format!("cannot bless: input fails with {}: {e}", e.code()),
            )),
            Ok(Ok(actual)) => match first {
                None => first = Some(actual),
                Some(f) => {
                    if let Some(d) = first_difference(f, actual) {
                        result.failures.push((
                            Some(i),
                            format!("cannot bless: input differs from input 0: {d}"),
                        ));
                    }
                }
            },
        }
    }
    if !result.failures.is_empty() {
        return;
    }
    if let (Some(snapshot), Value::Object(members)) = (first, vector) {
        let mut blessed = members.clone();
        let mut expect = serde_json::Map::new();
        expect.insert("snapshot".into(), snapshot.clone());
        blessed.insert("expect".into(), Value::Object(expect));
        result.blessed = Some(Value::Object(blessed));
    }
}

/// Runs one input: the bytes (or payloads) it denotes through the core.
/// `Err(String)` is a problem with the input itself (bad base64…), not with the core.
fn produce(input: &Value, options: &Options) -> Result<Produced, String> {
    let Some((form, value)) = input.as_object().and_then(|o| o.iter().next()) else {
        return Err("input must be an object with one member".into());
    };
    let snapshot = match form.as_str() {
        "json" => {
            let bytes = serde_json::to_vec(value).map_err(|e| format!("cannot serialize: {e}"))?;
            snapshot_from_bytes(&bytes, options)
        }
        "text" => {
            let text = value.as_str().ok_or("`text` must be a string")?;
            snapshot_from_bytes(text.as_bytes(), options)
        }
        "base64" => {
            let encoded = value.as_str().ok_or("`base64` must be a string")?;
            let bytes = base64::decode(encoded)?;
            snapshot_from_bytes(&bytes, options)
        }
        "samples" => {
            let payloads = value.as_array().ok_or("`samples` must be an array")?;
            snapshot_from_samples(payloads, options)
        }
        other => return Err(format!("unknown input form {other:?}")),
    };
    Ok(snapshot.and_then(|s| s.to_value()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_come_from_the_top_folder() {
        let k = |p: &str| VectorKind::from_relative_path(Path::new(p));
        assert_eq!(k("normalize/openapi/a.json"), Ok(VectorKind::Normalize));
        assert_eq!(k("diff/x.json"), Ok(VectorKind::Diff));
        assert_eq!(k("render/x.json"), Ok(VectorKind::Render));
        assert!(
            k("normalise/a.json")
                .unwrap_err()
                .contains("unknown vector kind \"normalise\"")
        );
        assert!(k("a.json").is_err());
    }

    #[test]
    fn error_expectation_is_checked_per_input() {
        let v = json!({
            "description": "d",
            "inputs": [{"text": ""}, {"text": "[1]"}],
            "expect": {"error": "E_PARSE"}
        });
        let r = run_vector(VectorKind::Normalize, &v, Mode::Check);
        assert_eq!(r.failures.len(), 1, "{:?}", r.failures);
        assert_eq!(r.failures[0].0, Some(1));
        assert!(
            r.failures[0]
                .1
                .starts_with("expected error E_PARSE, got E_UNSUPPORTED_FORMAT")
        );
    }

    #[test]
    fn unknown_error_code_is_a_failure() {
        let v =
            json!({"description": "d", "inputs": [{"text": ""}], "expect": {"error": "E_NOPE"}});
        let r = run_vector(VectorKind::Normalize, &v, Mode::Check);
        assert!(
            r.failures[0].1.contains("not a code of the core"),
            "{:?}",
            r.failures
        );
    }

    fn snapshot_doc() -> Value {
        let s = driftguard_core::snapshot_from_bytes(
            br#"{"format":"driftguard.snapshot/1","kind":"json-schema","meta":{},"schemas":{},"surface":{"root":true}}"#,
            &Options::default(),
        )
        .unwrap();
        s.to_value().unwrap()
    }

    #[test]
    fn snapshot_expectation_reports_pointer_of_first_difference() {
        let doc = snapshot_doc();
        let good =
            json!({"description": "d", "inputs": [{"json": doc}], "expect": {"snapshot": doc}});
        let r = run_vector(VectorKind::Normalize, &good, Mode::Check);
        assert!(r.failures.is_empty(), "{:?}", r.failures);

        let mut other = doc.clone();
        other["surface"]["root"] = json!(false);
        let other = driftguard_core::snapshot_from_value(
            &{
                let mut o = other.clone();
                o.as_object_mut().unwrap().remove("digest");
                o
            },
            &Options::default(),
        )
        .unwrap()
        .to_value()
        .unwrap();
        let bad = json!({"description": "d", "inputs": [{"json": doc}, {"json": other}], "expect": {"snapshot": doc}});
        let r = run_vector(VectorKind::Normalize, &bad, Mode::Check);
        assert_eq!(r.failures.len(), 1, "{:?}", r.failures);
        assert_eq!(r.failures[0].0, Some(1));
        assert!(
            r.failures[0].1.contains("at /digest"),
            "{}",
            r.failures[0].1
        );
    }

    #[test]
    fn stale_expected_digest_is_reported() {
        let doc = snapshot_doc();
        let mut stale = doc.clone();
        stale["digest"] = json!(format!("sha256:{}", "0".repeat(64)));
        let v =
            json!({"description": "d", "inputs": [{"json": doc}], "expect": {"snapshot": stale}});
        let r = run_vector(VectorKind::Normalize, &v, Mode::Check);
        assert!(
            r.failures
                .iter()
                .any(|f| f.1.contains("not a valid snapshot document (E_INVALID)"))
        );
    }

    #[test]
    fn null_expectation_fails_in_check_and_fills_in_bless() {
        let doc = snapshot_doc();
        let v = json!({"description": "d", "format": "snapshot", "inputs": [{"json": doc}, {"text": serde_json::to_string(&doc).unwrap()}], "expect": {"snapshot": null}});
        let r = run_vector(VectorKind::Normalize, &v, Mode::Check);
        assert!(r.failures[0].1.contains("DRIFTGUARD_BLESS=1"));
        assert!(r.blessed.is_none());
        let r = run_vector(VectorKind::Normalize, &v, Mode::Bless);
        assert!(r.failures.is_empty(), "{:?}", r.failures);
        let blessed = r.blessed.unwrap();
        assert_eq!(blessed["expect"]["snapshot"], doc);
        assert_eq!(blessed["description"], "d");
        assert_eq!(blessed["format"], "snapshot");
        let text = vector_file_text(&blessed).unwrap();
        assert!(
            text.starts_with("{\n  \"description\": \"d\",\n  \"expect\": {"),
            "{text}"
        );
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn bless_refuses_inputs_that_disagree_or_fail() {
        let doc = snapshot_doc();
        let v = json!({"description": "d", "inputs": [{"json": doc}, {"text": ""}], "expect": {"snapshot": null}});
        let r = run_vector(VectorKind::Normalize, &v, Mode::Bless);
        assert!(r.blessed.is_none());
        assert_eq!(r.failures[0].0, Some(1));
    }

    #[test]
    fn malformed_diff_and_render_vectors_fail() {
        let v = json!({"description": "d"});
        for k in [VectorKind::Diff, VectorKind::Render] {
            let r = run_vector(k, &v, Mode::Check);
            assert!(!r.failures.is_empty());
            assert!(
                r.failures[0].1.starts_with("malformed vector"),
                "{:?}",
                r.failures
            );
        }
    }

    #[test]
    fn base64_input() {
        let v = json!({"description": "d", "inputs": [{"base64": "e30="}], "expect": {"snapshot": null}});
        let r = run_vector(VectorKind::Normalize, &v, Mode::Bless);
        // `{}` is the empty JSON Schema; whatever the normalizer makes of it, the bytes
        // reached it (a decoding problem would name base64).
        assert!(
            r.failures.iter().all(|f| !f.1.contains("base64")),
            "{:?}",
            r.failures
        );
        let v = json!({"description": "d", "inputs": [{"base64": "e30"}], "expect": {"error": "E_PARSE"}});
        let r = run_vector(VectorKind::Normalize, &v, Mode::Check);
        assert!(r.failures[0].1.contains("base64"), "{:?}", r.failures);
    }

    #[test]
    fn bless_mode_rewrites_files_in_canonical_form_and_check_mode_never_writes() {
        let dir = std::env::temp_dir().join(format!("driftguard-runner-{}", std::process::id()));
        let area = dir.join("normalize").join("t");
        std::fs::create_dir_all(&area).unwrap();
        let text = "{\"inputs\": [{\"text\": \"\"}], \"description\": \"d\", \"expect\": {\"error\": \"E_PARSE\"}}";
        std::fs::write(area.join("v.json"), text).unwrap();
        let rel = Path::new("normalize/t/v.json");
        let out = run_file(&dir, rel, Mode::Check);
        assert!(
            out.failures.is_empty() && !out.reformatted && !out.blessed,
            "{:?}",
            out.failures
        );
        assert_eq!(std::fs::read_to_string(area.join("v.json")).unwrap(), text);
        let out = run_file(&dir, rel, Mode::Bless);
        assert!(out.failures.is_empty() && out.reformatted && !out.blessed);
        let rewritten = std::fs::read_to_string(area.join("v.json")).unwrap();
        assert_eq!(
            rewritten,
            "{\n  \"description\": \"d\",\n  \"expect\": {\n    \"error\": \"E_PARSE\"\n  },\n  \"inputs\": [\n    {\n      \"text\": \"\"\n    }\n  ]\n}\n"
        );
        let report = run_all(&dir, Mode::Bless);
        assert!(report.reformatted.is_empty() && report.failures.is_empty());
        assert_eq!(report.normalize_count, 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn vector_numbers_are_read_exactly() {
        // A runner that misreads a decimal would compare (and bless!) the wrong number.
        // Needs serde_json's `float_roundtrip` feature; fast parsing is off by an ulp here.
        let v = read_vector_text("[1000000000000000.5, 2.2250738585072014e-308, 0.1]").unwrap();
        let exact: Vec<f64> = vec![
            "1000000000000000.5".parse().unwrap(),
            "2.2250738585072014e-308".parse().unwrap(),
            "0.1".parse().unwrap(),
        ];
        let read: Vec<f64> = v
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        assert_eq!(read, exact);
    }

    #[test]
    fn discovery_is_sorted_and_recursive() {
        let files = discover(&vectors_dir()).unwrap();
        let names: Vec<String> = files.iter().map(|p| slash_path(p)).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert!(
            names
                .iter()
                .all(|n| n.ends_with(".json") && n.contains('/'))
        );
    }
}
