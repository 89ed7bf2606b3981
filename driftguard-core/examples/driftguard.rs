//! A small command-line front end to the core, for trying it on real files:
//!
//! ```text
//! cargo run --release -p driftguard-core --example driftguard -- snapshot openapi.yaml
//! cargo run --release -p driftguard-core --example driftguard -- diff old.yaml new.yaml --format markdown
//! cargo run --release -p driftguard-core --example driftguard -- rules
//! ```
//!
//! All behaviour lives in `driftguard_core::cli::run` (pure, shared with the Python and
//! Node CLIs); this file only supplies file access, stdin, today's date and a second
//! thread (`diff` snapshots its two documents in parallel), and prints.
//! Exit codes: 0 nothing at or above the threshold, 1 changes at or above it, 2 usage
//! or input error.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::process::ExitCode;

use driftguard_core::cli::run;

#[path = "support/os_host.rs"]
mod os_host;

use os_host::Os;

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
