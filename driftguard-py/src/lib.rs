//! Python bindings for DriftGuard: the private native module `driftguard._driftguard`.
//!
//! Thin by design: conversions (Python objects ⇄ JSON values) and error mapping only;
//! every behaviour — parsing, normalization, diff, classification, policy, rendering and
//! the `diff`/`snapshot`/`rules` command line — lives in `driftguard-core`. I/O (files,
//! HTTP, MCP processes) lives in the pure-Python package around this module.
//!
//! Every core error is raised as the exception class of its code, looked up in
//! `driftguard.errors` (`E_PARSE` → `ParseError`, …), carrying `.code`, `.line`,
//! `.column` and `.pointer`.
#![allow(unsafe_code)] // the PyO3 macros generate FFI glue

use driftguard_core::classify::policy::{Policy, Threshold};
use driftguard_core::classify::{self, Change, Ignored, Report, Severity, rules};
use driftguard_core::cli::{self, Host};
use driftguard_core::config::{self, Config};
use driftguard_core::lock::{self, CaptureError, Lock};
use driftguard_core::parse::{Syntax, parse_text};
use driftguard_core::render::{OutputFormat, RenderOptions};
use driftguard_core::{
    Error, Format, Limits, Location, Options, Snapshot, snapshot_from_bytes, snapshot_from_samples,
    snapshot_from_value,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

mod watch;

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// The typed Python exception for a core error, built by `driftguard.errors._from_core`.
fn core_error(py: Python<'_>, e: &Error) -> PyErr {
    let location = e.location().cloned().unwrap_or_default();
    raise_coded(py, e.code(), &e.to_string(), &location)
}

/// A typed exception for `code` (a core code), with a message and location.
fn raise_coded(py: Python<'_>, code: &str, message: &str, location: &Location) -> PyErr {
    let built = py
        .import("driftguard.errors")
        .and_then(|m| m.getattr("_from_core"))
        .and_then(|f| {
            f.call1((
                code,
                message,
                location.line,
                location.column,
                location.pointer.clone(),
            ))
        });
    match built {
        Ok(exception) => PyErr::from_value(exception),
        Err(err) => err,
    }
}

/// Shorthand: maps a core result into a Python one.
fn check<T>(py: Python<'_>, r: Result<T, Error>) -> PyResult<T> {
    r.map_err(|e| core_error(py, &e))
}

// ---------------------------------------------------------------------------------------
// Python objects → JSON values
// ---------------------------------------------------------------------------------------

/// Why a Python object could not become a JSON value, and where (a JSON Pointer built
/// while unwinding).
struct Unconvertible {
    too_deep: bool,
    message: String,
    pointer: Vec<String>,
}

impl Unconvertible {
    fn invalid(message: String) -> Self {
        Unconvertible {
            too_deep: false,
            message,
            pointer: Vec::new(),
        }
    }

    fn at(mut self, segment: String) -> Self {
        self.pointer.push(segment);
        self
    }

    fn into_error(self, max_depth: usize) -> Error {
        if self.too_deep {
            // The pointer of a cyclic value would be 257 segments long: say where it
            // started only.
            let start: String = self
                .pointer
                .iter()
                .rev()
                .take(8)
                .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
                .collect();
            return Error::TooDeep {
                limit: max_depth,
                location: Location::at_pointer(start),
            };
        }
        let pointer: String = self
            .pointer
            .iter()
            .rev()
            .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
            .collect();
        Error::invalid(self.message, &pointer)
    }
}

/// Converts `obj` (dict, list, tuple, str, int, float, bool, None) into a JSON value.
/// Integral floats become integers, as the core's parsers do; NaN and infinities, non-str
/// keys and other types are `E_INVALID`; nesting past `max_depth` (a cyclic dict, say) is
/// `E_TOO_DEEP`.
fn to_value(
    obj: &Bound<'_, PyAny>,
    depth: usize,
    max_depth: usize,
) -> Result<Value, Unconvertible> {
    if depth > max_depth {
        return Err(Unconvertible {
            too_deep: true,
            message: String::new(),
            pointer: Vec::new(),
        });
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s.to_str().map_err(|_| {
            Unconvertible::invalid("string is not valid Unicode (lone surrogate)".into())
        })?;
        return Ok(Value::String(text.to_owned()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(n) = i.extract::<i64>() {
            return Ok(Value::Number(n.into()));
        }
        if let Ok(n) = i.extract::<u64>() {
            return Ok(Value::Number(n.into()));
        }
        // Larger integers read as the nearest double, as the JSON parser reads them.
        let f: f64 = i
            .extract()
            .map_err(|_| Unconvertible::invalid("integer too large for JSON".into()))?;
        return float_value(f);
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return float_value(f.value());
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = match k.cast::<PyString>() {
                Ok(s) => s
                    .to_str()
                    .map_err(|_| Unconvertible::invalid("key is not valid Unicode".into()))?
                    .to_owned(),
                Err(_) => {
                    let type_name = type_name(&k);
                    return Err(Unconvertible::invalid(format!(
                        "object keys must be strings, found a key of type {type_name}"
                    )));
                }
            };
            let value = to_value(&v, depth + 1, max_depth).map_err(|e| e.at(key.clone()))?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return sequence(l.iter(), depth, max_depth);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return sequence(t.iter(), depth, max_depth);
    }
    Err(Unconvertible::invalid(format!(
        "a value of type {} is not JSON (use dict, list, tuple, str, int, float, bool or None)",
        type_name(obj)
    )))
}

fn sequence<'py>(
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    depth: usize,
    max_depth: usize,
) -> Result<Value, Unconvertible> {
    let mut out = Vec::new();
    for (i, item) in items.enumerate() {
        out.push(to_value(&item, depth + 1, max_depth).map_err(|e| e.at(i.to_string()))?);
    }
    Ok(Value::Array(out))
}

fn float_value(f: f64) -> Result<Value, Unconvertible> {
    match Number::from_f64(f) {
        Some(n) => Ok(driftguard_core::normalize::canonical_value(&Value::Number(
            n,
        ))),
        None => Err(Unconvertible::invalid(format!(
            "{f} is not a JSON number (NaN and infinities have no JSON form)"
        ))),
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// Converts a Python object, raising the core's typed error.
fn value_of(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let max_depth = Limits::default().max_depth;
    to_value(obj, 0, max_depth).map_err(|e| core_error(py, &e.into_error(max_depth)))
}

// ---------------------------------------------------------------------------------------
// JSON values → Python objects
// ---------------------------------------------------------------------------------------

fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for item in a {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(m) => {
            let dict = PyDict::new(py);
            for (k, item) in m {
                dict.set_item(k, to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

fn opt_to_py<'py>(py: Python<'py>, v: Option<&Value>) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Some(v) => to_py(py, v),
        None => Ok(py.None().into_bound(py)),
    }
}

// ---------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------

fn input_format(name: Option<&str>) -> PyResult<Format> {
    match name {
        None => Ok(Format::Auto),
        Some(n) => Format::from_name(n).ok_or_else(|| {
            PyValueError::new_err(format!(
                "unknown format {n:?} (auto, openapi, swagger, json-schema, mcp, samples, snapshot)"
            ))
        }),
    }
}

fn output_format(name: &str) -> PyResult<OutputFormat> {
    OutputFormat::from_name(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown output format {name:?} (text, json, markdown, github, junit, sarif)"
        ))
    })
}

fn threshold(name: &str) -> PyResult<Threshold> {
    Threshold::from_name(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown threshold {name:?} (breaking, dangerous, safe, never)"
        ))
    })
}

