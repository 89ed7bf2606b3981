//! `driftguard watch`: what the watcher needs from the core — the schedule
//! (`Watch::poll_delay`, `backoff`), the judgement of a new digest against the lock
//! (the same `lock::check` as `driftguard check`), and the alert payloads with their
//! receipts (`alert::{webhook, slack, email}`). The Python side does the I/O: polling,
//! the store, delivery.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use driftguard_core::alert::{self, Receipt};
use driftguard_core::config::{self, Config, EnvError, SurfaceConfig};
use driftguard_core::lock::{self, Lock, Status};
use driftguard_core::{Error, Location};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Value, json};

use crate::{PyReport, PySnapshot, check, core_error, raise_coded, to_py};

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn env_error(py: Python<'_>, e: &EnvError) -> PyErr {
    raise_coded(py, e.code(), &e.to_string(), &Location::default())
}

/// A parsed `driftguard.toml` (policy files loaded) and `driftguard.lock`, with the
/// environment its `${VAR}` templates expand from: everything the watcher asks the core.
#[pyclass(frozen, module = "driftguard._driftguard", name = "WatchConfig")]
pub(crate) struct PyWatchConfig {
    config: Config,
    lock: Lock,
    env: HashMap<String, String>,
}

impl PyWatchConfig {
    fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        |name: &str| self.env.get(name).cloned()
    }

    fn surface(&self, py: Python<'_>, name: &str) -> PyResult<&SurfaceConfig> {
        self.config.surface(name).ok_or_else(|| {
            core_error(
                py,
                &Error::Config {
                    message: format!("driftguard.toml has no surface {name:?}"),
                    location: Location::default(),
                },
            )
        })
    }
}

#[pymethods]
impl PyWatchConfig {
    /// Parses the configuration (`E_CONFIG`), loads `policies` (`{path: text}` of the
    /// policy files it names) and parses the lock (`None`: nothing approved yet).
    #[new]
    #[pyo3(signature = (config_text, lock_text, env, policies = None))]
    fn new(
        py: Python<'_>,
        config_text: &str,
        lock_text: Option<&str>,
        env: HashMap<String, String>,
        policies: Option<BTreeMap<String, String>>,
    ) -> PyResult<Self> {
        let config = crate::parse_config(py, config_text, policies)?;
        let lock = match lock_text {
            Some(t) => check(py, Lock::parse(t))?,
            None => Lock::new(),
        };
        Ok(PyWatchConfig { config, lock, env })
    }

