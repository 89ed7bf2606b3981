//! `driftguard check`: captured snapshots against the lock, under each surface's policy.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::Lock;
use crate::classify::diff::diff;
use crate::classify::{Report, Severity};
use crate::config::{Config, SurfaceConfig};
use crate::error::{Error, Location, Result};
use crate::render::{OutputFormat, RenderOptions, render};
use crate::snapshot::Snapshot;

/// The check output format version (JSON rendering).
pub const CHECK_FORMAT: &str = "driftguard.check/1";

/// A capture that failed in the binding: any code (`E_FETCH`, `E_TIMEOUT`, `E_MCP`,
/// `E_ENV`, or a core code such as `E_PARSE`) and a message already free of secrets
/// (the binding runs it through [`redact`](crate::config::redact)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureError {
    /// The stable error code.
    pub code: String,
    /// The message.
    pub message: String,
}

impl From<Error> for CaptureError {
    fn from(e: Error) -> Self {
        CaptureError {
            code: e.code().to_owned(),
            message: e.to_string(),
        }
    }
}

/// What check found for one surface.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// The captured digest equals the approved one (nothing was diffed).
    Unchanged {
        /// The digest.
        digest: String,
    },
    /// The digests differ; the report classifies the drift under the surface's policy.
    Changed {
        /// The classified changes (old = approved, new = captured).
        report: Report,
        /// True when the report fails the surface's policy (`fail_on`).
        fails: bool,
    },
    /// The lock has no entry for the surface (run `driftguard approve NAME`).
    NotApproved {
        /// The digest that was captured.
        digest: String,
    },
    /// The capture failed.
    CaptureFailed(CaptureError),
    /// The comparison could not be made (policy file not loaded, kinds differ…).
    Error(CaptureError),
    /// No capture was given for the surface (checking a subset).
    Skipped,
}

impl Status {
    /// `unchanged`, `changed`, `not-approved`, `capture-failed`, `error` or `skipped`.
    pub fn name(&self) -> &'static str {
        match self {
            Status::Unchanged { .. } => "unchanged",
            Status::Changed { .. } => "changed",
            Status::NotApproved { .. } => "not-approved",
            Status::CaptureFailed(_) => "capture-failed",
            Status::Error(_) => "error",
            Status::Skipped => "skipped",
        }
    }

    /// The exit code this status alone would give: 2 for errors and missing
    /// approvals, 1 for a failing report, 0 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Status::NotApproved { .. } | Status::CaptureFailed(_) | Status::Error(_) => 2,
            Status::Changed { fails: true, .. } => 1,
            _ => 0,
        }
    }
}

/// One surface's result.
#[derive(Clone, Debug, PartialEq)]
pub struct SurfaceCheck {
    /// The surface name.
    pub name: String,
    /// [`Source::describe`](crate::config::Source::describe) of its source.
    pub source: String,
    /// The approved digest, if the lock has one.
    pub approved: Option<String>,
    /// What was found.
    pub status: Status,
    /// The policy's failure threshold (for rendering).
    fail_on: Option<Severity>,
}

/// The result of [`check`].
#[derive(Clone, Debug, PartialEq)]
pub struct CheckOutcome {
    /// One entry per configured surface, in configuration order.
    pub surfaces: Vec<SurfaceCheck>,
    /// Lock entries whose surface is no longer configured (sorted). Reported, not fatal.
    pub stale: Vec<String>,
    /// Captures given for names the configuration does not have (sorted): exit 2.
    pub unknown: Vec<String>,
    /// 2 if any surface is not approved, failed to capture, could not be compared, or
    /// an unknown name was given; else 1 if any report fails its policy; else 0.
    pub exit_code: i32,
}

/// Compares each captured snapshot with its approved one.
///
/// For each configured surface, in order: no capture given → [`Status::Skipped`]; a
/// failed capture → [`Status::CaptureFailed`]; no lock entry → [`Status::NotApproved`];
/// an equal digest → [`Status::Unchanged`] without diffing; otherwise the approved
/// snapshot is diffed against the captured one under the surface's policy (its own,
/// else the default) with `today` (`YYYY-MM-DD`, for ignore expiry and sunsets).
pub fn check(
    config: &Config,
    lock: &Lock,
    captured: &BTreeMap<String, std::result::Result<Snapshot, CaptureError>>,
    today: Option<&str>,
) -> CheckOutcome {
    check_with(config, lock, captured, &BTreeMap::new(), today)
}

