//! Two documents → two snapshots → `diff` under a fuzzed policy → every renderer.
//! Must never panic; the report must be deterministic and every renderer must accept it.
//!
//! Input layout: byte 0 picks the profile and the schema position, the rest is split at
//! the first NUL byte into OLD and NEW (or in half when there is none), so the fuzzer can
//! mutate either side. Seeds: pairs of related contracts (`fuzz/seed-corpus.sh`).
#![no_main]

use driftguard_core::classify::Profile;
use driftguard_core::classify::diff;
use driftguard_core::classify::policy::{Policy, SchemaPosition};
use driftguard_core::render::{OutputFormat, RenderOptions, render};
use driftguard_core::{Options, snapshot_from_bytes};
use libfuzzer_sys::fuzz_target;

const POLICY: &str = r#"
[overrides]
"enum-value-added" = "safe"
mcp-server-version-changed = "breaking"

[[ignore]]
rule = "operation-removed"
location = "DELETE /**"
reason = "fuzz"

[[ignore]]
rule = "mcp-tool-parameter-added"
location = "tool * › **"
reason = "fuzz"
expires = "2026-01-01"
"#;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (old, new) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => rest.split_at(rest.len() / 2),
    };
    let options = Options::default();
    let (Ok(a), Ok(b)) = (
        snapshot_from_bytes(old, &options),
        snapshot_from_bytes(new, &options),
    ) else {
        return;
    };
    // Bit 0x40: a policy with overrides and glob ignores (exercises matching).
    let base = if selector & 0x40 != 0 {
        Policy::from_toml(POLICY).expect("the fixed policy parses")
    } else {
        Policy::default()
    };
    let policy = Policy {
        profile: [Profile::Strict, Profile::Standard, Profile::Lenient][usize::from(selector % 3)],
        schema_position: [
            SchemaPosition::Input,
            SchemaPosition::Output,
            SchemaPosition::Both,
        ][usize::from((selector / 3) % 3)],
        ..base
    };
    let today = (selector & 0x80 != 0).then_some("2026-11-24");
    let Ok(report) = diff(&a, &b, &policy, today) else {
        return;
    };
    let again = diff(&a, &b, &policy, today).expect("same inputs, same result");
    assert_eq!(report, again, "non-deterministic report");
    // Comparing a snapshot with itself finds nothing.
    let same = diff(&a, &a, &policy, today).expect("a snapshot compares with itself");
    assert!(
        same.changes.is_empty(),
        "self-diff reported {} changes",
        same.changes.len()
    );
    for format in OutputFormat::ALL {
        let text = render(&report, format, &RenderOptions::default());
        assert!(
            !text.is_empty() || report.changes.is_empty(),
            "{format:?} rendered nothing"
        );
    }
});
