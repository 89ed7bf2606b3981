//! Offline security heuristics on model-visible text (interim: the full heuristics
//! land with their own commit).

/// A heuristic finding on added text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule id.
    pub rule: &'static str,
    /// One line.
    pub message: String,
    /// The added pieces that triggered it, made visible.
    pub evidence: Vec<String>,
}

/// Scans what `new` adds relative to `old`.
pub fn scan_added_text(_old: Option<&str>, _new: &str) -> Vec<Finding> {
    Vec::new()
}