fn options(
    py: Python<'_>,
    format: Option<&str>,
    source: Option<&Bound<'_, PyAny>>,
) -> PyResult<Options> {
    let source = match source {
        Some(s) if !s.is_none() => Some(value_of(py, s)?),
        _ => None,
    };
    Ok(Options {
        format: input_format(format)?,
        source,
        ..Options::default()
    })
}

// ---------------------------------------------------------------------------------------
// Snapshot
// ---------------------------------------------------------------------------------------

/// A canonical snapshot of a contract (see `conformance/SNAPSHOT.md`).
#[pyclass(frozen, module = "driftguard._driftguard", name = "Snapshot")]
struct PySnapshot {
    inner: Snapshot,
}

#[pymethods]
impl PySnapshot {
    /// `openapi`, `json-schema`, `mcp` or `samples`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind().name()
    }

    /// `sha256:<hex>` of the canonical bytes: equal digests mean no change.
    #[getter]
    fn digest(&self) -> &str {
        self.inner.digest()
    }

    /// The snapshot format version, `driftguard.snapshot/1`.
    #[getter]
    fn format(&self) -> &'static str {
        driftguard_core::SNAPSHOT_FORMAT
    }

    /// Descriptive facts (title, version, spec version…), part of the digest.
    #[getter]
    fn meta<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let dict = PyDict::new(py);
        for (k, v) in &self.inner.meta {
            dict.set_item(k, to_py(py, v)?)?;
        }
        Ok(dict.into_any())
    }

    /// Where and when it was captured (not part of the digest), or None.
    #[getter]
    fn source<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_to_py(py, self.inner.source.as_ref())
    }

    /// The same snapshot with another `source` (the digest does not change).
    #[pyo3(signature = (source))]
    fn with_source(&self, py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<PySnapshot> {
        let source = if source.is_none() {
            None
        } else {
            Some(value_of(py, source)?)
        };
        Ok(PySnapshot {
            inner: self.inner.clone().with_source(source),
        })
    }

    /// The whole snapshot as JSON: compact, or indented by two spaces with a final
    /// newline (the bytes `driftguard snapshot` prints, when `source` is None).
    #[pyo3(signature = (*, pretty = false))]
    fn to_json(&self, py: Python<'_>, pretty: bool) -> PyResult<String> {
        let r = if pretty {
            self.inner.to_json_pretty()
        } else {
            self.inner.to_json()
        };
        check(py, r)
    }

    /// The whole snapshot as Python objects.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = check(py, self.inner.to_value())?;
        to_py(py, &v)
    }

    /// The canonical bytes the digest is computed over (compact JSON without `digest`
    /// and `source`).
    fn canonical_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = check(py, self.inner.canonical_bytes())?;
        Ok(PyBytes::new(py, &bytes))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PySnapshot>()
            .is_ok_and(|o| o.get().inner.digest() == self.inner.digest())
    }

    fn __hash__(&self) -> u64 {
        let d = self.inner.digest().as_bytes();
        d.iter()
            .skip(7)
            .take(16)
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(*b)))
    }

    fn __repr__(&self) -> String {
        format!(
            "Snapshot(kind={:?}, digest={:?})",
            self.inner.kind().name(),
            self.inner.digest()
        )
    }
}

