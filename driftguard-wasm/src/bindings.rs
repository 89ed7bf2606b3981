//! The JavaScript face of the package (`wasm32` only): conversions and error mapping.
//!
//! Inputs are `string | Uint8Array`; option objects are read through `JSON.stringify`
//! into the option structs of the crate root (unknown members are an `E_USAGE` error);
//! object results are the core's JSON text through `JSON.parse`. Every failure is thrown
//! as an `Error` named `DriftGuardError` with `.code` (and `.line`, `.column`, `.pointer`
//! when the core knows where).
#![allow(unsafe_code)] // the wasm-bindgen macros generate FFI glue

use std::collections::BTreeMap;

use js_sys::{Array, JSON, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::{BindingError, DiffOptions, ParseOptions, RenderOpts, read_options};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** An input document: text, or its bytes (UTF-8; a BOM or invalid UTF-8 is judged by the core). */
export type Input = string | Uint8Array;
/** Input formats; `auto` detects OpenAPI, Swagger, JSON Schema, MCP captures and snapshots. */
export type InputFormat = "auto" | "openapi" | "swagger" | "json-schema" | "mcp" | "samples" | "snapshot" | "package";
/** Report formats of `render`. */
export type OutputFormat = "text" | "json" | "markdown" | "github" | "junit" | "sarif";
/** Severities, most severe first: `breaking` > `dangerous` > `safe`. */
export type Severity = "breaking" | "dangerous" | "safe";
/** A failure threshold. */
export type Threshold = Severity | "never";
/** Every code a `DriftGuardError` can carry. */
export type ErrorCode =
  | "E_PARSE" | "E_ENCODING" | "E_TOO_DEEP" | "E_TOO_LARGE" | "E_REF_UNRESOLVED"
  | "E_REF_EXTERNAL" | "E_REF_CYCLE" | "E_UNSUPPORTED_FORMAT" | "E_INVALID"
  | "E_SNAPSHOT_VERSION" | "E_CONFIG" | "E_USAGE";

/** What every function of this package throws. */
export interface DriftGuardError extends Error {
  name: "DriftGuardError";
  /** The stable error code. */
  code: ErrorCode;
  /** 1-based line in the input, when known. */
  line?: number;
  /** 1-based column in the input, when known. */
  column?: number;
  /** JSON Pointer into the parsed document, when known. */
  pointer?: string;
}

export interface ParseOptions {
  /** Default `auto`. */
  format?: InputFormat;
}

/** A policy object (the JSON form of the TOML policy). */
export interface PolicyDocument {
  profile?: "strict" | "standard" | "lenient";
  fail_on?: Threshold;
  schema_position?: "input" | "output" | "both";
  overrides?: Record<string, Severity>;
  ignore?: Array<{ rule: string; location?: string; reason: string; expires?: string }>;
}

export interface DiffOptions {
  /** The input format of both documents; default `auto`. */
  format?: InputFormat;
  /** A policy as TOML or JSON text (text starting with `{` is JSON), or as an object. */
  policy?: string | PolicyDocument;
  /** Today's date (`YYYY-MM-DD`) for sunsets and ignore expiry; default: none. */
  today?: string;
  /** Overrides the policy's `fail_on`. */
  failOn?: Threshold;
}

export interface RenderOptions {
  /** ANSI colours in the `text` format; default false. */
  color?: boolean;
  /** The contract file the report is about (GitHub annotations, SARIF). */
  file?: string | null;
  /** Which changes JUnit reports as failures; default `breaking`. */
  failOn?: Threshold;
  /** The version SARIF names; default this package's version. */
  toolVersion?: string;
}

/** A canonical snapshot (`driftguard.snapshot/1`); see conformance/SNAPSHOT.md. */
export interface Snapshot {
  format: string;
  kind: "openapi" | "json-schema" | "mcp" | "samples" | "package";
  digest: string;
  meta: Record<string, unknown>;
  schemas: Record<string, unknown>;
  surface: Record<string, unknown>;
  [member: string]: unknown;
}

/** One classified change. */
export interface Change {
  rule: string;
  severity: Severity;
  position: "input" | "output" | "surface";
  /** RFC 6901 pointer into the new snapshot (the old one for removals). */
  pointer: string;
  /** Human path, e.g. `POST /orders › request body › sku` or `tool send_email › input › bcc`. */
  path: string;
  message: string;
  before?: unknown;
  after?: unknown;
  tags?: string[];
}

/** A classified report (`driftguard.report/1`). */
export interface Report {
  format: string;
  old: string;
  new: string;
  summary: { breaking: number; dangerous: number; safe: number };
  changes: Change[];
  ignored?: Array<{ change: Change; reason: string }>;
}

/** The rule registry (`driftguard.rules/1`). */
export interface RulesDocument {
  format: string;
  rules: Array<{ id: string; [member: string]: unknown }>;
}

/** A text split into ordinary text and runs of hidden characters (shown as `\u{…}` escapes). */
export interface Revealed {
  segments: Array<{ text: string; hidden?: true; decoded?: string }>;
  /** The ASCII the text's Unicode tag characters spell, if any. */
  tags?: string;
}

/** What `cli` prints and its exit code. */
export interface CliOutcome {
  out: string;
  err: string;
  code: 0 | 1 | 2;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `ParseOptions` of the TypeScript declarations.
    #[wasm_bindgen(typescript_type = "ParseOptions")]
    pub type ParseOptionsJs;
    /// `DiffOptions` of the TypeScript declarations.
    #[wasm_bindgen(typescript_type = "DiffOptions")]
    pub type DiffOptionsJs;
    /// `RenderOptions` of the TypeScript declarations.
    #[wasm_bindgen(typescript_type = "RenderOptions")]
    pub type RenderOptionsJs;
    /// The format of `rulesText`.
    #[wasm_bindgen(typescript_type = "\"text\" | \"json\"")]
    pub type RulesFormatJs;
    /// The in-memory files of `cli`.
    #[wasm_bindgen(typescript_type = "Record<string, Input>")]
    pub type FilesJs;
}

/// A `DriftGuardError`: an `Error` with `.code` (and the location when known).
fn to_js(e: BindingError) -> JsValue {
    let error = js_sys::Error::new(&e.message);
    error.set_name("DriftGuardError");
    let set = |key: &str, value: JsValue| {
        // Setting a property on a fresh Error object cannot fail.
        let _ = Reflect::set(&error, &JsValue::from_str(key), &value);
    };
    set("code", JsValue::from_str(e.code));
    if let Some(location) = &e.location {
        if let Some(line) = location.line {
            set("line", JsValue::from_f64(line as f64));
        }
        if let Some(column) = location.column {
            set("column", JsValue::from_f64(column as f64));
        }
        if let Some(pointer) = &location.pointer {
            set("pointer", JsValue::from_str(pointer));
        }
    }
    error.into()
}

fn usage(message: &str) -> JsValue {
    to_js(BindingError::usage(message))
}

/// The bytes of an `Input` (`string` → UTF-8).
fn bytes(input: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = input.as_string() {
        return Ok(s.into_bytes());
    }
    if let Some(array) = input.dyn_ref::<Uint8Array>() {
        return Ok(array.to_vec());
    }
    Err(usage(&format!("{what} must be a string or a Uint8Array")))
}

/// An options object as JSON text (`undefined`/`null` → none).
fn options_json(options: &JsValue, what: &str) -> Result<Option<String>, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    if !options.is_object() || Array::is_array(options) {
        return Err(usage(&format!("{what} options must be an object")));
    }
    JSON::stringify(options)
        .map(|s| Some(String::from(s)))
        .map_err(|_| usage(&format!("{what} options cannot be serialized as JSON")))
}

