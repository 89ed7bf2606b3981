//! `driftguard.lock`: the approved snapshot of every surface, meant to be committed.
//!
//! The lock is JSON — pretty-printed, two-space indented, keys sorted, one final
//! newline — because the snapshots it holds are JSON documents already (TOML has no
//! `null`, which snapshots contain), every binding reads JSON without a new parser, and
//! a sorted, indented document changes only on the lines that changed.
//!
//! ```json
//! {
//!   "format": "driftguard.lock/1",
//!   "surfaces": {
//!     "petstore": {
//!       "approved_at": "2026-11-24T23:00:00Z",
//!       "digest": "sha256:…",
//!       "snapshot": { "digest": "sha256:…", "format": "driftguard.snapshot/1", … },
//!       "source": { "headers": ["Authorization"], "kind": "url", "url": "https://…" }
//!     }
//!   }
//! }
//! ```
//!
//! The `source` is [`Source::to_json`](crate::config::Source::to_json): templates
//! unexpanded, header and environment *names* only, never a value. The snapshot is
//! stored without its `source` member (capture metadata is not approval data).
//! The approval time is given by the caller (the core has no clock).

mod check;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

pub use check::{CaptureError, CheckOutcome, Status, SurfaceCheck, check, check_with};

use crate::config::SurfaceConfig;
use crate::error::{Error, Location, Result};
use crate::parse::{Limits, Syntax, parse_text};
use crate::snapshot::Snapshot;

/// The usage of the bindings' `approve` and `check` commands, one text for every
/// binding so their `--help` and usage errors print the same bytes.
pub const USAGE: &str = "\
usage: driftguard approve [SURFACE...] [--config FILE]
       driftguard check [SURFACE...] [--config FILE] [--format FORMAT]

approve: capture each surface of driftguard.toml (or only the SURFACEs named) and record
its snapshot as approved in driftguard.lock, beside the configuration (approving every
surface also drops entries of surfaces no longer configured).
check: capture each surface again and compare it with driftguard.lock under the
surface's policy; print the report.

options:
  --config FILE      the configuration (default: driftguard.toml in this directory)
  --format FORMAT    check's output: text (default), json, markdown, github

environment:
  DRIFTGUARD_NOW     an RFC 3339 time used instead of the clock (approval time; the
                     date check judges ignore expiry by)

exit codes: approve 0 ok, 2 any error; check 0 no failing drift, 1 drift that fails
the policy, 2 a surface not approved, a capture failure, or any error
";

/// The lock format this build reads and writes.
pub const LOCK_FORMAT: &str = "driftguard.lock/1";

/// The approved state of every surface.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lock {
    /// Entries by surface name (sorted).
    pub surfaces: BTreeMap<String, LockEntry>,
}

/// One approved surface.
#[derive(Clone, Debug, PartialEq)]
pub struct LockEntry {
    /// When it was approved, RFC 3339 (`2026-11-24T23:00:00Z`), as the caller gave it.
    pub approved_at: String,
    /// Where it is captured from, without secrets (see the module docs).
    pub source: Value,
    /// The approved snapshot (its `source` member removed).
    pub snapshot: Snapshot,
    /// The snapshot as written in the lock.
    value: Value,
}

impl LockEntry {
    /// The approved digest.
    pub fn digest(&self) -> &str {
        self.snapshot.digest()
    }

    fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert(
            "approved_at".into(),
            Value::String(self.approved_at.clone()),
        );
        m.insert("digest".into(), Value::String(self.digest().to_owned()));
        m.insert("snapshot".into(), self.value.clone());
        m.insert("source".into(), self.source.clone());
        Value::Object(m)
    }
}

impl Lock {
    /// An empty lock.
    pub fn new() -> Lock {
        Lock::default()
    }