    /// `{"store": str | None, "concurrency", "jitter", "max_backoff_ms", "retention_ms":
    /// int | None}` from `[watch]` (`retention_ms` `None`: keep history forever)
    /// (the store expanded: it may hold a password; an unset variable is `E_ENV`).
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let w = &self.config.watch;
        let store = match &w.store {
            Some(s) => Some(s.expand(&self.lookup()).map_err(|e| env_error(py, &e))?),
            None => None,
        };
        to_py(
            py,
            &json!({
                "store": store,
                "concurrency": w.concurrency,
                "jitter": w.jitter,
                "max_backoff_ms": ms(w.max_backoff),
                "retention_ms": w.retention.map(ms),
            }),
        )
    }

    /// The capture plan (`Config::capture_plan`, like `config_plan`): every surface
    /// resolved with the environment, the secrets, the policy files. Holds secrets.
    fn plan<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.config.capture_plan(&self.lookup()))
    }

    /// Every value that must never be shown (`Config::secret_values`).
    fn secrets(&self) -> Vec<String> {
        self.config.secret_values(&self.lookup())
    }

    /// `[{"name", "interval_ms", "timeout_ms", "source"}]` in configuration order
    /// (`source` described without secrets).
    fn surfaces<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let list: Vec<Value> = self
            .config
            .surfaces
            .iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "interval_ms": ms(s.interval),
                    "timeout_ms": ms(s.timeout),
                    "source": s.source.describe(),
                })
            })
            .collect();
        to_py(py, &Value::Array(list))
    }

    /// Milliseconds until the next poll of a surface polled every `interval_ms` after
    /// `failures` consecutive failures, with `unit_random` in `[0, 1)` scaling the
    /// jitter (`Watch::poll_delay`).
    fn poll_delay_ms(&self, interval_ms: u64, failures: u32, unit_random: f64) -> u64 {
        ms(self
            .config
            .watch
            .poll_delay(Duration::from_millis(interval_ms), failures, unit_random))
    }

    /// `(digest, approved_at)` of the surface's lock entry, or `None`.
    fn approved(&self, name: &str) -> Option<(String, String)> {
        self.lock
            .get(name)
            .map(|e| (e.digest().to_owned(), e.approved_at.clone()))
    }

    /// Judges a captured snapshot against the lock like `driftguard check`: `{"status":
    /// "unchanged" | "changed" | "not-approved" | "error", "approved": digest | None,
    /// "report": Report | None, "fails": bool, "error": {code, message} | None}`.
    /// `today` (`YYYY-MM-DD`) is for ignore expiry. `approved`: the approved snapshot
    /// with the texts the lock cannot hold (a package's approved artifact, for the code
    /// review), used only when its digest equals the lock entry's.
    #[pyo3(signature = (name, snapshot, today = None, approved = None))]
    fn judge<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        snapshot: PyRef<'_, PySnapshot>,
        today: Option<&str>,
        approved: Option<PyRef<'_, PySnapshot>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let surface = self.surface(py, name)?;
        let mut captured = BTreeMap::new();
        captured.insert(name.to_owned(), Ok(snapshot.inner.clone()));
        let approved: BTreeMap<String, driftguard_core::Snapshot> = approved
            .map(|a| (name.to_owned(), a.inner.clone()))
            .into_iter()
            .collect();
        let outcome =
            py.detach(|| lock::check_with(&self.config, &self.lock, &captured, &approved, today));
        let found = outcome.surfaces.into_iter().find(|s| s.name == name);
        let out = PyDict::new(py);
        out.set_item("approved", found.as_ref().and_then(|s| s.approved.clone()))?;
        out.set_item("report", py.None())?;
        out.set_item("fails", false)?;
        out.set_item("error", py.None())?;
        let status = found.map(|s| s.status).unwrap_or(Status::Skipped);
        out.set_item("status", status.name())?;
        match status {
            Status::Changed { report, fails } => {
                let fail_on = self
                    .config
                    .policy_for(surface)
                    .map(|p| p.fail_on)
                    .map_err(|e| core_error(py, &e))?;
                out.set_item(
                    "report",
                    PyReport {
                        inner: report,
                        fail_on,
                    },
                )?;
                out.set_item("fails", fails)?;
            }
            Status::Error(e) | Status::CaptureFailed(e) => {
                let err = PyDict::new(py);
                err.set_item("code", e.code)?;
                err.set_item("message", e.message)?;
                out.set_item("error", err)?;
            }
            _ => {}
        }
        Ok(out)
    }

    /// The alerts of a change: one entry per sink whose `on` the report reaches,
    /// `{"sink", "kind": "webhook" | "slack" | "email", "payload"}` with the payload
    /// rendered by the core around the receipt (webhook: `{"body", "headers": [[name,
    /// value]]}` signed with the sink's secret; slack: `{"body"}`; email: `{"subject",
    /// "text", "html"}`). Destinations and credentials are not included (see `sinks`).
    /// Times are RFC 3339 (`E_CONFIG` otherwise); an unset signing-secret variable is
    /// `E_ENV`.
    #[pyo3(signature = (name, report, first_seen, last_approved_seen = None, approved_at = None))]
    fn alerts<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        report: PyRef<'_, PyReport>,
        first_seen: &str,
        last_approved_seen: Option<&str>,
        approved_at: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let surface = self.surface(py, name)?;
        let receipt = check(
            py,
            Receipt::new(
                surface,
                report.inner.clone(),
                first_seen,
                last_approved_seen,
                approved_at,
            ),
        )?;
        let lookup = self.lookup();
        let sinks = &self.config.alerts;
        let mut out: Vec<Value> = Vec::new();
        for w in &sinks.webhooks {
            if !receipt.triggers(w.on) {
                continue;
            }
            let secret = match &w.secret {
                Some(s) => Some(s.expand(&lookup).map_err(|e| env_error(py, &e))?),
                None => None,
            };
            let req = alert::webhook(&receipt, secret.as_deref().map(str::as_bytes));
            let headers: Vec<Value> = req.headers.iter().map(|(k, v)| json!([k, v])).collect();
            out.push(json!({"sink": w.name, "kind": "webhook",
                "payload": {"body": req.body, "headers": headers}}));
        }
        for s in &sinks.slack {
            if receipt.triggers(s.on) {
                out.push(json!({"sink": s.name, "kind": "slack",
                    "payload": {"body": alert::slack(&receipt)}}));
            }
        }
        for e in &sinks.email {
            if receipt.triggers(e.on) {
                let m = alert::email(&receipt);
                out.push(json!({"sink": e.name, "kind": "email",
                    "payload": {"subject": m.subject, "text": m.text, "html": m.html}}));
            }
        }
        to_py(py, &Value::Array(out))
    }

    /// Every alert sink with its templates expanded (secret values: never print this):
    /// `{name: {"kind", ...}}` — webhook `url`, `headers` (`[[name, value]]`); slack
    /// `url`; email `host`, `port`, `from`, `to`, `starttls`, `username`, `password`. A
    /// sink whose variable is unset has `error: {code: "E_ENV", message}` instead.
    fn sinks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let lookup = self.lookup();
        let mut out = serde_json::Map::new();
        let err = |e: EnvError| json!({"error": {"code": e.code(), "message": e.to_string()}});
        let a = &self.config.alerts;
        for w in &a.webhooks {
            let v = (|| -> Result<Value, EnvError> {
                let url = w.url.expand(&lookup)?;
                let headers = w
                    .headers
                    .iter()
                    .map(|h| h.value.expand(&lookup).map(|v| json!([h.name, v])))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(json!({"kind": "webhook", "url": url, "headers": headers}))
            })()
            .unwrap_or_else(err);
            out.insert(w.name.clone(), v);
        }
        for s in &a.slack {
            let v = s
                .url
                .expand(&lookup)
                .map(|url| json!({"kind": "slack", "url": url}))
                .unwrap_or_else(err);
            out.insert(s.name.clone(), v);
        }
        for e in &a.email {
            let v = (|| -> Result<Value, EnvError> {
                let username = e.username.as_ref().map(|t| t.expand(&lookup)).transpose()?;
                let password = e.password.as_ref().map(|t| t.expand(&lookup)).transpose()?;
                Ok(
                    json!({"kind": "email", "host": e.host, "port": e.port, "from": e.from,
                    "to": e.to, "starttls": e.starttls, "username": username,
                    "password": password}),
                )
            })()
            .unwrap_or_else(err);
            out.insert(e.name.clone(), v);
        }
        to_py(py, &Value::Object(out))
    }
}