/// Parses JSON or YAML bytes (a contract, a capture document or a snapshot).
#[pyfunction]
#[pyo3(signature = (data, format = None, source = None))]
fn load_bytes(
    py: Python<'_>,
    data: &[u8],
    format: Option<&str>,
    source: Option<&Bound<'_, PyAny>>,
) -> PyResult<PySnapshot> {
    let options = options(py, format, source)?;
    let r = py.detach(|| snapshot_from_bytes(data, &options));
    Ok(PySnapshot {
        inner: check(py, r)?,
    })
}

/// Normalizes an already-parsed document given as Python objects.
#[pyfunction]
#[pyo3(signature = (document, format = None, source = None))]
fn load_value(
    py: Python<'_>,
    document: &Bound<'_, PyAny>,
    format: Option<&str>,
    source: Option<&Bound<'_, PyAny>>,
) -> PyResult<PySnapshot> {
    let options = options(py, format, source)?;
    let value = value_of(py, document)?;
    let r = py.detach(|| {
        if options.format == Format::Samples {
            snapshot_from_samples(std::slice::from_ref(&value), &options)
        } else {
            snapshot_from_value(&value, &options)
        }
    });
    Ok(PySnapshot {
        inner: check(py, r)?,
    })
}

/// Infers a `samples` snapshot from several JSON payloads: each one Python objects, or
/// `bytes` of a response body (parsed by the core, duplicate keys and all).
#[pyfunction]
#[pyo3(signature = (payloads, source = None))]
fn load_samples(
    py: Python<'_>,
    payloads: &Bound<'_, PyAny>,
    source: Option<&Bound<'_, PyAny>>,
) -> PyResult<PySnapshot> {
    let options = options(py, Some("samples"), source)?;
    let items: Vec<Bound<'_, PyAny>> = if let Ok(l) = payloads.cast::<PyList>() {
        l.iter().collect()
    } else if let Ok(t) = payloads.cast::<PyTuple>() {
        t.iter().collect()
    } else {
        return Err(core_error(
            py,
            &Error::invalid("samples must be a list of payloads", ""),
        ));
    };
    let mut values = Vec::with_capacity(items.len());
    for item in &items {
        let value = match item.cast::<PyBytes>() {
            Ok(b) => check(py, parse_text(b.as_bytes(), Syntax::Auto, &options.limits))?,
            Err(_) => value_of(py, item)?,
        };
        values.push(value);
    }
    let r = py.detach(|| snapshot_from_samples(&values, &options));
    Ok(PySnapshot {
        inner: check(py, r)?,
    })
}

