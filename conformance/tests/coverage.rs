//! The diff vectors cover the rule registry: every rule has a vector for each position
//! it has severities for, and the position mirrors the registry declares hold when a
//! vector is run backwards. Both sets are derived from the registry at run time, so a
//! new rule without vectors fails here.
//!
//! Vectors under `conformance/pending/diff/` pin the correct expectation (per RULES.md)
//! for behaviour the engine does not have yet. The vector runner does not run them; here
//! they count as coverage (the expectation exists), each pair covered only by a pending
//! vector is printed, and `pending_vectors_still_disagree` fails as soon as the engine
//! agrees with one, so it is moved to `vectors/` rather than forgotten.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stderr
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use driftguard_conformance::{
    Mode, VectorKind, check_structure, discover, read_vector_text, run_vector, slash_path,
    vectors_dir,
};
use driftguard_core::classify::policy::Policy;
use driftguard_core::classify::{Position, Profile, rules};
use driftguard_core::{Format, Options, Snapshot, snapshot_from_bytes};
use serde_json::Value;

const POSITIONS: [Position; 3] = [Position::Input, Position::Output, Position::Surface];

fn position_name(p: Position) -> &'static str {
    match p {
        Position::Input => "input",
        Position::Output => "output",
        Position::Surface => "surface",
    }
}

fn position_from(name: &str) -> Option<Position> {
    POSITIONS.into_iter().find(|p| position_name(*p) == name)
}

/// Every vector below `dir` (a `diff` folder): (name prefixed with `prefix`, vector).
fn read_all(dir: &Path, prefix: &str) -> Vec<(String, Value)> {
    if !dir.exists() {
        return Vec::new();
    }
    discover(dir)
        .unwrap()
        .into_iter()
        .map(|rel| {
            let text = std::fs::read_to_string(dir.join(&rel)).unwrap();
            (
                format!("{prefix}{}", slash_path(&rel)),
                read_vector_text(&text).unwrap(),
            )
        })
        .collect()
}

/// Every diff vector that runs: (path relative to `vectors/`, parsed vector).
fn diff_vectors() -> Vec<(String, Value)> {
    read_all(&vectors_dir().join("diff"), "diff/")
}

fn pending_dir() -> PathBuf {
    vectors_dir().parent().unwrap().join("pending").join("diff")
}

/// The vectors parked under `conformance/pending/diff/`.
fn pending_vectors() -> Vec<(String, Value)> {
    read_all(&pending_dir(), "pending/diff/")
}

/// File stems of the pending vectors.
fn pending_stems() -> BTreeSet<String> {
    pending_vectors()
        .iter()
        .filter_map(|(n, _)| {
            Path::new(n)
                .file_stem()
                .and_then(|s| s.to_str())
                .map(str::to_owned)
        })
        .collect()
}

/// The position a change counts for: its own, or `surface` when the rule has no
/// severities in its own position (the engine then takes the surface severities, e.g.
/// a prompt argument — input — judged by the surface rule `mcp-prompt-argument-*`).
fn effective_position(rule: &rules::Rule, position: Position) -> Position {
    if rule.levels(position).is_some() {
        position
    } else {
        Position::Surface
    }
}

