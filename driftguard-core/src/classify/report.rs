//! The report: what `diff` returns and every renderer reads.

use serde::{Deserialize, Serialize};

use super::{Change, Severity};

/// The report format this build writes.
pub const REPORT_FORMAT: &str = "driftguard.report/1";

/// Counts of changes per severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Breaking changes.
    pub breaking: usize,
    /// Dangerous changes.
    pub dangerous: usize,
    /// Safe changes.
    pub safe: usize,
}

/// A change the policy ignored, with the reason given for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ignored {
    /// The change as it would have been reported.
    pub change: Change,
    /// The `reason` of the ignore entry that matched.
    pub reason: String,
}

/// Two snapshots compared.
///
/// Fields are declared in sorted order of their JSON names (canonical output).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The classified changes, in deterministic order (see `classify::diff`).
    pub changes: Vec<Change>,
    /// Report format version, [`REPORT_FORMAT`].
    pub format: String,
    /// Changes the policy ignored (not counted in `summary`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<Ignored>,
    /// Digest of the new snapshot.
    pub new: String,
    /// Digest of the old snapshot.
    pub old: String,
    /// Counts per severity of `changes`.
    pub summary: Summary,
}

impl Report {
    /// A report over the given changes, with the summary computed.
    pub fn new(old: String, new: String, changes: Vec<Change>, ignored: Vec<Ignored>) -> Report {
        let mut summary = Summary::default();
        for c in &changes {
            match c.severity {
                Severity::Breaking => summary.breaking += 1,
                Severity::Dangerous => summary.dangerous += 1,
                Severity::Safe => summary.safe += 1,
            }
        }
        Report {
            changes,
            format: REPORT_FORMAT.to_owned(),
            ignored,
            new,
            old,
            summary,
        }
    }

    /// Renders the report in one of the output formats (see [`crate::render`]).
    pub fn render(
        &self,
        format: crate::render::OutputFormat,
        options: &crate::render::RenderOptions,
    ) -> String {
        crate::render::render(self, format, options)
    }

    /// The most severe change, or `None` when nothing changed.
    pub fn max_severity(&self) -> Option<Severity> {
        self.changes.iter().map(|c| c.severity).max()
    }
}