// ---------------------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------------------

/// A policy: profile, severity overrides, ignores, failure threshold.
#[pyclass(frozen, module = "driftguard._driftguard", name = "Policy")]
struct PyPolicy {
    inner: Policy,
}

#[pymethods]
impl PyPolicy {
    /// The default policy, optionally with another failure threshold.
    #[new]
    #[pyo3(signature = (*, fail_on = None))]
    fn new(fail_on: Option<&str>) -> PyResult<Self> {
        let mut inner = Policy::default();
        if let Some(t) = fail_on {
            inner.fail_on = threshold(t)?;
        }
        Ok(PyPolicy { inner })
    }

    /// Parses a policy in TOML.
    #[staticmethod]
    fn from_toml(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyPolicy {
            inner: check(py, Policy::from_toml(text))?,
        })
    }

    /// Parses a policy in JSON (the same shape as the TOML document).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyPolicy {
            inner: check(py, Policy::from_json(text))?,
        })
    }

    /// Reads a policy given as Python objects (the same shape as the TOML document).
    #[staticmethod]
    fn from_dict(py: Python<'_>, document: &Bound<'_, PyAny>) -> PyResult<Self> {
        let value = value_of(py, document)?;
        let text = serde_json::to_string(&value)
            .map_err(|e| core_error(py, &Error::invalid(e.to_string(), "")))?;
        Self::from_json(py, &text)
    }

    /// The same policy with another failure threshold.
    fn with_fail_on(&self, fail_on: &str) -> PyResult<Self> {
        let mut inner = self.inner.clone();
        inner.fail_on = threshold(fail_on)?;
        Ok(PyPolicy { inner })
    }

    /// `breaking`, `dangerous`, `safe` or `never`.
    #[getter]
    fn fail_on(&self) -> &'static str {
        self.inner.fail_on.name()
    }

    /// `strict`, `standard` or `lenient`.
    #[getter]
    fn profile(&self) -> &'static str {
        self.inner.profile.name()
    }

    fn __repr__(&self) -> String {
        format!(
            "Policy(profile={:?}, fail_on={:?})",
            self.inner.profile.name(),
            self.inner.fail_on.name()
        )
    }
}

// ---------------------------------------------------------------------------------------
// Changes and reports
// ---------------------------------------------------------------------------------------

/// One classified change.
#[pyclass(frozen, module = "driftguard._driftguard", name = "Change")]
struct PyChange {
    inner: Change,
}