/// `base_ms × 2^attempt`, at most `max_ms` (`config::backoff`): the delay before
/// retrying an alert delivery after `attempt + 1` failures.
#[pyfunction]
pub(crate) fn backoff_ms(base_ms: u64, attempt: u32, max_ms: u64) -> u64 {
    ms(config::backoff(
        Duration::from_millis(base_ms),
        attempt,
        Duration::from_millis(max_ms),
    ))
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` under `secret` (`alert::signature`), the
/// value of the `X-DriftGuard-Signature` header.
#[pyfunction]
pub(crate) fn alert_signature(secret: &[u8], body: &[u8]) -> String {
    alert::signature(secret, body)
}

/// Parses a duration as `driftguard.toml` writes them (`"90s"`, `"500ms"`) into
/// milliseconds (`E_CONFIG` when malformed).
#[pyfunction]
pub(crate) fn duration_ms(py: Python<'_>, text: &str) -> PyResult<u64> {
    Ok(ms(check(py, config::parse_duration(text))?))
}

/// Registers this file's class and functions on the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyWatchConfig>()?;
    m.add_function(wrap_pyfunction!(backoff_ms, m)?)?;
    m.add_function(wrap_pyfunction!(alert_signature, m)?)?;
    m.add_function(wrap_pyfunction!(duration_ms, m)?)?;
    m.add("SIGNATURE_HEADER", alert::SIGNATURE_HEADER)?;
    Ok(())
}
