//! Grouping changes by their first path segment (the operation, tool or `server`).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::Value;

use crate::classify::{Change, Ignored, Severity};

/// The separator of human paths.
pub(crate) const PATH_SEPARATOR: &str = " › ";

/// Changes under one first path segment.
pub(crate) struct Group<'a> {
    /// The first segment of the paths, e.g. `GET /pets` or `tool sendEmail`.
    pub name: &'a str,
    /// The most severe change of the group.
    pub max: Severity,
    /// The changes, most severe first, then by path.
    pub changes: Vec<&'a Change>,
}

/// The first segment of a human path.
pub(crate) fn first_segment(path: &str) -> &str {
    path.split(PATH_SEPARATOR).next().unwrap_or(path)
}

/// Changes grouped by first path segment: the most severe group first, then by name;
/// within a group by severity (descending), then path, rule, pointer and message, so the
/// result never depends on the order of the input.
pub(crate) fn groups(changes: &[Change]) -> Vec<Group<'_>> {
    let mut by_name: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for change in changes {
        by_name
            .entry(first_segment(&change.path))
            .or_default()
            .push(change);
    }
    let mut groups: Vec<Group<'_>> = by_name
        .into_iter()
        .map(|(name, mut changes)| {
            changes.sort_by(|a, b| by_severity_then_path(a, b));
            let max = changes
                .iter()
                .map(|c| c.severity)
                .max()
                .unwrap_or(Severity::Safe);
            Group { name, max, changes }
        })
        .collect();
    groups.sort_by(|a, b| b.max.cmp(&a.max).then_with(|| a.name.cmp(b.name)));
    groups
}

/// Severity descending, then path, rule, pointer, message, before, after.
pub(crate) fn by_severity_then_path(a: &Change, b: &Change) -> Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.path.cmp(&b.path))
        .then_with(|| a.rule.cmp(&b.rule))
        .then_with(|| a.pointer.cmp(&b.pointer))
        .then_with(|| a.message.cmp(&b.message))
        .then_with(|| compact(&a.before).cmp(&compact(&b.before)))
        .then_with(|| compact(&a.after).cmp(&compact(&b.after)))
}

/// Ignored changes in the order changes are listed (then by reason).
pub(crate) fn sorted_ignored(ignored: &[Ignored]) -> Vec<&Ignored> {
    let mut sorted: Vec<&Ignored> = ignored.iter().collect();
    sorted.sort_by(|a, b| {
        by_severity_then_path(&a.change, &b.change).then_with(|| a.reason.cmp(&b.reason))
    });
    sorted
}

fn compact(value: &Option<Value>) -> String {
    value.as_ref().map(Value::to_string).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Position;

    fn change(path: &str, rule: &str, severity: Severity) -> Change {
        Change {
            after: None,
            before: None,
            message: String::new(),
            path: path.to_owned(),
            pointer: String::new(),
            position: Position::Surface,
            rule: rule.to_owned(),
            severity,
            tags: vec![],
        }
    }

    #[test]
    fn most_severe_group_first_then_by_name() {
        let changes = vec![
            change("GET /a › x", "r1", Severity::Safe),
            change("GET /b › y", "r2", Severity::Dangerous),
            change("GET /b", "r3", Severity::Safe),
            change("server › instructions", "r4", Severity::Dangerous),
            change("tool t › input › z", "r5", Severity::Breaking),
        ];
        let names: Vec<_> = groups(&changes).iter().map(|g| g.name).collect();
        assert_eq!(names, ["tool t", "GET /b", "server", "GET /a"]);
        let b = groups(&changes);
        let in_b: Vec<_> = b
            .get(1)
            .map(|g| g.changes.iter().map(|c| c.rule.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(in_b, ["r2", "r3"]);
    }

    #[test]
    fn order_does_not_depend_on_input_order() {
        let mut changes = vec![
            change("A › 2", "r", Severity::Safe),
            change("A › 1", "r", Severity::Safe),
            change("A › 3", "r", Severity::Breaking),
        ];
        let first: Vec<_> = groups(&changes)
            .iter()
            .flat_map(|g| g.changes.iter().map(|c| c.path.clone()))
            .collect();
        changes.reverse();
        let second: Vec<_> = groups(&changes)
            .iter()
            .flat_map(|g| g.changes.iter().map(|c| c.path.clone()))
            .collect();
        assert_eq!(first, ["A › 3", "A › 1", "A › 2"]);
        assert_eq!(first, second);
    }

    #[test]
    fn first_segment_of_a_path() {
        assert_eq!(first_segment("GET /pets › response 200"), "GET /pets");
        assert_eq!(first_segment("server"), "server");
        assert_eq!(first_segment(""), "");
    }
}