    /// Reads a lock. Not JSON is `E_PARSE` (line and column); a wrong structure, an
    /// unknown member, a bad time or a `digest` that differs from the snapshot's is
    /// `E_CONFIG` with a JSON Pointer; a snapshot that does not read back keeps its
    /// own code (`E_SNAPSHOT_VERSION`, `E_INVALID` — a hand-edited snapshot whose digest
    /// no longer matches its content) with the pointer into the lock.
    pub fn parse(text: &str) -> Result<Lock> {
        let limits = Limits {
            max_depth: Limits::default().max_depth + 4,
            ..Limits::default()
        };
        let root = parse_text(text.as_bytes(), Syntax::Json, &limits).map_err(|e| match e {
            Error::Parse { message, location } => Error::Parse {
                message: format!("driftguard.lock is not valid JSON: {message}"),
                location,
            },
            other => other,
        })?;
        let obj = object(&root, "")?;
        only_keys(obj, &["format", "surfaces"], "")?;
        match obj.get("format").and_then(Value::as_str) {
            Some(LOCK_FORMAT) => {}
            found => {
                return Err(config_error(
                    format!(
                        "lock format {:?} is not supported (this build reads {LOCK_FORMAT:?})",
                        found.unwrap_or("")
                    ),
                    "/format",
                ));
            }
        }
        let mut lock = Lock::new();
        let Some(surfaces) = obj.get("surfaces") else {
            return Ok(lock);
        };
        for (name, entry) in object(surfaces, "/surfaces")? {
            let at = format!("/surfaces/{}", name.replace('~', "~0").replace('/', "~1"));
            let e = object(entry, &at)?;
            only_keys(e, &["approved_at", "digest", "snapshot", "source"], &at)?;
            let approved_at = match e.get("approved_at").and_then(Value::as_str) {
                Some(t) if is_timestamp(t) => t.to_owned(),
                _ => {
                    return Err(config_error(
                        "`approved_at` must be an RFC 3339 time such as \"2026-11-24T23:00:00Z\"",
                        &format!("{at}/approved_at"),
                    ));
                }
            };
            let source = match e.get("source") {
                Some(v @ Value::Object(_)) => v.clone(),
                _ => {
                    return Err(config_error(
                        "`source` must be an object",
                        &format!("{at}/source"),
                    ));
                }
            };
            let Some(value) = e.get("snapshot") else {
                return Err(config_error("entry has no `snapshot`", &at));
            };
            let snapshot = Snapshot::from_value(value)
                .map_err(|err| reroot(err, &format!("{at}/snapshot")))?;
            if snapshot.source.is_some() {
                return Err(config_error(
                    "a locked snapshot has no `source` member",
                    &format!("{at}/snapshot/source"),
                ));
            }
            if e.get("digest").and_then(Value::as_str) != Some(snapshot.digest()) {
                return Err(config_error(
                    format!(
                        "`digest` must equal the snapshot's digest {:?}",
                        snapshot.digest()
                    ),
                    &format!("{at}/digest"),
                ));
            }
            lock.surfaces.insert(
                name.clone(),
                LockEntry {
                    approved_at,
                    source,
                    snapshot,
                    value: value.clone(),
                },
            );
        }
        Ok(lock)
    }

    /// The lock as written to `driftguard.lock`: pretty JSON, keys sorted, one final
    /// newline. `Lock::parse(&l.to_string()) == l`, byte-identical on rewrite.
    #[allow(clippy::inherent_to_string)]
    pub fn to_string(&self) -> String {
        let mut surfaces = Map::new();
        for (name, entry) in &self.surfaces {
            surfaces.insert(name.clone(), entry.to_value());
        }
        let mut root = Map::new();
        root.insert("format".into(), Value::String(LOCK_FORMAT.to_owned()));
        root.insert("surfaces".into(), Value::Object(surfaces));
        let root = crate::alert::sorted_keys(Value::Object(root));
        let mut out = serde_json::to_string_pretty(&root).unwrap_or_default();
        out.push('\n');
        out
    }

    /// Records `snapshot` as the approved state of `surface`, at time `at` (RFC 3339,
    /// given by the caller). Replaces an earlier approval. A bad time is `E_CONFIG`.
    pub fn approve(
        &mut self,
        surface: &SurfaceConfig,
        snapshot: &Snapshot,
        at: &str,
    ) -> Result<()> {
        if !is_timestamp(at) {
            return Err(Error::Config {
                message: format!(
                    "approval time {at:?} is not an RFC 3339 time such as \"2026-11-24T23:00:00Z\""
                ),
                location: Location::default(),
            });
        }
        let snapshot = snapshot.clone().with_source(None);
        let value = snapshot.to_value()?;
        self.surfaces.insert(
            surface.name.clone(),
            LockEntry {
                approved_at: at.to_owned(),
                source: surface.source.to_json(&surface.headers),
                snapshot,
                value,
            },
        );
        Ok(())
    }

