//! A small command-line front end to the core, for trying it on real files:
//!
//! ```text
//! cargo run --release -p driftguard-core --example driftguard -- snapshot openapi.yaml
//! cargo run --release -p driftguard-core --example driftguard -- diff old.yaml new.yaml --format markdown
//! cargo run --release -p driftguard-core --example driftguard -- rules
//! ```
//!
//! All behaviour lives in `driftguard_core::cli::run` (pure, shared with the Python and
//! Node CLIs); this file only supplies file access, stdin and today's date, and prints.
//! Exit codes: 0 nothing at or above the threshold, 1 changes at or above it, 2 usage
//! or input error.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use driftguard_core::cli::{Host, run};

struct Os;

impl Host for Os {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        if path == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            return Ok(bytes);
        }
        std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
    }

    fn today(&self) -> Option<String> {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
        let (y, m, d) = civil_from_days(i64::try_from(secs / 86_400).ok()?);
        Some(format!("{y:04}-{m:02}-{d:02}"))
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's
/// algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = run(&args, &Os);
    let out = std::io::stdout().lock().write_all(outcome.out.as_bytes());
    let err = std::io::stderr().lock().write_all(outcome.err.as_bytes());
    // A closed stdout (`| head`) is not worth a second error message.
    if out.is_err() || err.is_err() {
        return ExitCode::from(2);
    }
    ExitCode::from(outcome.code)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_781), (2026, 11, 24));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
