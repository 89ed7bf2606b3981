//! WebAssembly build of DriftGuard: the core's `parse`, `diff`, `render` and `rules` on
//! strings and bytes, for the browser (ES module) and Node (CommonJS), plus the
//! in-browser diff viewer (`viewer/`, built by `build.sh`).
//!
//! This crate is thin by design. The functions in this module are plain Rust — text and
//! JSON options in, text out, errors with the core's stable `code` — so they are unit
//! tested on the host with `cargo test`. The `bindings` module (compiled for `wasm32`
//! only) exposes them to JavaScript with `wasm-bindgen`: it converts `string` /
//! `Uint8Array` inputs, reads option objects, and throws `DriftGuardError`s that carry
//! `.code`.
//!
//! Every output is what the core renders, so the browser, Node, Python and the CLI print
//! the same bytes for the same inputs.

use std::collections::BTreeMap;
use std::fmt;

use driftguard_core::classify::heuristics::{decode_tags, visible};
use driftguard_core::classify::policy::{Policy, Threshold};
use driftguard_core::classify::{self, Report, Severity, rules};
use driftguard_core::cli::{self, Host};
use driftguard_core::parse::{Syntax, parse_text};
use driftguard_core::render::{OutputFormat, RenderOptions, render as render_report};
use driftguard_core::{
    Error, Format, Location, Options, snapshot_from_bytes, snapshot_from_samples,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[cfg(target_arch = "wasm32")]
mod bindings;

/// The error code of a call the binding itself rejects (an unknown option, a wrong
/// argument type, an unknown format name): the browser's counterpart of the CLI's usage
/// error. Every other code is one of the core's ([`Error::CODES`]).
pub const E_USAGE: &str = "E_USAGE";

/// Every code an error of this package can carry: the core's codes, then [`E_USAGE`].
pub fn error_codes() -> Vec<&'static str> {
    let mut codes = Error::CODES.to_vec();
    codes.push(E_USAGE);
    codes
}

/// The version of this package (the workspace version, as `driftguard --version` prints).
pub fn version() -> &'static str {
    cli::VERSION
}

/// The snapshot format this build reads and writes.
pub fn snapshot_format() -> &'static str {
    driftguard_core::SNAPSHOT_FORMAT
}

/// An error of this package: a stable code, a message, and where in the input it was
/// found when that is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingError {
    /// One of [`error_codes`].
    pub code: &'static str,
    /// One line saying what is wrong (and where, when known).
    pub message: String,
    /// The location in the input, for errors of the core that have one.
    pub location: Option<Location>,
}

impl BindingError {
    /// An [`E_USAGE`] error.
    pub fn usage(message: impl Into<String>) -> BindingError {
        BindingError {
            code: E_USAGE,
            message: message.into(),
            location: None,
        }
    }
}

impl From<Error> for BindingError {
    fn from(e: Error) -> Self {
        BindingError {
            code: e.code(),
            message: e.to_string(),
            location: e.location().filter(|l| !l.is_unknown()).cloned(),
        }
    }
}

impl fmt::Display for BindingError {
    /// `error[CODE]: message`, as the CLI prints errors.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.code, self.message)
    }
}

impl std::error::Error for BindingError {}

/// The result type of this package.
pub type Result<T> = std::result::Result<T, BindingError>;

/// Options of [`snapshot`] (JSON object; every member optional).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParseOptions {
    /// `auto` (default), `openapi`, `swagger`, `json-schema`, `mcp`, `samples` or `snapshot`.
    pub format: Option<String>,
}

/// Options of [`diff`] (JSON object; every member optional).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiffOptions {
    /// The input format of both documents (as in [`ParseOptions::format`]).
    pub format: Option<String>,
    /// The policy: a TOML or JSON document as text (text starting with `{` is JSON), or a
    /// policy object (the JSON form).
    pub policy: Option<Value>,
    /// Today's date, `YYYY-MM-DD`, for sunsets and ignore expiry; none by default (no
    /// date-based judgment).
    pub today: Option<String>,
    /// Overrides the policy's `fail_on` (`breaking`, `dangerous`, `safe`, `never`).
    pub fail_on: Option<String>,
}

/// Options of [`render`] (JSON object; every member optional).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RenderOpts {
    /// ANSI colours in the `text` format.
    pub color: Option<bool>,
    /// The contract file the report is about (GitHub annotations, SARIF).
    pub file: Option<String>,
    /// `breaking` (default), `dangerous`, `safe` or `never`: which changes JUnit fails on.
    pub fail_on: Option<String>,
    /// The tool version written into SARIF; default: this package's version.
    pub tool_version: Option<String>,
}

/// Reads an options object given as JSON text (`None` or `null`: all defaults).
pub fn read_options<T: Default + for<'de> Deserialize<'de>>(
    json: Option<&str>,
    what: &str,
) -> Result<T> {
    match json.map(str::trim) {
        None | Some("") | Some("null") | Some("undefined") => Ok(T::default()),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| BindingError::usage(format!("invalid {what} options: {e}"))),
    }
}

