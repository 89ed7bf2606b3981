//! `driftguard.lock` and `check`: exact lock bytes, round trip, the digest
//! short-circuit, exit codes 0/1/2, rendered outcomes, hostile lock files, secrets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;

use driftguard_core::Snapshot;
use driftguard_core::lock::{CaptureError, Lock, Status, check};
use driftguard_core::render::OutputFormat;
use serde_json::json;

use common::{assert_no_secret, config, contract, golden};

const T_APPROVE: &str = "2026-11-20T09:00:00Z";

/// The lock the tests start from: petstore v1, postmark 1.0.15, and the rest.
fn approved_lock() -> Lock {
    let c = config();
    let v1 = contract("petstore-v1.yaml");
    let pm = contract("postmark-mcp-1.0.15.json");
    let mut lock = Lock::new();
    // A capture's `source` (here with a secret header the binding should never have
    // put there) is not approval data: it is dropped.
    let with_source = v1.clone().with_source(Some(json!({
        "url": "http://127.0.0.1:8080/openapi.yaml",
        "headers": {"Authorization": "Bearer tok-SECRET-petstore-1234"}
    })));
    lock.approve(c.surface("petstore").unwrap(), &with_source, T_APPROVE)
        .unwrap();
    lock.approve(
        c.surface("postmark").unwrap(),
        &pm,
        "2026-11-20T09:05:00+01:00",
    )
    .unwrap();
    for name in ["petstore-lenient", "orders", "policy-from-file"] {
        lock.approve(c.surface(name).unwrap(), &v1, T_APPROVE)
            .unwrap();
    }
    lock
}

fn captured(
    items: &[(&str, Result<Snapshot, CaptureError>)],
) -> BTreeMap<String, Result<Snapshot, CaptureError>> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[test]
fn lock_bytes_are_golden_and_round_trip() {
    let lock = approved_lock();
    let text = lock.to_string();
    golden("check.lock.json", &text);
    assert_no_secret("the lock", &text);
    let again = Lock::parse(&text).unwrap();
    assert_eq!(again, lock);
    assert_eq!(again.to_string(), text);
    let pet = lock.get("petstore").unwrap();
    assert_eq!(pet.digest(), contract("petstore-v1.yaml").digest());
    assert_eq!(pet.snapshot.source, None);
    assert_eq!(
        pet.source,
        json!({"headers": ["Authorization", "X-Api-Key"], "kind": "url", "url": "http://127.0.0.1:8080/openapi.yaml"})
    );
    assert_eq!(
        lock.get("postmark").unwrap().source,
        json!({"command": ["npx", "-y", "postmark-mcp@1.0.16"], "env": ["POSTMARK_SERVER_TOKEN"], "kind": "mcp_stdio"})
    );
    // Order of approval does not matter: the lock is sorted by surface name.
    let c = config();
    let mut reversed = Lock::new();
    for name in ["policy-from-file", "orders", "petstore-lenient"] {
        reversed
            .approve(
                c.surface(name).unwrap(),
                &contract("petstore-v1.yaml"),
                T_APPROVE,
            )
            .unwrap();
    }
    reversed
        .approve(
            c.surface("postmark").unwrap(),
            &contract("postmark-mcp-1.0.15.json"),
            "2026-11-20T09:05:00+01:00",
        )
        .unwrap();
    reversed
        .approve(
            c.surface("petstore").unwrap(),
            &contract("petstore-v1.yaml"),
            T_APPROVE,
        )
        .unwrap();
    assert_eq!(reversed.to_string(), text);
}

#[test]
fn approve_rejects_a_bad_time() {
    let c = config();
    let mut lock = Lock::new();
    let e = lock
        .approve(
            c.surface("petstore").unwrap(),
            &contract("petstore-v1.yaml"),
            "yesterday",
        )
        .unwrap_err();
    assert_eq!(e.code(), "E_CONFIG");
    assert_eq!(
        e.to_string(),
        "approval time \"yesterday\" is not an RFC 3339 time such as \"2026-11-20T09:00:00Z\" at unknown location"
            .replace("2026-11-20T09:00:00Z", "2026-11-24T23:00:00Z")
    );
    assert!(lock.surfaces.is_empty());
}