fn options<T: Default + for<'de> serde::Deserialize<'de>>(
    value: Option<impl Into<JsValue>>,
    what: &str,
) -> Result<T, JsValue> {
    let json = match value {
        Some(v) => options_json(&v.into(), what)?,
        None => None,
    };
    read_options(json.as_deref(), what).map_err(to_js)
}

/// JSON text the core produced, as a JavaScript value.
fn parsed(text: &str) -> Result<JsValue, JsValue> {
    JSON::parse(text).map_err(|_| usage("internal error: the core produced invalid JSON"))
}

/// A report given as an object or as JSON text, as UTF-8 JSON bytes.
fn report_bytes(report: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = report.as_string() {
        return Ok(s.into_bytes());
    }
    if report.is_object() {
        return JSON::stringify(report)
            .map(|s| String::from(s).into_bytes())
            .map_err(|_| usage("the report cannot be serialized as JSON"));
    }
    Err(usage("report must be a Report object or its JSON text"))
}

/// The package version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::version().to_owned()
}

/// The snapshot format this build reads and writes (`driftguard.snapshot/1`).
#[wasm_bindgen(js_name = snapshotFormat)]
pub fn snapshot_format() -> String {
    crate::snapshot_format().to_owned()
}

/// Every code a `DriftGuardError` can carry: the core's, then `E_USAGE`.
#[wasm_bindgen(js_name = errorCodes, unchecked_return_type = "ErrorCode[]")]
pub fn error_codes() -> Array {
    crate::error_codes()
        .into_iter()
        .map(JsValue::from_str)
        .collect()
}

