//! Properties of the `package` kind: the line diff is a shortest edit script, the code
//! review never panics on any text, capture documents normalize the same whatever their
//! order, `diff(a, a)` is empty, and swapping old and new swaps added and removed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use driftguard_core::classify::diff;
use driftguard_core::classify::heuristics::code::{line_diff, scan_added_code};
use driftguard_core::classify::policy::Policy;
use driftguard_core::normalize::package::sha256_hex;
use driftguard_core::{Format, Options, Snapshot, snapshot_from_bytes, snapshot_from_value};
use proptest::prelude::*;
use serde_json::{Value, json};

fn lcs(a: &[String], b: &[String]) -> usize {
    let mut t = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            t[i][j] = if a[i] == b[j] {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    t[0][0]
}

fn lines() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(prop::sample::select(vec!["a", "b", "c", "d", ""]), 0..24)
        .prop_map(|v| v.into_iter().map(str::to_owned).collect())
}

fn options() -> Options {
    Options {
        format: Format::Package,
        ..Options::default()
    }
}

fn file(path: &str, text: &str) -> Value {
    json!({"path": path, "sha256": sha256_hex(text.as_bytes()), "size": text.len(), "text": text})
}

/// A capture with the given files (path → text), manifest dependencies and version.
fn capture(files: &[(String, String)], deps: &[(String, String)], version: &str) -> Value {
    let files: Vec<Value> = files.iter().map(|(p, t)| file(p, t)).collect();
    let deps: serde_json::Map<String, Value> =
        deps.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    json!({"ecosystem": "npm", "name": "p", "version": version,
           "manifest": {"dependencies": deps}, "files": files})
}

fn snap(v: &Value) -> Snapshot {
    snapshot_from_value(v, &options()).unwrap()
}

fn files_strategy() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_map("[a-d]{1,3}\\.(js|md)", "[ -~\n]{0,40}", 0..6)
        .prop_map(|m| m.into_iter().collect())
}

fn deps_strategy() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_map("[a-e]{1,3}", "\\^[0-9]", 0..5)
        .prop_map(|m| m.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn line_diff_is_a_shortest_edit_script(a in lines(), b in lines()) {
        let (old, new) = (a.join("\n"), b.join("\n"));
        let d = line_diff(&old, &new);
        // `str::lines` drops one trailing empty line; compare with what it sees.
        let a: Vec<String> = old.lines().map(str::to_owned).collect();
        let b: Vec<String> = new.lines().map(str::to_owned).collect();
        let common = lcs(&a, &b);
        prop_assert!(d.exact);
        prop_assert_eq!(d.added.len(), b.len() - common);
        prop_assert_eq!(d.removed, a.len() - common);
        let back = line_diff(&new, &old);
        prop_assert_eq!(back.added.len(), d.removed);
        prop_assert!(d.added.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn the_code_review_never_panics(old in "\\PC{0,200}", new in "\\PC{0,200}") {
        let d = line_diff(&old, &new);
        let found = scan_added_code(&[old.as_str()], &new, &d.added);
        for line in found {
            prop_assert!(line.line >= 1 && !line.findings.is_empty());
        }
        // Nothing the old text already has is new.
        let same = scan_added_code(&[new.as_str()], &new, &(0..new.lines().count()).collect::<Vec<_>>());
        prop_assert!(same.is_empty(), "{:?}", same);
    }

    #[test]
    fn capture_order_does_not_change_the_digest(files in files_strategy(), deps in deps_strategy()) {
        let a = capture(&files, &deps, "1.0.0");
        let mut rev_files = files.clone();
        rev_files.reverse();
        let mut rev_deps = deps.clone();
        rev_deps.reverse();
        let b = capture(&rev_files, &rev_deps, "1.0.0");
        let (sa, sb) = (snap(&a), snap(&b));
        prop_assert_eq!(sa.digest(), sb.digest());
        // And the canonical snapshot reads back to the same digest.
        let text = sa.to_json_pretty().unwrap();
        let back = snapshot_from_bytes(text.as_bytes(), &Options::default()).unwrap();
        prop_assert_eq!(back.digest(), sa.digest());
        let report = diff(&sa, &sb, &Policy::default(), None).unwrap();
        prop_assert!(report.changes.is_empty());
    }

    #[test]
    fn swapping_old_and_new_swaps_added_and_removed(
        old_files in files_strategy(), new_files in files_strategy(),
        old_deps in deps_strategy(), new_deps in deps_strategy(),
    ) {
        let a = snap(&capture(&old_files, &old_deps, "1.0.0"));
        let b = snap(&capture(&new_files, &new_deps, "1.0.0"));
        let fwd = diff(&a, &b, &Policy::default(), None).unwrap().changes;
        let bwd = diff(&b, &a, &Policy::default(), None).unwrap().changes;
        let swap = |r: &str| -> String {
            if let Some(x) = r.strip_suffix("-added") {
                format!("{x}-removed")
            } else if let Some(x) = r.strip_suffix("-removed") {
                format!("{x}-added")
            } else {
                r.to_owned()
            }
        };
        let structural = |cs: &[driftguard_core::classify::Change]| -> Vec<(String, String)> {
            let mut v: Vec<(String, String)> = cs
                .iter()
                .filter(|c| !c.rule.starts_with("package-code-"))
                .map(|c| (c.rule.clone(), c.pointer.clone()))
                .collect();
            v.sort();
            v
        };
        let mut mirrored: Vec<(String, String)> =
            structural(&fwd).into_iter().map(|(r, p)| (swap(&r), p)).collect();
        mirrored.sort();
        prop_assert_eq!(mirrored, structural(&bwd));
    }

    #[test]
    fn arbitrary_documents_are_a_snapshot_or_a_coded_error(
        doc in prop::collection::btree_map("[a-z]{1,10}", any::<i32>().prop_map(Value::from), 0..6),
        files in prop::collection::vec("[ -~]{0,12}", 0..4),
    ) {
        let mut v: serde_json::Map<String, Value> = doc.into_iter().collect();
        v.insert("ecosystem".into(), json!("npm"));
        v.insert(
            "files".into(),
            Value::Array(files.iter().map(|p| json!({"path": p, "sha256": "0".repeat(64), "size": 0})).collect()),
        );
        match snapshot_from_value(&Value::Object(v), &options()) {
            Ok(s) => prop_assert!(s.digest().starts_with("sha256:")),
            Err(e) => prop_assert!(driftguard_core::Error::CODES.contains(&e.code())),
        }
    }
}