#[test]
fn every_rule_has_a_diff_vector_for_each_position() {
    let vectors = diff_vectors();
    let pending = pending_vectors();
    let mut covered: BTreeMap<(String, &'static str), Vec<String>> = BTreeMap::new();
    let mut unknown = Vec::new();
    for (name, v) in vectors.iter().chain(&pending) {
        let Some(changes) = v["expect"]["changes"].as_array() else {
            continue;
        };
        for c in changes {
            let id = c["rule"].as_str().unwrap();
            let Some(rule) = rules::get(id) else {
                unknown.push(format!("{name}: {id}"));
                continue;
            };
            let Some(position) = c["position"].as_str().and_then(position_from) else {
                continue;
            };
            let p = effective_position(rule, position);
            covered
                .entry((id.to_owned(), position_name(p)))
                .or_default()
                .push(name.clone());
        }
    }
    assert!(
        unknown.is_empty(),
        "expected changes name rules that are not in the registry:\n  {}",
        unknown.join("\n  ")
    );
    let mut pairs = 0;
    let mut missing = Vec::new();
    for rule in rules::all() {
        for p in POSITIONS {
            if rule.levels(p).is_none() {
                continue;
            }
            pairs += 1;
            match covered.get(&(rule.id.to_owned(), position_name(p))) {
                None => missing.push(format!("({}, {})", rule.id, position_name(p))),
                Some(names) if names.iter().all(|n| n.starts_with("pending/")) => eprintln!(
                    "({}, {}) is covered only by pending vectors (engine disagrees): {}",
                    rule.id,
                    position_name(p),
                    names.join(", ")
                ),
                Some(_) => {}
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {pairs} (rule, position) pairs have no diff vector expecting that rule in that \
         position (with `position` named):\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
    assert!(
        vectors.len() + pending.len() >= pairs,
        "{} diff vectors (+ {} pending) for {pairs} (rule, position) pairs: the bar is one vector \
         per pair",
        vectors.len(),
        pending.len()
    );
}

#[test]
fn pending_vectors_still_disagree() {
    let mut agreeing = Vec::new();
    let mut malformed = Vec::new();
    for (name, v) in pending_vectors() {
        if let Err(errors) = check_structure(VectorKind::Diff, &v) {
            malformed.push(format!("{name}: {errors:?}"));
            continue;
        }
        if run_vector(VectorKind::Diff, &v, Mode::Check)
            .failures
            .is_empty()
        {
            agreeing.push(name);
        }
    }
    assert!(
        malformed.is_empty(),
        "malformed pending vectors:\n  {}",
        malformed.join("\n  ")
    );
    assert!(
        agreeing.is_empty(),
        "the engine now agrees with these pending vectors: move them from conformance/pending/ \
         to conformance/vectors/ (same relative path):\n  {}",
        agreeing.join("\n  ")
    );
}

/// Position mirrors that are not swap mirrors: `read-only-added` in input is
/// `write-only-added` in output (a property leaving a projection), but swapping old
/// and new of a `readOnly` being added gives `read-only-removed`, not `write-only-added`.
/// Only the registry's severities are checked for these.
const POSITION_ONLY_MIRRORS: &[&str] = &["read-only-added", "write-only-added"];

fn snapshot(input: &Value, format: Format) -> Snapshot {
    let options = Options {
        format,
        ..Options::default()
    };
    let bytes = match input {
        Value::Object(o) if o.contains_key("json") => serde_json::to_vec(&o["json"]).unwrap(),
        Value::Object(o) if o.contains_key("text") => {
            o["text"].as_str().unwrap().as_bytes().to_vec()
        }
        other => panic!("mirror vectors use json or text inputs, got {other}"),
    };
    snapshot_from_bytes(&bytes, &options).unwrap()
}

/// Runs a vector with old and new swapped.
fn run_reversed(v: &Value) -> (Profile, Vec<(String, Position, String)>) {
    let format = v["format"]
        .as_str()
        .and_then(Format::from_name)
        .unwrap_or(Format::Auto);
    let policy = match v.get("policy") {
        Some(p) => Policy::from_json(&p.to_string()).unwrap(),
        None => Policy::default(),
    };
    let old = snapshot(&v["new"], format);
    let new = snapshot(&v["old"], format);
    let report = driftguard_core::classify::diff(&old, &new, &policy, v["today"].as_str()).unwrap();
    let changes = report
        .changes
        .iter()
        .map(|c| (c.rule.clone(), c.position, c.severity.name().to_owned()))
        .collect();
    (policy.profile, changes)
}

#[test]
fn mirrors_hold_in_the_registry_and_when_vectors_run_backwards() {
    let vectors: BTreeMap<String, Value> = diff_vectors()
        .into_iter()
        .filter_map(|(name, v)| {
            Path::new(&name)
                .file_stem()
                .and_then(|s| s.to_str())
                .map(|s| (s.to_owned(), v))
        })
        .collect();
    let pending = pending_stems();
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in rules::all() {
        let Some(mirror_id) = rule.mirror else {
            continue;
        };
        let Some(mirror) = rules::get(mirror_id) else {
            failures.push(format!(
                "{}: mirror {mirror_id} is not in the registry",
                rule.id
            ));
            continue;
        };
        // The registry: this rule's input is the mirror's output (standard profile).
        for (mine, theirs) in [
            (Position::Input, Position::Output),
            (Position::Output, Position::Input),
        ] {
            let a = rule.levels(mine).map(|l| l.standard);
            let b = mirror.levels(theirs).map(|l| l.standard);
            if a != b {
                failures.push(format!(
                    "registry: {} {} is {a:?} but its mirror {mirror_id} {} is {b:?}",
                    rule.id,
                    position_name(mine),
                    position_name(theirs)
                ));
            }
        }
        if POSITION_ONLY_MIRRORS.contains(&rule.id) {
            continue;
        }
        // The vectors: run backwards, X in position p becomes its mirror in p.
        for (suffix, position) in [("in", Position::Input), ("out", Position::Output)] {
            let stem = format!("{}-{suffix}", rule.id);
            let mirror_stem = format!("{mirror_id}-{suffix}");
            if pending.contains(&stem) || pending.contains(&mirror_stem) {
                eprintln!("mirror {stem} ↔ {mirror_stem}: skipped, a vector is pending");
                continue;
            }
            let Some(v) = vectors.get(&stem) else {
                failures.push(format!("no vector diff/**/{stem}.json"));
                continue;
            };
            if !vectors.contains_key(&mirror_stem) {
                failures.push(format!(
                    "no vector diff/**/{mirror_stem}.json (mirror of {stem})"
                ));
            }
            checked += 1;
            let (profile, changes) = run_reversed(v);
            let expected_severity = if mirror.condition.is_some() {
                None
            } else {
                rules::severity(mirror_id, position, profile).map(|s| s.name().to_owned())
            };
            let found = changes.iter().any(|(r, p, s)| {
                r == mirror_id
                    && *p == position
                    && expected_severity.as_ref().is_none_or(|e| e == s)
            });
            if !found {
                failures.push(format!(
                    "{stem} run backwards should report {mirror_id} ({}) in {} position, got {changes:?}",
                    expected_severity.as_deref().unwrap_or("any severity"),
                    position_name(position)
                ));
            }
        }
    }
    assert!(checked > 0, "no mirror vectors were checked");
    assert!(
        failures.is_empty(),
        "{} mirror failure(s):\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// Every branch of every conditional rule has a vector: for each rule with a
/// [`rules::Condition`] and each position where the condition changes a severity, some
/// vector expects the rule there with the default severity and some with the
/// condition's, under a profile where the two differ.
#[test]
fn every_branch_of_a_conditional_rule_has_a_vector() {
    let mut seen: BTreeMap<(&'static str, &'static str), BTreeSet<bool>> = BTreeMap::new();
    for (name, v) in diff_vectors().into_iter().chain(pending_vectors()) {
        let Some(changes) = v["expect"]["changes"].as_array() else {
            continue;
        };
        if v["policy"].get("overrides").is_some() {
            continue; // overrides replace the registry's severity
        }
        let profile = v["policy"]["profile"]
            .as_str()
            .and_then(Profile::from_name)
            .unwrap_or_default();
        for c in changes {
            let Some(rule) = c["rule"].as_str().and_then(rules::get) else {
                continue;
            };
            if rule.condition.is_none() {
                continue;
            }
            let Some(position) = c["position"].as_str().and_then(position_from) else {
                continue;
            };
            let p = effective_position(rule, position);
            let (Some(default), Some(holds)) = (rule.levels(p), rule.levels_if(p, true)) else {
                continue;
            };
            let (d, h) = (default.get(profile).name(), holds.get(profile).name());
            if d == h {
                continue;
            }
            let severity = c["severity"].as_str().unwrap_or_default();
            let branch = if severity == h {
                true
            } else if severity == d {
                false
            } else {
                panic!(
                    "{name}: {} {severity} is neither branch ({d} / {h})",
                    rule.id
                );
            };
            seen.entry((rule.id, position_name(p)))
                .or_default()
                .insert(branch);
        }
    }
    let mut missing = Vec::new();
    for rule in rules::all().iter().filter(|r| r.condition.is_some()) {
        for p in POSITIONS {
            if rule.levels(p).is_some() && rule.levels_if(p, true) != rule.levels(p) {
                let branches = seen.get(&(rule.id, position_name(p)));
                for (flag, what) in [(false, "default"), (true, "condition")] {
                    if !branches.is_some_and(|b| b.contains(&flag)) {
                        missing.push(format!("{} {} ({what})", rule.id, position_name(p)));
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "conditional branches without a vector:\n  {}",
        missing.join("\n  ")
    );
}

/// Every output format has render vectors: at least two reports, one of them empty and
/// one with every severity.
#[test]
fn every_output_format_has_render_vectors() {
    let vectors = read_all(&vectors_dir().join("render"), "render/");
    let mut problems = Vec::new();
    for format in driftguard_core::render::OutputFormat::ALL {
        let mine: Vec<&Value> = vectors
            .iter()
            .map(|(_, v)| v)
            .filter(|v| v["format"] == format.name())
            .collect();
        let empty = mine
            .iter()
            .any(|v| v["report"]["changes"].as_array().is_some_and(Vec::is_empty));
        let all_severities = mine.iter().any(|v| {
            let s = &v["report"]["summary"];
            ["breaking", "dangerous", "safe"]
                .iter()
                .all(|k| s[*k].as_u64().is_some_and(|n| n > 0))
        });
        if mine.len() < 2 || !empty || !all_severities {
            problems.push(format!(
                "{}: {} vector(s), empty report: {empty}, every severity: {all_severities}",
                format.name(),
                mine.len()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