#[test]
fn check_every_status_and_render_it() {
    let c = config();
    let lock = approved_lock();
    let outcome = check(
        &c,
        &lock,
        &captured(&[
            ("petstore", Ok(contract("petstore-v2.yaml"))),
            ("postmark", Ok(contract("postmark-mcp-1.0.16-poisoned.json"))),
            ("petstore-lenient", Ok(contract("petstore-v2.yaml"))),
            (
                "orders",
                Err(CaptureError {
                    code: "E_FETCH".into(),
                    message: "GET https://orders.example.com/openapi.json?key=[redacted]: HTTP 503 Service Unavailable".into(),
                }),
            ),
            ("newcomer", Ok(contract("petstore-v1.yaml"))),
            // Unchanged digest: never diffed, so the unloaded policy file is never needed.
            ("policy-from-file", Ok(contract("petstore-v1.yaml"))),
        ]),
        Some("2026-11-24"),
    );
    let statuses: Vec<&str> = outcome.surfaces.iter().map(|s| s.status.name()).collect();
    assert_eq!(
        statuses,
        [
            "changed",
            "changed",
            "changed",
            "capture-failed",
            "not-approved",
            "unchanged"
        ]
    );
    let Status::Changed { report, fails } = &outcome.surfaces[1].status else {
        panic!()
    };
    assert!(*fails);
    let rules: Vec<(&str, &str)> = report
        .changes
        .iter()
        .map(|c| (c.rule.as_str(), c.severity.name()))
        .collect();
    assert_eq!(
        rules,
        [
            ("mcp-server-version-changed", "dangerous"),
            ("mcp-description-exfiltration-target", "breaking"),
            ("mcp-description-grew", "dangerous"),
            ("mcp-description-hidden-characters", "breaking"),
            ("mcp-description-injection", "breaking"),
            ("mcp-tool-description-changed", "dangerous"),
            ("mcp-tool-parameter-added", "dangerous"),
        ]
    );
    // The lenient surface never fails, whatever changed.
    assert!(matches!(
        outcome.surfaces[2].status,
        Status::Changed { fails: false, .. }
    ));
    assert_eq!(outcome.exit_code, 2);
    assert!(outcome.stale.is_empty() && outcome.unknown.is_empty());
    for (format, file) in [
        (OutputFormat::Text, "check.out.txt"),
        (OutputFormat::Json, "check.out.json"),
        (OutputFormat::Markdown, "check.out.md"),
        (OutputFormat::Github, "check.out.github"),
    ] {
        let out = outcome.render(format).unwrap();
        assert_no_secret(file, &out);
        golden(file, &out);
        assert_eq!(out, outcome.render(format).unwrap());
    }
    let json: serde_json::Value =
        serde_json::from_str(&outcome.render(OutputFormat::Json).unwrap()).unwrap();
    assert_eq!(json["exit_code"], 2);
    assert_eq!(json["surfaces"][0]["fails"], true);
    for f in [OutputFormat::Junit, OutputFormat::Sarif] {
        assert_eq!(outcome.render(f).unwrap_err().code(), "E_CONFIG");
    }
}