/// The canonical snapshot of a document as pretty JSON text plus a newline: exactly what
/// `driftguard snapshot FILE` prints. Throws `DriftGuardError` (`E_PARSE`, `E_INVALID`…).
#[wasm_bindgen]
pub fn snapshot(
    #[wasm_bindgen(unchecked_param_type = "Input")] input: JsValue,
    opts: Option<ParseOptionsJs>,
) -> Result<String, JsValue> {
    let input = bytes(&input, "input")?;
    let opts: ParseOptions = options(opts, "parse")?;
    crate::snapshot(&input, &opts).map_err(to_js)
}

/// The canonical snapshot of a document, as an object (see `snapshot` for the text).
#[wasm_bindgen(unchecked_return_type = "Snapshot")]
pub fn parse(
    #[wasm_bindgen(unchecked_param_type = "Input")] input: JsValue,
    opts: Option<ParseOptionsJs>,
) -> Result<JsValue, JsValue> {
    parsed(&snapshot(input, opts)?)
}

/// The `samples` snapshot inferred from observed JSON payloads, as pretty JSON text.
#[wasm_bindgen(js_name = snapshotSamples)]
pub fn snapshot_samples(
    #[wasm_bindgen(unchecked_param_type = "unknown[]")] payloads: JsValue,
) -> Result<String, JsValue> {
    if !Array::is_array(&payloads) {
        return Err(usage("payloads must be an array"));
    }
    let json = JSON::stringify(&payloads)
        .map(String::from)
        .map_err(|_| usage("payloads cannot be serialized as JSON"))?;
    crate::snapshot_samples(json.as_bytes()).map_err(to_js)
}

/// Classifies the changes from `before` to `after` (documents or snapshots) and returns the
/// report as JSON text: exactly what `driftguard diff OLD NEW --format json` prints.
#[wasm_bindgen(js_name = diffJson)]
pub fn diff_json(
    #[wasm_bindgen(unchecked_param_type = "Input")] before: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Input")] after: JsValue,
    opts: Option<DiffOptionsJs>,
) -> Result<String, JsValue> {
    let old = bytes(&before, "old")?;
    let new = bytes(&after, "new")?;
    let opts: DiffOptions = options(opts, "diff")?;
    crate::diff(&old, &new, &opts).map_err(to_js)
}

/// Classifies the changes from `before` to `after` and returns the report as an object.
#[wasm_bindgen(unchecked_return_type = "Report")]
pub fn diff(
    #[wasm_bindgen(unchecked_param_type = "Input")] before: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Input")] after: JsValue,
    opts: Option<DiffOptionsJs>,
) -> Result<JsValue, JsValue> {
    parsed(&diff_json(before, after, opts)?)
}

