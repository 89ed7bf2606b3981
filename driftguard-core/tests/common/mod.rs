//! Shared by the lock/check and alert tests: the configuration, its secrets, real
//! snapshots of the bundled example contracts, and golden-file comparison.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use driftguard_core::config::Config;
use driftguard_core::{Options, Snapshot, snapshot_from_bytes};

/// Every secret value the test environment holds; none may appear in any output.
pub const SECRETS: &[&str] = &[
    "tok-SECRET-petstore-1234",
    "tok-SECRET-postmark-5678",
    "literal-api-key-4455",
    "key-SECRET-orders-9012",
    "whsec-SECRET-3456",
];

pub fn env(name: &str) -> Option<String> {
    Some(
        match name {
            "PETSTORE_TOKEN" => "tok-SECRET-petstore-1234",
            "POSTMARK_TOKEN" => "tok-SECRET-postmark-5678",
            "ORDERS_KEY" => "key-SECRET-orders-9012",
            "WEBHOOK_SECRET" => "whsec-SECRET-3456",
            _ => return None,
        }
        .to_owned(),
    )
}

pub fn assert_no_secret(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "secret {s:?} found in {what}");
    }
    // Header value templates are not written either (only header names).
    assert!(
        !text.contains("Bearer ${PETSTORE_TOKEN}"),
        "header template in {what}"
    );
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/watch").join(name)
}

pub fn config() -> Config {
    Config::parse(&std::fs::read_to_string(fixture("check.toml")).unwrap()).unwrap()
}

pub fn contract(name: &str) -> Snapshot {
    let bytes = std::fs::read(root().join("../examples/contracts").join(name)).unwrap();
    snapshot_from_bytes(&bytes, &Options::default()).unwrap()
}

/// Compares with a golden file; `DRIFTGUARD_BLESS=1` rewrites it.
pub fn golden(name: &str, actual: &str) {
    let path = fixture(name);
    if std::env::var_os("DRIFTGUARD_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with DRIFTGUARD_BLESS=1)", path.display()));
    assert!(actual == expected, "golden file {name} differs:\n{actual}");
}
