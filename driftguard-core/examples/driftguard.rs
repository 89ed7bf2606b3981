//! A small command-line front end to the core, for trying it on real files:
//!
//! ```text
//! cargo run --release -p driftguard-core --example driftguard -- snapshot openapi.yaml
//! cargo run --release -p driftguard-core --example driftguard -- snapshot - --format mcp < capture.json
//! ```
//!
//! `snapshot` prints the canonical snapshot (pretty JSON, digest first, no `source`) and
//! exits 0. Bad input prints `error[E_CODE]: message` to stderr and exits 2; a usage
//! error prints the usage to stderr and exits 2. The shipped CLIs (Python, Node) use
//! the same exit codes. New subcommands (`diff`, `rules`) are one arm in [`run`].

use std::fmt;
use std::io::{Read, Write};
use std::process::ExitCode;

use driftguard_core::{Format, Options, snapshot_from_bytes};

const USAGE: &str = "\
usage: driftguard snapshot FILE [--format FORMAT]
       driftguard --help

commands:
  snapshot FILE   print the canonical snapshot of FILE (`-` reads stdin) as JSON

options:
  --format FORMAT  auto (default), openapi, swagger, json-schema, mcp, samples, snapshot
  -h, --help       print this help

exit codes: 0 success, 2 usage or input error
";

/// Why a command did not produce output.
#[derive(Debug)]
enum CliError {
    /// `--help` was asked for: the usage goes to stdout, exit 0.
    Help,
    /// The command line is wrong.
    Usage(String),
    /// The input could not be read.
    Io(String),
    /// The core rejected the input.
    Input(driftguard_core::Error),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Help => f.write_str(USAGE),
            CliError::Usage(m) => write!(f, "error: {m}\n\n{USAGE}"),
            CliError::Io(m) => write!(f, "error: {m}"),
            CliError::Input(e) => write!(f, "error[{}]: {e}", e.code()),
        }
    }
}

impl From<driftguard_core::Error> for CliError {
    fn from(e: driftguard_core::Error) -> Self {
        CliError::Input(e)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = run(&args, &mut std::io::stdin().lock());
    let (text, to_stdout, code) = match result {
        Ok(out) => (out, true, 0),
        Err(CliError::Help) => (USAGE.to_owned(), true, 0),
        Err(e) => (format!("{e}\n"), false, 2),
    };
    let written = if to_stdout {
        std::io::stdout().lock().write_all(text.as_bytes())
    } else {
        std::io::stderr().lock().write_all(text.as_bytes())
    };
    match (written, code) {
        // A closed stdout (`| head`) is not worth a second error message.
        (Err(_), _) => ExitCode::from(2),
        (Ok(()), 0) => ExitCode::SUCCESS,
        (Ok(()), _) => ExitCode::from(2),
    }
}

/// Runs one command line (without the program name); returns what goes to stdout.
fn run(args: &[String], stdin: &mut dyn Read) -> Result<String, CliError> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        return Err(CliError::Help);
    }
    let Some((command, rest)) = args.split_first() else {
        return Err(CliError::Usage("no command given".into()));
    };
    match command.as_str() {
        "snapshot" => snapshot(rest, stdin),
        other => Err(CliError::Usage(format!("unknown command {other:?}"))),
    }
}

/// `snapshot FILE [--format FORMAT]`.
fn snapshot(args: &[String], stdin: &mut dyn Read) -> Result<String, CliError> {
    let mut format = Format::Auto;
    let mut file: Option<&str> = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--format" {
            let name = iter
                .next()
                .ok_or_else(|| CliError::Usage("--format needs a value".into()))?;
            format = parse_format(name)?;
        } else if let Some(name) = arg.strip_prefix("--format=") {
            format = parse_format(name)?;
        } else if arg.starts_with('-') && arg != "-" {
            return Err(CliError::Usage(format!("unknown option {arg:?}")));
        } else if file.is_some() {
            return Err(CliError::Usage(format!("unexpected argument {arg:?}")));
        } else {
            file = Some(arg);
        }
    }
    let file =
        file.ok_or_else(|| CliError::Usage("snapshot needs a FILE (or - for stdin)".into()))?;
    let bytes = read_input(file, stdin)?;
    let snapshot = snapshot_from_bytes(
        &bytes,
        &Options {
            format,
            ..Options::default()
        },
    )?;
    // `source` says where a capture came from; a snapshot read back from a lock file
    // keeps its own, which is not what this file is. Print the canonical content only.
    Ok(snapshot.with_source(None).to_json_pretty()?)
}

fn parse_format(name: &str) -> Result<Format, CliError> {
    Format::from_name(name).ok_or_else(|| CliError::Usage(format!("unknown format {name:?}")))
}

fn read_input(file: &str, stdin: &mut dyn Read) -> Result<Vec<u8>, CliError> {
    if file == "-" {
        let mut bytes = Vec::new();
        stdin
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::Io(format!("cannot read stdin: {e}")))?;
        return Ok(bytes);
    }
    std::fs::read(file).map_err(|e| CliError::Io(format!("cannot read {file}: {e}")))
}