    /// The entry of a surface.
    pub fn get(&self, name: &str) -> Option<&LockEntry> {
        self.surfaces.get(name)
    }

    /// Removes the entries of surfaces the configuration no longer has; returns their
    /// names (sorted). `driftguard approve` without arguments does this.
    pub fn prune(&mut self, config: &crate::config::Config) -> Vec<String> {
        let stale: Vec<String> = self
            .surfaces
            .keys()
            .filter(|n| config.surface(n).is_none())
            .cloned()
            .collect();
        for n in &stale {
            self.surfaces.remove(n);
        }
        stale
    }

    /// Removes a surface's entry.
    pub fn remove(&mut self, name: &str) -> Option<LockEntry> {
        self.surfaces.remove(name)
    }
}

fn config_error(message: impl Into<String>, pointer: &str) -> Error {
    Error::Config {
        message: message.into(),
        location: Location::at_pointer(pointer),
    }
}

fn object<'v>(v: &'v Value, pointer: &str) -> Result<&'v Map<String, Value>> {
    v.as_object().ok_or_else(|| {
        config_error(
            if pointer.is_empty() {
                "driftguard.lock must be a JSON object".to_owned()
            } else {
                "must be a JSON object".to_owned()
            },
            pointer,
        )
    })
}

fn only_keys(obj: &Map<String, Value>, allowed: &[&str], at: &str) -> Result<()> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(k) => Err(config_error(
            format!("unknown member {k:?} (expected {})", allowed.join(", ")),
            &format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
        )),
    }
}

/// Moves an error found inside an embedded document under `prefix`.
fn reroot(e: Error, prefix: &str) -> Error {
    let fix = |mut location: Location| {
        location.pointer = Some(format!(
            "{prefix}{}",
            location.pointer.as_deref().unwrap_or("")
        ));
        location
    };
    match e {
        Error::Invalid { message, location } => Error::Invalid {
            message,
            location: fix(location),
        },
        Error::UnsupportedFormat { message, location } => Error::UnsupportedFormat {
            message,
            location: fix(location),
        },
        Error::Config { message, location } => Error::Config {
            message,
            location: fix(location),
        },
        other => other,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with plausible field ranges.
pub(crate) fn is_timestamp(t: &str) -> bool {
    let b = t.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
            .then(|| t.get(r).and_then(|s| s.parse::<u32>().ok()))
            .flatten()
    };
    let (Some(_), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    let seps = b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && matches!(b.get(10), Some(b'T' | b't'))
        && b.get(13) == Some(&b':')
        && b.get(16) == Some(&b':');
    if !seps || !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return false;
    }
    let mut rest = t.get(19..).unwrap_or("");
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = frac.get(n..).unwrap_or("");
    }
    match rest {
        "Z" | "z" => true,
        offset => {
            let o = offset.as_bytes();
            o.len() == 6
                && matches!(o.first(), Some(b'+' | b'-'))
                && o.get(3) == Some(&b':')
                && offset
                    .get(1..3)
                    .and_then(|h| h.parse::<u32>().ok())
                    .is_some_and(|h| h <= 23)
                && offset
                    .get(4..6)
                    .and_then(|m| m.parse::<u32>().ok())
                    .is_some_and(|m| m <= 59)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_timestamp;

    #[test]
    fn timestamps() {
        for ok in [
            "2026-11-24T23:00:00Z",
            "2026-11-24T23:00:00.123Z",
            "2026-11-24T23:00:00+01:00",
            "2026-11-24t23:00:00z",
        ] {
            assert!(is_timestamp(ok), "{ok}");
        }
        for bad in [
            "",
            "2026-11-24",
            "2026-11-24 23:00:00Z",
            "2026-13-24T23:00:00Z",
            "2026-11-24T24:00:00Z",
            "2026-11-24T23:00:00",
            "2026-11-24T23:00:00.Z",
            "2026-11-24T23:00:00+0100",
            "２026-11-24T23:00:00Z",
        ] {
            assert!(!is_timestamp(bad), "{bad}");
        }
    }
}