#[pymethods]
impl PyChange {
    /// The rule id (stable kebab-case), e.g. `property-removed`.
    #[getter]
    fn rule(&self) -> &str {
        &self.inner.rule
    }
    /// `breaking`, `dangerous` or `safe` (after policy).
    #[getter]
    fn severity(&self) -> &'static str {
        self.inner.severity.name()
    }
    /// RFC 6901 pointer into the new snapshot (the old one for removals).
    #[getter]
    fn pointer(&self) -> &str {
        &self.inner.pointer
    }
    /// Human path, e.g. `POST /orders › request body › qty`.
    #[getter]
    fn path(&self) -> &str {
        &self.inner.path
    }
    /// One line saying what changed and why it matters.
    #[getter]
    fn message(&self) -> &str {
        &self.inner.message
    }
    /// `input`, `output` or `surface`.
    #[getter]
    fn position(&self) -> &'static str {
        match self.inner.position {
            classify::Position::Input => "input",
            classify::Position::Output => "output",
            classify::Position::Surface => "surface",
        }
    }
    /// The value before (None when something was added).
    #[getter]
    fn before<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_to_py(py, self.inner.before.as_ref())
    }
    /// The value after (None when something was removed).
    #[getter]
    fn after<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_to_py(py, self.inner.after.as_ref())
    }
    /// Tags such as `security`.
    #[getter]
    fn tags(&self) -> Vec<String> {
        self.inner.tags.clone()
    }
    /// The change as its JSON object (members absent when empty, as in reports).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = serde_json::to_value(&self.inner)
            .map_err(|e| core_error(py, &Error::invalid(e.to_string(), "")))?;
        to_py(py, &v)
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyChange>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }
    fn __repr__(&self) -> String {
        format!(
            "Change(rule={:?}, severity={:?}, pointer={:?})",
            self.inner.rule,
            self.inner.severity.name(),
            self.inner.pointer
        )
    }
}

/// A change the policy ignored, with the reason the ignore entry gave.
#[pyclass(frozen, module = "driftguard._driftguard", name = "IgnoredChange")]
struct PyIgnored {
    inner: Ignored,
}

#[pymethods]
impl PyIgnored {
    /// The change as it would have been reported.
    #[getter]
    fn change(&self) -> PyChange {
        PyChange {
            inner: self.inner.change.clone(),
        }
    }
    /// The `reason` of the ignore entry that matched.
    #[getter]
    fn reason(&self) -> &str {
        &self.inner.reason
    }
    fn __repr__(&self) -> String {
        format!(
            "IgnoredChange(rule={:?}, reason={:?})",
            self.inner.change.rule, self.inner.reason
        )
    }
}

/// Two snapshots compared: the classified changes, in deterministic order.
#[pyclass(frozen, module = "driftguard._driftguard", name = "Report")]
struct PyReport {
    inner: Report,
    fail_on: Threshold,
}

#[pymethods]
impl PyReport {
    /// Reads a report document (`driftguard.report/1`) given as Python objects.
    #[staticmethod]
    #[pyo3(signature = (document, *, fail_on = "breaking"))]
    fn from_dict(py: Python<'_>, document: &Bound<'_, PyAny>, fail_on: &str) -> PyResult<Self> {
        let value = value_of(py, document)?;
        let inner: Report = serde_json::from_value(value).map_err(|e| {
            core_error(
                py,
                &Error::invalid(format!("not a report document: {e}"), ""),
            )
        })?;
        Ok(PyReport {
            inner,
            fail_on: threshold(fail_on)?,
        })
    }

    /// Reads a report document from JSON text.
    #[staticmethod]
    #[pyo3(signature = (text, *, fail_on = "breaking"))]
    fn from_json(py: Python<'_>, text: &str, fail_on: &str) -> PyResult<Self> {
        let inner: Report = serde_json::from_str(text).map_err(|e| {
            core_error(
                py,
                &Error::invalid(format!("not a report document: {e}"), ""),
            )
        })?;
        Ok(PyReport {
            inner,
            fail_on: threshold(fail_on)?,
        })
    }

    /// The classified changes, in report order.
    #[getter]
    fn changes(&self) -> Vec<PyChange> {
        self.inner
            .changes
            .iter()
            .map(|c| PyChange { inner: c.clone() })
            .collect()
    }

    /// Changes the policy ignored (not counted in `summary`).
    #[getter]
    fn ignored(&self) -> Vec<PyIgnored> {
        self.inner
            .ignored
            .iter()
            .map(|i| PyIgnored { inner: i.clone() })
            .collect()
    }