#[test]
fn exit_codes() {
    let c = config();
    let lock = approved_lock();
    let v1 = || Ok(contract("petstore-v1.yaml"));
    let v2 = || Ok(contract("petstore-v2.yaml"));
    let run = |items: &[(&str, Result<Snapshot, CaptureError>)]| {
        check(&c, &lock, &captured(items), Some("2026-11-24"))
    };
    // Nothing changed → 0 (the others are skipped: a subset may be checked).
    let o = run(&[("petstore", v1()), ("orders", v1())]);
    assert_eq!(o.exit_code, 0);
    assert_eq!(o.summary_line(), "2 unchanged, 4 skipped — exit 0");
    // Changed but under the threshold (lenient, fail_on never) → 0.
    assert_eq!(run(&[("petstore-lenient", v2())]).exit_code, 0);
    // Breaking drift under the default policy → 1.
    let o = run(&[("petstore", v2()), ("petstore-lenient", v2())]);
    assert_eq!(o.exit_code, 1);
    assert_eq!(
        o.summary_line(),
        "2 changed (1 failing), 4 skipped — exit 1"
    );
    // A changed surface whose policy file was never loaded → 2, with the reason.
    let o = run(&[("policy-from-file", v2())]);
    assert_eq!(o.exit_code, 2);
    let Status::Error(e) = &o.surfaces[5].status else {
        panic!()
    };
    assert_eq!(e.code, "E_CONFIG");
    assert!(
        e.message.contains("policies/unloaded.toml"),
        "{}",
        e.message
    );
    // Loading it makes the same check pass or fail by that policy.
    let mut loaded = c.clone();
    loaded
        .load_policy_file("policies/unloaded.toml", "fail_on = \"never\"\n")
        .unwrap();
    assert_eq!(
        check(
            &loaded,
            &lock,
            &captured(&[("policy-from-file", v2())]),
            None
        )
        .exit_code,
        0
    );
    // Comparing different kinds of contract → 2.
    let o = run(&[("petstore", Ok(contract("postmark-mcp-1.0.15.json")))]);
    assert_eq!(o.exit_code, 2);
    let Status::Error(e) = &o.surfaces[0].status else {
        panic!()
    };
    assert_eq!(e.code, "E_UNSUPPORTED_FORMAT");
    // A capture for a surface the configuration does not have → 2.
    let o = run(&[("ghost", v1())]);
    assert_eq!(
        (o.exit_code, o.unknown.clone()),
        (2, vec!["ghost".to_owned()])
    );
    // A lock entry no longer configured is reported as stale, not fatal.
    let mut extra = lock.clone();
    extra
        .surfaces
        .insert("retired".into(), lock.get("orders").unwrap().clone());
    let o = check(&c, &extra, &captured(&[("petstore", v1())]), None);
    assert_eq!(
        (o.exit_code, o.stale.clone()),
        (0, vec!["retired".to_owned()])
    );
    assert!(
        o.render(OutputFormat::Text)
            .unwrap()
            .contains("stale lock entries (no longer configured): retired\n")
    );
    assert_eq!(extra.prune(&c), ["retired"]);
    assert_eq!(extra, lock);
}