fn input_format(name: Option<&str>) -> Result<Format> {
    match name {
        None => Ok(Format::Auto),
        Some(n) => Format::from_name(n).ok_or_else(|| {
            BindingError::usage(format!(
                "unknown input format {n:?} (expected auto, openapi, swagger, json-schema, mcp, \
                 samples or snapshot)"
            ))
        }),
    }
}

fn threshold(name: &str) -> Result<Threshold> {
    Threshold::from_name(name).ok_or_else(|| {
        BindingError::usage(format!(
            "unknown threshold {name:?} (expected breaking, dangerous, safe or never)"
        ))
    })
}

fn output_format(name: &str) -> Result<OutputFormat> {
    OutputFormat::from_name(name).ok_or_else(|| {
        BindingError::usage(format!(
            "unknown output format {name:?} (expected text, json, markdown, github, junit or \
             sarif)"
        ))
    })
}

/// The canonical snapshot of a document (JSON or YAML bytes, or a snapshot), as pretty
/// JSON plus a newline: exactly what `driftguard snapshot FILE` prints.
pub fn snapshot(input: &[u8], options: &ParseOptions) -> Result<String> {
    let format = input_format(options.format.as_deref())?;
    let snapshot = snapshot_from_bytes(
        input,
        &Options {
            format,
            ..Options::default()
        },
    )?;
    Ok(snapshot.with_source(None).to_json_pretty()?)
}

/// The `samples` snapshot inferred from payloads given as one JSON array (its elements are
/// the payloads), as pretty JSON plus a newline.
pub fn snapshot_samples(payloads_json: &[u8]) -> Result<String> {
    let options = Options {
        format: Format::Samples,
        ..Options::default()
    };
    let value = parse_text(payloads_json, Syntax::Json, &options.limits)?;
    let Value::Array(payloads) = value else {
        return Err(BindingError::usage("samples must be an array of payloads"));
    };
    Ok(snapshot_from_samples(&payloads, &options)?
        .with_source(None)
        .to_json_pretty()?)
}

fn read_policy(policy: Option<&Value>) -> Result<Policy> {
    Ok(match policy {
        None | Some(Value::Null) => Policy::default(),
        Some(Value::String(text)) if text.trim_start().starts_with('{') => Policy::from_json(text)?,
        Some(Value::String(text)) => Policy::from_toml(text)?,
        Some(object @ Value::Object(_)) => Policy::from_json(&object.to_string())?,
        Some(_) => {
            return Err(BindingError::usage(
                "policy must be a TOML or JSON text or a policy object",
            ));
        }
    })
}

/// Classifies the changes from `old` to `new` (documents or snapshots) and returns the
/// report as JSON text: exactly what `driftguard diff OLD NEW --format json` prints.
pub fn diff(old: &[u8], new: &[u8], options: &DiffOptions) -> Result<String> {
    let report = diff_report(old, new, options)?;
    Ok(render_report(
        &report,
        OutputFormat::Json,
        &RenderOptions::default(),
    ))
}

/// The report of [`diff`] as a value of the core.
pub fn diff_report(old: &[u8], new: &[u8], options: &DiffOptions) -> Result<Report> {
    let format = input_format(options.format.as_deref())?;
    let mut policy = read_policy(options.policy.as_ref())?;
    if let Some(t) = &options.fail_on {
        policy.fail_on = threshold(t)?;
    }
    let read = Options {
        format,
        ..Options::default()
    };
    let old = snapshot_from_bytes(old, &read)?;
    let new = snapshot_from_bytes(new, &read)?;
    Ok(classify::diff(
        &old,
        &new,
        &policy,
        options.today.as_deref(),
    )?)
}

/// Reads a report document (`driftguard.report/1`, as [`diff`] returns it).
pub fn read_report(json: &[u8]) -> Result<Report> {
    let value = parse_text(json, Syntax::Json, &driftguard_core::Limits::default())?;
    serde_json::from_value(value).map_err(|e| BindingError {
        code: "E_INVALID",
        message: format!("not a DriftGuard report: {e}"),
        location: None,
    })
}

/// Renders a report (JSON text of a `driftguard.report/1` document) in one of the output
/// formats: `text`, `json`, `markdown`, `github`, `junit` or `sarif`.
pub fn render(report_json: &[u8], format: &str, options: &RenderOpts) -> Result<String> {
    let format = output_format(format)?;
    let report = read_report(report_json)?;
    let mut render_options = RenderOptions::default();
    if let Some(c) = options.color {
        render_options.color = c;
    }
    render_options.file.clone_from(&options.file);
    if let Some(t) = &options.fail_on {
        render_options.fail_on = threshold(t)?.min_severity();
    }
    if let Some(v) = &options.tool_version {
        render_options.tool_version.clone_from(v);
    }
    Ok(render_report(&report, format, &render_options))
}