    /// Counts per severity: `{"breaking": n, "dangerous": n, "safe": n}`.
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("breaking", self.inner.summary.breaking)?;
        d.set_item("dangerous", self.inner.summary.dangerous)?;
        d.set_item("safe", self.inner.summary.safe)?;
        Ok(d)
    }

    /// The most severe change (`breaking`, `dangerous`, `safe`), None when nothing changed.
    #[getter]
    fn max_severity(&self) -> Option<&'static str> {
        self.inner.max_severity().map(Severity::name)
    }

    /// The policy's threshold this report is judged against.
    #[getter]
    fn fail_on(&self) -> &'static str {
        self.fail_on.name()
    }

    /// True when a change is at or above the threshold (what exit code 1 means).
    #[getter]
    fn failed(&self) -> bool {
        match (self.fail_on.min_severity(), self.inner.max_severity()) {
            (Some(t), Some(m)) => m >= t,
            _ => false,
        }
    }

    /// Digest of the old snapshot.
    #[getter(old)]
    fn old_digest(&self) -> &str {
        &self.inner.old
    }

    /// Digest of the new snapshot.
    #[getter(new)]
    fn new_digest(&self) -> &str {
        &self.inner.new
    }

    /// Renders the report: `text`, `json`, `markdown`, `github`, `junit` or `sarif`.
    #[pyo3(signature = (format = "text", *, color = false, file = None, fail_on = None, tool_version = None))]
    fn render(
        &self,
        py: Python<'_>,
        format: &str,
        color: bool,
        file: Option<String>,
        fail_on: Option<&str>,
        tool_version: Option<String>,
    ) -> PyResult<String> {
        let format = output_format(format)?;
        let fail_on = match fail_on {
            Some(t) => threshold(t)?,
            None => self.fail_on,
        };
        let options = RenderOptions {
            color,
            file,
            fail_on: fail_on.min_severity(),
            tool_version: tool_version.unwrap_or_else(|| cli::VERSION.to_owned()),
        };
        let report = &self.inner;
        Ok(py.detach(|| report.render(format, &options)))
    }

    /// The report document as Python objects.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = serde_json::to_value(&self.inner)
            .map_err(|e| core_error(py, &Error::invalid(e.to_string(), "")))?;
        to_py(py, &v)
    }

    fn __len__(&self) -> usize {
        self.inner.changes.len()
    }

    fn __repr__(&self) -> String {
        let s = &self.inner.summary;
        format!(
            "Report(breaking={}, dangerous={}, safe={}, ignored={})",
            s.breaking,
            s.dangerous,
            s.safe,
            self.inner.ignored.len()
        )
    }
}

/// Classifies the changes from `old` to `new` under `policy` (default policy when None);
/// `today` (`YYYY-MM-DD`) decides sunsets and ignore expiry.
#[pyfunction]
#[pyo3(signature = (old, new, policy = None, today = None))]
fn diff(
    py: Python<'_>,
    old: &Bound<'_, PySnapshot>,
    new: &Bound<'_, PySnapshot>,
    policy: Option<&Bound<'_, PyPolicy>>,
    today: Option<&str>,
) -> PyResult<PyReport> {
    let default = Policy::default();
    let policy = policy.map_or(&default, |p| &p.get().inner);
    let (old, new) = (&old.get().inner, &new.get().inner);
    let r = py.detach(|| classify::diff(old, new, policy, today));
    Ok(PyReport {
        inner: check(py, r)?,
        fail_on: policy.fail_on,
    })
}

/// The rule registry: one dict per rule, in registry order.
#[pyfunction]
fn rules_list<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
    let v = rules::to_json();
    to_py(py, v.get("rules").unwrap_or(&Value::Null))
}

/// Every error code of the core, in the core's stable order.
#[pyfunction]
fn error_codes() -> Vec<&'static str> {
    Error::CODES.to_vec()
}

