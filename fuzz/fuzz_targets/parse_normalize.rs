//! Bytes → parse → every normalizer → snapshot. Must never panic, overflow the stack or
//! blow up memory: every input ends in a snapshot or a coded error.
//!
//! On success it also checks the snapshot invariants the rest of DriftGuard relies on:
//! the digest is `sha256:` + 64 hex digits, the snapshot reads back (as format
//! `snapshot`) with the same digest, and normalizing the same input twice gives the same
//! digest (determinism).
#![no_main]

use driftguard_core::parse::{Syntax, parse_text};
use driftguard_core::{Format, Options, Snapshot, snapshot_from_bytes, snapshot_from_value};
use libfuzzer_sys::fuzz_target;

const FORMATS: [Format; 6] = [
    Format::Auto,
    Format::Openapi,
    Format::Swagger,
    Format::JsonSchema,
    Format::Mcp,
    Format::Snapshot,
];

fn check(snapshot: &Snapshot, what: &str) {
    let digest = snapshot.digest();
    assert!(
        digest.len() == 71
            && digest.starts_with("sha256:")
            && digest[7..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{what}: malformed digest {digest:?}"
    );
    let value = snapshot.to_value().expect("a snapshot serializes");
    match Snapshot::from_value(&value) {
        Ok(back) => assert_eq!(back.digest(), digest, "{what}: digest changed on read-back"),
        Err(e) => panic!("{what}: snapshot does not read back: {} {e}", e.code()),
    }
}

fuzz_target!(|data: &[u8]| {
    let options = Options::default();

    // The bytes path, as bindings call it: auto-detection, and samples (JSON Lines).
    if let Ok(s) = snapshot_from_bytes(data, &options) {
        check(&s, "auto");
        let again = snapshot_from_bytes(data, &options).expect("same input, same result");
        assert_eq!(again.digest(), s.digest(), "auto: non-deterministic digest");
    }
    let samples = Options {
        format: Format::Samples,
        ..Options::default()
    };
    if let Ok(s) = snapshot_from_bytes(data, &samples) {
        check(&s, "samples");
    }

    // Parse once, then force every normalizer on the value, whatever it looks like.
    let Ok(value) = parse_text(data, Syntax::Auto, &options.limits) else {
        return;
    };
    for format in FORMATS {
        let opts = Options {
            format,
            ..Options::default()
        };
        if let Ok(s) = snapshot_from_value(&value, &opts) {
            check(&s, format.name());
        }
    }
    // A value that round-trips through serde_json (as a binding would hand it over).
    if let Ok(text) = serde_json::to_vec(&value) {
        let _ = snapshot_from_bytes(&text, &options);
    }
});