/// The most severe change of a report (JSON text), or `None` when nothing changed.
pub fn max_severity(report_json: &[u8]) -> Result<Option<&'static str>> {
    Ok(read_report(report_json)?.max_severity().map(Severity::name))
}

/// The rule registry: `text` (the table `driftguard rules` prints) or `json` (the
/// `driftguard.rules/1` document, pretty, with a final newline).
pub fn rules(format: &str) -> Result<String> {
    match format {
        "text" => Ok(rules::render_text()),
        "json" => {
            let mut s = serde_json::to_string_pretty(&rules::to_json())
                .map_err(|e| BindingError::usage(e.to_string()))?;
            s.push('\n');
            Ok(s)
        }
        other => Err(BindingError::usage(format!(
            "unknown rules format {other:?} (expected text or json)"
        ))),
    }
}

/// One piece of a text split by [`reveal`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// Ordinary text, or for hidden characters their visible `\u{…}` escapes.
    pub text: String,
    /// True for a run of hidden characters (zero-width, bidi, tags, controls, ANSI…).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// The ASCII a run of Unicode tag characters spells, when it spells something.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded: Option<String>,
}

/// A text made safe to look at: its segments and the ASCII its tag characters spell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Revealed {
    /// Ordinary text and hidden runs, in order; concatenating `text` gives the core's
    /// `visible()` form of the whole text.
    pub segments: Vec<Segment>,
    /// Every tag character of the text decoded (what a model reads and a human does not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
}

/// Splits `text` into ordinary text and runs of hidden characters, as the core's
/// heuristics see them (emoji joiners and variation selectors stay ordinary): the viewer
/// shows each hidden run as highlighted escapes and the decoded tag text beside it.
pub fn reveal(text: &str) -> Revealed {
    let shown = visible(text);
    let mut segments: Vec<Segment> = Vec::new();
    let mut rest = shown.as_str();
    let mut hidden_run = String::new();
    let mut hidden_text = String::new();
    let mut plain = String::new();
    for c in text.chars() {
        // `visible` copies an ordinary character as it is and writes a hidden one as an
        // escape starting with `\`, which no hidden character is: aligning the two is
        // unambiguous.
        if let Some(after) = rest.strip_prefix(c) {
            if !hidden_run.is_empty() {
                segments.push(hidden_segment(&mut hidden_run, &mut hidden_text));
            }
            plain.push(c);
            rest = after;
            continue;
        }
        let escape_len = rest.find('}').map_or(rest.len(), |i| i + 1);
        let (escape, after) = rest.split_at(escape_len);
        if !plain.is_empty() {
            segments.push(Segment {
                text: std::mem::take(&mut plain),
                hidden: false,
                decoded: None,
            });
        }
        hidden_run.push_str(escape);
        hidden_text.push(c);
        rest = after;
    }
    if !hidden_run.is_empty() {
        segments.push(hidden_segment(&mut hidden_run, &mut hidden_text));
    }
    if !plain.is_empty() {
        segments.push(Segment {
            text: plain,
            hidden: false,
            decoded: None,
        });
    }
    Revealed {
        segments,
        tags: decode_tags(text),
    }
}

fn hidden_segment(run: &mut String, original: &mut String) -> Segment {
    let decoded = decode_tags(original);
    original.clear();
    Segment {
        text: std::mem::take(run),
        hidden: true,
        decoded,
    }
}

/// [`reveal`] as JSON text.
pub fn reveal_json(text: &str) -> String {
    serde_json::to_string(&reveal(text)).unwrap_or_else(|_| String::from("{\"segments\":[]}"))
}

/// What [`run_cli`] prints and how it exits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CliOutcome {
    /// Standard output.
    pub out: String,
    /// Standard error.
    pub err: String,
    /// The exit code (0, 1 or 2).
    pub code: u8,
}

struct Files<'a> {
    files: &'a BTreeMap<String, Vec<u8>>,
    today: Option<String>,
}

impl Host for Files<'_> {
    fn read(&self, path: &str) -> std::result::Result<Vec<u8>, String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| format!("{path}: no such file (give its contents in `files`)"))
    }

    fn today(&self) -> Option<String> {
        self.today.clone()
    }
}

/// Runs the shared command line (`diff`, `snapshot`, `rules`, `--help`, `--version`) over
/// in-memory files: the same bytes and exit codes as the native `driftguard`.
pub fn run_cli(
    args: &[String],
    files: &BTreeMap<String, Vec<u8>>,
    today: Option<String>,
) -> CliOutcome {
    let outcome = cli::run(args, &Files { files, today });
    CliOutcome {
        out: outcome.out,
        err: outcome.err,
        code: outcome.code,
    }
}