/// Builds a core error of `code` and raises it the way every core error is raised (for
/// tests of the exhaustive mapping).
#[pyfunction]
fn raise_core_error(py: Python<'_>, code: &str) -> PyResult<()> {
    let location = Location::at_pointer("/x");
    let e = match code {
        "E_PARSE" => Error::Parse {
            message: "test".into(),
            location,
        },
        "E_ENCODING" => Error::Encoding { offset: 0 },
        "E_TOO_DEEP" => Error::TooDeep { limit: 1, location },
        "E_TOO_LARGE" => Error::TooLarge {
            what: "test".into(),
            limit: 1,
            location,
        },
        "E_REF_UNRESOLVED" => Error::RefUnresolved {
            reference: "#/x".into(),
            location,
        },
        "E_REF_EXTERNAL" => Error::RefExternal {
            reference: "x.json".into(),
            location,
        },
        "E_REF_CYCLE" => Error::RefCycle {
            chain: "#/x -> #/x".into(),
            location,
        },
        "E_UNSUPPORTED_FORMAT" => Error::unsupported("test", "/x"),
        "E_INVALID" => Error::invalid("test", "/x"),
        "E_SNAPSHOT_VERSION" => Error::SnapshotVersion {
            found: "x".into(),
            supported: driftguard_core::SNAPSHOT_FORMAT.into(),
        },
        "E_CONFIG" => Error::Config {
            message: "test".into(),
            location,
        },
        other => return Err(PyValueError::new_err(format!("not a core code: {other:?}"))),
    };
    Err(core_error(py, &e))
}

// ---------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------

/// A [`Host`] implemented by a Python object with `read(path) -> bytes` and
/// `today() -> str | None`. An exception from `read` becomes the one-line message
/// `str(exception)`.
struct PyHost<'py> {
    host: Bound<'py, PyAny>,
}

impl Host for PyHost<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        match self.host.call_method1("read", (path,)) {
            Ok(obj) => match obj.cast::<PyBytes>() {
                Ok(b) => Ok(b.as_bytes().to_vec()),
                Err(_) => Err(format!("cannot read {path}: the host returned no bytes")),
            },
            Err(e) => Err(e.value(self.host.py()).to_string()),
        }
    }

    fn today(&self) -> Option<String> {
        self.host
            .call_method0("today")
            .and_then(|d| d.extract::<Option<String>>())
            .ok()
            .flatten()
    }
}

/// Runs the core's command line (`diff`, `snapshot`, `rules`, `--help`, `--version`)
/// with `host` for file access and the date; returns `(stdout, stderr, exit code)`.
#[pyfunction]
fn cli_run(args: Vec<String>, host: Bound<'_, PyAny>) -> (String, String, u8) {
    let outcome = cli::run(&args, &PyHost { host });
    (outcome.out, outcome.err, outcome.code)
}

// ---------------------------------------------------------------------------------------
// driftguard.toml and driftguard.lock (`approve`, `check`)
// ---------------------------------------------------------------------------------------

/// Parses `driftguard.toml` text and loads the policy files given as `{path: text}`.
fn parse_config(
    py: Python<'_>,
    text: &str,
    policies: Option<std::collections::BTreeMap<String, String>>,
) -> PyResult<Config> {
    let mut config = check(py, Config::parse(text))?;
    for (path, body) in policies.unwrap_or_default() {
        check(py, config.load_policy_file(&path, &body))?;
    }
    Ok(config)
}

/// The capture plan of a configuration (`Config::capture_plan`): parses `text`
/// (`E_CONFIG` on any problem) and resolves each surface with `env`; a surface whose
/// variable is unset carries `error: {code: "E_ENV", message}`.
#[pyfunction]
fn config_plan<'py>(
    py: Python<'py>,
    text: &str,
    env: std::collections::HashMap<String, String>,
) -> PyResult<Bound<'py, PyAny>> {
    let config = check(py, Config::parse(text))?;
    let plan = config.capture_plan(&|name: &str| env.get(name).cloned());
    to_py(py, &plan)
}

/// `driftguard approve`: records each captured snapshot (`{name: Snapshot}`) in the lock
/// (`lock_text`, or a new lock when `None`) at time `now` (RFC 3339); with `prune`,
/// entries of surfaces no longer configured are dropped. Returns `(lock text, pruned
/// names)`. A name the configuration lacks is `E_CONFIG`.
#[pyfunction]
#[pyo3(signature = (config_text, lock_text, snapshots, now, prune = false))]
fn lock_approve(
    py: Python<'_>,
    config_text: &str,
    lock_text: Option<&str>,
    snapshots: std::collections::BTreeMap<String, PyRef<'_, PySnapshot>>,
    now: &str,
    prune: bool,
) -> PyResult<(String, Vec<String>)> {
    let config = check(py, Config::parse(config_text))?;
    let mut lock = match lock_text {
        Some(t) => check(py, Lock::parse(t))?,
        None => Lock::new(),
    };
    for (name, snap) in &snapshots {
        let Some(surface) = config.surface(name) else {
            return Err(core_error(
                py,
                &Error::Config {
                    message: format!("driftguard.toml has no surface {name:?}"),
                    location: Location::default(),
                },
            ));
        };
        check(py, lock.approve(surface, &snap.inner, now))?;
    }
    let pruned = if prune {
        lock.prune(&config)
    } else {
        Vec::new()
    };
    Ok((lock.to_string(), pruned))
}