/// [`check`], with approved snapshots that carry what the lock cannot: a `package`
/// snapshot's file texts (re-read by the binding from the approved artifact, see
/// [`attach_texts`](crate::normalize::package::attach_texts)), so the code review
/// of `package-code-suspicious` runs on both sides. An `approved` snapshot is used
/// only when its digest equals the lock entry's; otherwise the lock's own snapshot is
/// (and changed code files are `package-code-not-reviewed`, never silently safe).
pub fn check_with(
    config: &Config,
    lock: &Lock,
    captured: &BTreeMap<String, std::result::Result<Snapshot, CaptureError>>,
    approved: &BTreeMap<String, Snapshot>,
    today: Option<&str>,
) -> CheckOutcome {
    let surfaces: Vec<SurfaceCheck> = config
        .surfaces
        .iter()
        .map(|s| {
            let approved = approved.get(&s.name);
            check_one(config, lock, s, captured.get(&s.name), approved, today)
        })
        .collect();
    let stale: Vec<String> = lock
        .surfaces
        .keys()
        .filter(|n| config.surface(n).is_none())
        .cloned()
        .collect();
    let unknown: Vec<String> = captured
        .keys()
        .filter(|n| config.surface(n).is_none())
        .cloned()
        .collect();
    let worst = surfaces
        .iter()
        .map(|s| s.status.exit_code())
        .max()
        .unwrap_or(0);
    let exit_code = if unknown.is_empty() { worst } else { 2 };
    CheckOutcome {
        surfaces,
        stale,
        unknown,
        exit_code,
    }
}

fn check_one(
    config: &Config,
    lock: &Lock,
    surface: &SurfaceConfig,
    captured: Option<&std::result::Result<Snapshot, CaptureError>>,
    approved: Option<&Snapshot>,
    today: Option<&str>,
) -> SurfaceCheck {
    let entry = lock.get(&surface.name);
    let policy = config.policy_for(surface);
    let mut out = SurfaceCheck {
        name: surface.name.clone(),
        source: surface.source.describe(),
        approved: entry.map(|e| e.digest().to_owned()),
        status: Status::Skipped,
        fail_on: policy.as_ref().ok().and_then(|p| p.fail_on.min_severity()),
    };
    out.status = match (captured, entry) {
        (None, _) => Status::Skipped,
        (Some(Err(e)), _) => Status::CaptureFailed(e.clone()),
        (Some(Ok(snap)), None) => Status::NotApproved {
            digest: snap.digest().to_owned(),
        },
        (Some(Ok(snap)), Some(entry)) if snap.digest() == entry.digest() => Status::Unchanged {
            digest: snap.digest().to_owned(),
        },
        (Some(Ok(snap)), Some(entry)) => match policy {
            Err(e) => Status::Error(e.into()),
            Ok(policy) => match diff(
                approved
                    .filter(|a| a.digest() == entry.digest())
                    .unwrap_or(&entry.snapshot),
                snap,
                policy,
                today,
            ) {
                Ok(report) => Status::Changed {
                    fails: policy.fails(report.max_severity()),
                    report,
                },
                Err(e) => Status::Error(e.into()),
            },
        },
    };
    out
}

impl CheckOutcome {
    /// Renders the outcome: `text` (a line per surface, each changed surface's report
    /// indented under it, then a summary line), `markdown` (a section per surface with
    /// the core's Markdown report), `json` (`driftguard.check/1`, embedding each
    /// report) or `github` (each changed surface's annotations, `file=` set to the
    /// surface name). `junit` and `sarif` hold one report per document: `E_CONFIG`.
    pub fn render(&self, format: OutputFormat) -> Result<String> {
        match format {
            OutputFormat::Text => Ok(self.text()),
            OutputFormat::Json => Ok(self.json()),
            OutputFormat::Markdown => Ok(self.markdown()),
            OutputFormat::Github => Ok(self.github()),
            OutputFormat::Junit | OutputFormat::Sarif => Err(Error::Config {
                message: format!(
                    "check renders text, json, markdown or github, not {}",
                    format.name()
                ),
                location: Location::default(),
            }),
        }
    }

    fn options(s: &SurfaceCheck) -> RenderOptions {
        RenderOptions {
            file: Some(s.name.clone()),
            fail_on: s.fail_on,
            ..RenderOptions::default()
        }
    }

    /// One line per status count: `2 unchanged, 1 changed (1 failing), 1 not approved`.
    pub fn summary_line(&self) -> String {
        let count = |name: &str| {
            self.surfaces
                .iter()
                .filter(|s| s.status.name() == name)
                .count()
        };
        let failing = self
            .surfaces
            .iter()
            .filter(|s| matches!(s.status, Status::Changed { fails: true, .. }))
            .count();
        let mut parts = Vec::new();
        for (name, label) in [
            ("unchanged", "unchanged"),
            ("changed", "changed"),
            ("not-approved", "not approved"),
            ("capture-failed", "capture failed"),
            ("error", "error"),
            ("skipped", "skipped"),
        ] {
            let n = count(name);
            if n > 0 {
                if name == "changed" {
                    parts.push(format!("{n} {label} ({failing} failing)"));
                } else {
                    parts.push(format!("{n} {label}"));
                }
            }
        }
        if parts.is_empty() {
            parts.push("no surfaces".to_owned());
        }
        format!("{} — exit {}", parts.join(", "), self.exit_code)
    }