/// Renders a report (object or JSON text) as `text`, `json`, `markdown`, `github`,
/// `junit` or `sarif`; the output ends with exactly one newline.
#[wasm_bindgen]
pub fn render(
    #[wasm_bindgen(unchecked_param_type = "Report | string")] report: JsValue,
    #[wasm_bindgen(unchecked_param_type = "OutputFormat")] format: JsValue,
    opts: Option<RenderOptionsJs>,
) -> Result<String, JsValue> {
    let report = report_bytes(&report)?;
    let format = format
        .as_string()
        .ok_or_else(|| usage("format must be a string"))?;
    let opts: RenderOpts = options(opts, "render")?;
    crate::render(&report, &format, &opts).map_err(to_js)
}

/// The most severe change of a report, or `null` when nothing changed.
#[wasm_bindgen(js_name = maxSeverity, unchecked_return_type = "Severity | null")]
pub fn max_severity(
    #[wasm_bindgen(unchecked_param_type = "Report | string")] report: JsValue,
) -> Result<JsValue, JsValue> {
    let report = report_bytes(&report)?;
    Ok(crate::max_severity(&report)
        .map_err(to_js)?
        .map_or(JsValue::NULL, JsValue::from_str))
}

/// The rule registry as an object (`driftguard.rules/1`).
#[wasm_bindgen(unchecked_return_type = "RulesDocument")]
pub fn rules() -> Result<JsValue, JsValue> {
    parsed(&crate::rules("json").map_err(to_js)?)
}

/// The rule registry as text: `text` (the table) or `json`, as `driftguard rules` prints.
#[wasm_bindgen(js_name = rulesText)]
pub fn rules_text(format: Option<RulesFormatJs>) -> Result<String, JsValue> {
    let format = match format {
        None => "text".to_owned(),
        Some(f) => JsValue::from(f)
            .as_string()
            .ok_or_else(|| usage("format must be \"text\" or \"json\""))?,
    };
    crate::rules(&format).map_err(to_js)
}

/// Splits a text into ordinary text and runs of hidden characters (zero-width, bidi,
/// Unicode tags, controls, ANSI), with the ASCII that tag characters spell.
#[wasm_bindgen(unchecked_return_type = "Revealed")]
pub fn reveal(text: &str) -> Result<JsValue, JsValue> {
    parsed(&crate::reveal_json(text))
}

/// Runs the shared command line (`diff`, `snapshot`, `rules`, `--help`, `--version`) over
/// in-memory files (`files` maps each path named in `args` to its contents).
#[wasm_bindgen(unchecked_return_type = "CliOutcome")]
pub fn cli(
    #[wasm_bindgen(unchecked_param_type = "string[]")] args: JsValue,
    files: Option<FilesJs>,
    today: Option<String>,
) -> Result<JsValue, JsValue> {
    if !Array::is_array(&args) {
        return Err(usage("args must be an array of strings"));
    }
    let args: Vec<String> = Array::from(&args)
        .iter()
        .map(|a| a.as_string().ok_or_else(|| usage("args must be strings")))
        .collect::<Result<_, _>>()?;
    let mut contents: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    if let Some(files) = files.map(JsValue::from) {
        let object = files
            .dyn_ref::<Object>()
            .ok_or_else(|| usage("files must be an object"))?;
        for entry in Object::entries(object).iter() {
            let pair = Array::from(&entry);
            let name = pair
                .get(0)
                .as_string()
                .ok_or_else(|| usage("file names must be strings"))?;
            let data = bytes(&pair.get(1), &format!("file {name:?}"))?;
            contents.insert(name, data);
        }
    }
    let outcome = crate::run_cli(&args, &contents, today);
    let json = serde_json::to_string(&outcome)
        .map_err(|_| usage("internal error: cannot serialize the outcome"))?;
    parsed(&json)
}