/// `driftguard check`: compares `captures` (`{name: Snapshot | (code, message)}`) with
/// the lock under each surface's policy (`policies`: `{path: text}` of the policy files
/// the configuration names) and renders the outcome in `format` (`text`, `json`,
/// `markdown`, `github`). `approved` (`{name: Snapshot}`) supplies approved snapshots
/// that carry file texts (a package's approved artifact) for the code review; one whose
/// digest differs from the lock's is ignored. Returns `(output, exit code)`.
#[pyfunction]
#[pyo3(signature = (config_text, lock_text, captures, today = None, format = "text", policies = None, approved = None))]
#[allow(clippy::too_many_arguments)]
fn lock_check(
    py: Python<'_>,
    config_text: &str,
    lock_text: Option<&str>,
    captures: &Bound<'_, PyDict>,
    today: Option<&str>,
    format: &str,
    policies: Option<std::collections::BTreeMap<String, String>>,
    approved: Option<std::collections::BTreeMap<String, PyRef<'_, PySnapshot>>>,
) -> PyResult<(String, i32)> {
    let config = parse_config(py, config_text, policies)?;
    let lock = match lock_text {
        Some(t) => check(py, Lock::parse(t))?,
        None => Lock::new(),
    };
    let format = output_format(format)?;
    let mut captured = std::collections::BTreeMap::new();
    for (k, v) in captures.iter() {
        let name: String = k.extract()?;
        let r = if let Ok(snap) = v.cast::<PySnapshot>() {
            Ok(snap.get().inner.clone())
        } else {
            let (code, message): (String, String) = v.extract()?;
            Err(CaptureError { code, message })
        };
        captured.insert(name, r);
    }
    let approved: std::collections::BTreeMap<String, driftguard_core::Snapshot> = approved
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.inner.clone()))
        .collect();
    let outcome = py.detach(|| lock::check_with(&config, &lock, &captured, &approved, today));
    let text = check(py, outcome.render(format))?;
    Ok((text, outcome.exit_code))
}

/// Replaces every secret value in `text` with `[redacted]` (longest first).
#[pyfunction]
fn redact(text: &str, secrets: Vec<String>) -> String {
    config::redact(text, &secrets)
}

/// The native module.
#[pymodule]
fn _driftguard(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", cli::VERSION)?;
    m.add("SNAPSHOT_FORMAT", driftguard_core::SNAPSHOT_FORMAT)?;
    m.add("CLI_USAGE", cli::USAGE)?;
    m.add("CAPTURE_USAGE", driftguard_core::capture::USAGE)?;
    m.add("LOCK_USAGE", lock::USAGE)?;
    m.add_class::<PySnapshot>()?;
    m.add_class::<PyPolicy>()?;
    m.add_class::<PyChange>()?;
    m.add_class::<PyIgnored>()?;
    m.add_class::<PyReport>()?;
    m.add_function(wrap_pyfunction!(load_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(load_value, m)?)?;
    m.add_function(wrap_pyfunction!(load_samples, m)?)?;
    m.add_function(wrap_pyfunction!(diff, m)?)?;
    m.add_function(wrap_pyfunction!(rules_list, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(raise_core_error, m)?)?;
    m.add_function(wrap_pyfunction!(cli_run, m)?)?;
    m.add_function(wrap_pyfunction!(config_plan, m)?)?;
    m.add_function(wrap_pyfunction!(lock_approve, m)?)?;
    m.add_function(wrap_pyfunction!(lock_check, m)?)?;
    m.add_function(wrap_pyfunction!(redact, m)?)?;
    watch::register(m)?;
    Ok(())
}