    fn headline(s: &SurfaceCheck) -> String {
        match &s.status {
            Status::Unchanged { digest } => format!("unchanged ({})", short(digest)),
            Status::Changed { report, fails } => format!(
                "changed {} → {}: {}{}",
                short(&report.old),
                short(&report.new),
                crate::render::summary_line(report),
                if *fails { " — FAILS" } else { "" }
            ),
            Status::NotApproved { digest } => format!(
                "not approved (captured {}); run `driftguard approve {}`",
                short(digest),
                s.name
            ),
            Status::CaptureFailed(e) => format!("capture failed: error[{}]: {}", e.code, e.message),
            Status::Error(e) => format!("error[{}]: {}", e.code, e.message),
            Status::Skipped => "skipped (not captured)".to_owned(),
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for s in &self.surfaces {
            let _ = writeln!(out, "{}: {}", s.name, Self::headline(s));
            if let Status::Changed { report, .. } = &s.status
                && !report.changes.is_empty()
            {
                let body = render(report, OutputFormat::Text, &Self::options(s));
                // The report's own first line repeats the summary.
                for line in body.lines().skip(2) {
                    if line.is_empty() {
                        out.push('\n');
                    } else {
                        let _ = writeln!(out, "    {line}");
                    }
                }
                out.push('\n');
            }
        }
        self.trailer(&mut out, "");
        out
    }

    fn trailer(&self, out: &mut String, bullet: &str) {
        if !self.stale.is_empty() {
            let _ = writeln!(
                out,
                "{bullet}stale lock entries (no longer configured): {}",
                self.stale.join(", ")
            );
        }
        if !self.unknown.is_empty() {
            let _ = writeln!(
                out,
                "{bullet}captures for unknown surfaces: {}",
                self.unknown.join(", ")
            );
        }
        let _ = writeln!(out, "{bullet}{}", self.summary_line());
    }

    fn markdown(&self) -> String {
        let mut out = String::from("# DriftGuard check\n\n");
        for s in &self.surfaces {
            let _ = writeln!(
                out,
                "## {}\n\n{}\n",
                crate::alert::escape_markdown(&s.name),
                crate::alert::escape_markdown(&Self::headline(s))
            );
            if let Status::Changed { report, .. } = &s.status
                && !report.changes.is_empty()
            {
                let body = render(report, OutputFormat::Markdown, &Self::options(s));
                // Demote the report's headings under the surface's.
                for line in body.lines() {
                    if line.starts_with('#') {
                        let _ = writeln!(out, "#{line}");
                    } else {
                        let _ = writeln!(out, "{line}");
                    }
                }
                out.push('\n');
            }
        }
        self.trailer(&mut out, "");
        out
    }

    fn github(&self) -> String {
        let mut out = String::new();
        for s in &self.surfaces {
            match &s.status {
                Status::Changed { report, .. } => {
                    out.push_str(&render(report, OutputFormat::Github, &Self::options(s)));
                }
                Status::NotApproved { .. } | Status::CaptureFailed(_) | Status::Error(_) => {
                    let _ = writeln!(
                        out,
                        "::error title=DriftGuard {}::{}",
                        github_escape(&s.name),
                        github_escape(&Self::headline(s))
                    );
                }
                Status::Unchanged { .. } | Status::Skipped => {}
            }
        }
        let _ = writeln!(
            out,
            "::notice title=DriftGuard::{}",
            github_escape(&self.summary_line())
        );
        out
    }

    /// The JSON document (`driftguard.check/1`), pretty, keys sorted, final newline.
    fn json(&self) -> String {
        let surfaces: Vec<Value> = self
            .surfaces
            .iter()
            .map(|s| {
                let mut m = Map::new();
                m.insert("approved".into(), json!(s.approved));
                match &s.status {
                    Status::Unchanged { digest } | Status::NotApproved { digest } => {
                        m.insert("captured".into(), json!(digest));
                    }
                    Status::Changed { report, fails } => {
                        m.insert("captured".into(), json!(report.new));
                        m.insert("fails".into(), json!(fails));
                        m.insert(
                            "report".into(),
                            serde_json::to_value(report).unwrap_or(Value::Null),
                        );
                    }
                    Status::CaptureFailed(e) | Status::Error(e) => {
                        m.insert(
                            "error".into(),
                            json!({ "code": e.code, "message": e.message }),
                        );
                    }
                    Status::Skipped => {}
                }
                m.insert("name".into(), json!(s.name));
                m.insert("source".into(), json!(s.source));
                m.insert("status".into(), json!(s.status.name()));
                Value::Object(sorted(m))
            })
            .collect();
        let doc = json!({
            "exit_code": self.exit_code,
            "format": CHECK_FORMAT,
            "stale": self.stale,
            "surfaces": surfaces,
            "unknown": self.unknown,
        });
        let mut out =
            serde_json::to_string_pretty(&crate::alert::sorted_keys(doc)).unwrap_or_default();
        out.push('\n');
        out
    }
}

/// Rebuilds a map with its keys in sorted order (whatever serde_json's map keeps).
fn sorted(m: Map<String, Value>) -> Map<String, Value> {
    let b: BTreeMap<String, Value> = m.into_iter().collect();
    b.into_iter().collect()
}

/// `sha256:0123456789ab` — the first 12 hex digits.
fn short(digest: &str) -> String {
    digest.chars().take(19).collect()
}

/// Escapes a GitHub workflow command's message.
fn github_escape(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}
