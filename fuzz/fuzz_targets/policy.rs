//! Arbitrary text → `Policy::from_toml` and `Policy::from_json`: a policy file is user
//! input, so a malformed one must end in a coded error, never a panic.
#![no_main]

use driftguard_core::classify::policy::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Policy::from_toml(text);
    let _ = Policy::from_json(text);
});