#[test]
fn hostile_lock_files() {
    let good = approved_lock().to_string();
    let cases: Vec<(String, &str, &str)> = vec![
        ("{\"format\": ".into(), "E_PARSE", ""),
        ("[]".into(), "E_CONFIG", ""),
        (
            "{\"format\": \"driftguard.lock/9\"}".into(),
            "E_CONFIG",
            "/format",
        ),
        (
            "{\"format\": \"driftguard.lock/1\", \"extra\": 1}".into(),
            "E_CONFIG",
            "/extra",
        ),
        (
            "{\"format\": \"driftguard.lock/1\", \"surfaces\": {\"a\": 1}}".into(),
            "E_CONFIG",
            "/surfaces/a",
        ),
        (
            good.replacen(
                "\"approved_at\": \"2026-11-20T09:00:00Z\"",
                "\"approved_at\": \"soon\"",
                1,
            ),
            "E_CONFIG",
            "/surfaces/orders/approved_at",
        ),
        // A hand-edited snapshot no longer matches its digest.
        (
            good.replacen("\"Swagger Petstore\"", "\"Swagger Petstore!\"", 1),
            "E_INVALID",
            "/surfaces/orders/snapshot",
        ),
        // The entry digest must be the snapshot's.
        (
            good.replacen("\"digest\": \"sha256:", "\"digest\": \"sha256:0", 1),
            "E_CONFIG",
            "/surfaces/orders/digest",
        ),
        (
            good.replacen("driftguard.snapshot/1", "driftguard.snapshot/7", 1),
            "E_SNAPSHOT_VERSION",
            "",
        ),
        (
            format!(
                "{{\"format\": \"driftguard.lock/1\", \"surfaces\": {}1{}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
            "E_TOO_DEEP",
            "",
        ),
    ];
    for (text, code, pointer) in cases {
        let e = Lock::parse(&text).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
        if !pointer.is_empty() {
            let p = e
                .location()
                .and_then(|l| l.pointer.clone())
                .unwrap_or_default();
            assert!(p.starts_with(pointer), "{p} vs {pointer}: {e}");
        }
    }
    let e = Lock::parse("{\n  \"format\": \"driftguard.lock/1\",\n  \"surfaces\": {,}\n}\n")
        .unwrap_err();
    assert_eq!(e.code(), "E_PARSE");
    assert_eq!(e.location().unwrap().line, Some(3));
    assert!(
        e.to_string()
            .starts_with("driftguard.lock is not valid JSON: "),
        "{e}"
    );
    // An empty lock (no surfaces yet) is valid.
    assert_eq!(
        Lock::parse("{\"format\": \"driftguard.lock/1\"}").unwrap(),
        Lock::new()
    );
}

/// A `package` surface: the lock keeps no file texts, so `check` alone cannot review
/// the code that changed (every changed code file is `package-code-not-reviewed`);
/// with the approved artifact's texts passed to `check_with`, the added BCC line of
/// postmark-mcp 1.0.16 is `package-code-suspicious` — and an approved snapshot whose
/// digest is not the lock's is ignored.
#[test]
fn check_with_reviews_package_code_against_the_approved_artifact() {
    use driftguard_core::config::Config;
    use driftguard_core::lock::check_with;
    use driftguard_core::normalize::{Options, snapshot_from_value};

    let vector: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../conformance/vectors/diff/package/postmark-mcp-1.0.16.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let load = |v: &serde_json::Value| snapshot_from_value(v, &Options::default()).unwrap();
    let old = load(&vector["old"]["json"]);
    let new = load(&vector["new"]["json"]);
    let c = Config::parse(
        "[[surface]]\nname = \"mail\"\n[surface.mcp_stdio]\ncommand = [\"npx\", \"-y\", \"postmark-mcp\"]\n",
    )
    .unwrap();
    let pkg = c.surface("mail.package").unwrap();
    let mut lock = Lock::new();
    lock.approve(pkg, &old, T_APPROVE).unwrap();
    // Read back from its text, as a binding does: the texts are gone.
    let lock = Lock::parse(&lock.to_string()).unwrap();
    let got = captured(&[("mail.package", Ok(new.clone()))]);
    let rules = |o: &driftguard_core::lock::CheckOutcome| -> Vec<(String, &'static str)> {
        match &o.surfaces[1].status {
            Status::Changed { report, .. } => report
                .changes
                .iter()
                .map(|ch| (ch.rule.clone(), ch.severity.name()))
                .collect(),
            other => panic!("expected a change, got {other:?}"),
        }
    };
    let plain = check(&c, &lock, &got, Some("2026-11-25"));
    assert_eq!(
        rules(&plain),
        [
            ("package-code-not-reviewed".to_owned(), "dangerous"),
            ("package-file-changed".to_owned(), "safe"),
            ("package-version-changed".to_owned(), "dangerous"),
        ]
    );
    let approved: BTreeMap<String, Snapshot> = [("mail.package".to_owned(), old)].into();
    let reviewed = check_with(&c, &lock, &got, &approved, Some("2026-11-25"));
    assert_eq!(
        rules(&reviewed),
        [
            ("package-code-suspicious".to_owned(), "breaking"),
            ("package-file-changed".to_owned(), "safe"),
            ("package-version-changed".to_owned(), "dangerous"),
        ]
    );
    assert_eq!(reviewed.exit_code, 1);
    let text = reviewed.render(OutputFormat::Text).unwrap();
    assert!(text.contains("phan@giftshop.club"), "{text}");
    // An approved snapshot of another version is not the approved one: ignored.
    let wrong: BTreeMap<String, Snapshot> = [("mail.package".to_owned(), new)].into();
    assert_eq!(
        rules(&check_with(&c, &lock, &got, &wrong, Some("2026-11-25"))),
        rules(&plain)
    );
}
