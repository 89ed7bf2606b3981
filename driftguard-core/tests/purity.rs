//! The core stays pure: no I/O, no clock, no threads, no async runtime, no binding crates.
//!
//! Two checks guard that promise, so a change that breaks it fails `cargo test`:
//!
//! 1. **Source scan** — every `driftguard-core/src/**/*.rs`, with comments and string
//!    literals blanked out, must not name a forbidden API (`std::fs`, `std::net`,
//!    `std::process`, `std::env`, `std::thread`, `SystemTime`, `Instant`, `tokio`,
//!    `async`, `File::`, `TcpStream`, printing to stdout/stderr, …). Grouped imports such
//!    as `use std::{fs, io}` are expanded before matching. Items under `#[cfg(test)]`
//!    (unit-test modules that read fixtures) are skipped. A failure names `file:line`.
//! 2. **Dependency walk** — `cargo metadata` is asked for the resolved graph and the
//!    normal (non-dev, non-build) dependency tree of `driftguard-core` is walked; no crate
//!    on the deny list (binding crates, async runtimes, HTTP clients, process/file-system
//!    helpers, randomness) may appear. A failure names the path from the core to the
//!    offending crate.
//!
//! Tests, benches and examples are not scanned: they may read files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

// ---------------------------------------------------------------------------------------
// 1. Source scan
// ---------------------------------------------------------------------------------------

/// Paths (after `use`-group expansion, whitespace removed) that must not appear, with why.
const FORBIDDEN_PATHS: &[(&str, &str)] = &[
    ("std::fs", "file-system access"),
    ("std::net", "network access"),
    ("std::process", "process spawning / exiting"),
    ("std::env", "environment access"),
    ("std::thread", "threads"),
    ("std::time::SystemTime", "the wall clock"),
    ("std::time::Instant", "the monotonic clock"),
    ("std::os", "OS-specific I/O"),
    ("std::io::stdin", "standard input"),
    ("std::io::stdout", "standard output"),
    ("std::io::stderr", "standard error"),
    ("core::arch", "CPU-specific intrinsics"),
];

/// Identifiers that must not appear as whole words (outside comments and strings).
const FORBIDDEN_WORDS: &[(&str, &str)] = &[
    ("SystemTime", "the wall clock"),
    ("Instant", "the monotonic clock"),
    ("UNIX_EPOCH", "the wall clock"),
    ("tokio", "an async runtime"),
    ("async_std", "an async runtime"),
    ("async", "async code (the core is synchronous)"),
    ("await", "async code (the core is synchronous)"),
    ("TcpStream", "network access"),
    ("TcpListener", "network access"),
    ("UdpSocket", "network access"),
    ("OpenOptions", "file-system access"),
    ("read_to_string", "file-system access"),
    ("println", "printing to standard output"),
    ("print", "printing to standard output"),
    ("eprintln", "printing to standard error"),
    ("eprint", "printing to standard error"),
    ("dbg", "printing to standard error"),
    ("thread_local", "thread-local state"),
];

/// Functions that must not be called (identifier directly followed by `(`); as plain
/// words they are fine (a pure CLI returns an `Outcome { stdout, stderr, code }`).
const FORBIDDEN_CALLS: &[(&str, &str)] = &[
    ("stdin", "standard input"),
    ("stdout", "standard output"),
    ("stderr", "standard error"),
];

/// Identifier prefixes followed by `::` that must not appear (`File::open`, …).
const FORBIDDEN_PREFIXES: &[(&str, &str)] = &[
    ("File::", "file-system access"),
    ("Command::", "process spawning"),
    ("thread::", "threads"),
];

/// One finding of the source scan.
#[derive(Debug, PartialEq, Eq)]
struct Finding {
    line: usize,
    what: String,
    why: &'static str,
}

/// Replaces comments and the contents of string and char literals with spaces, keeping
/// newlines so line numbers stay right.
fn blank_comments_and_strings(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        // Line comment (incl. doc comments).
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
            continue;
        }
        // Block comment, nested.
        if c == '/' && next == Some('*') {
            let mut depth = 0usize;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            continue;
        }
        // Raw string: r"..." / r#"..."# / br#"..."#.
        let prev_is_ident = i > 0 && is_ident(chars[i - 1]);
        if !prev_is_ident && (c == 'r' || (c == 'b' && next == Some('r'))) {
            let start = if c == 'b' { i + 2 } else { i + 1 };
            let mut j = start;
            while chars.get(j) == Some(&'#') {
                j += 1;
            }
            if chars.get(j) == Some(&'"') {
                let hashes = j - start;
                out.extend(&chars[i..=j]);
                i = j + 1;
                loop {
                    if i >= chars.len() {
                        break;
                    }
                    if chars[i] == '"' && (0..hashes).all(|h| chars.get(i + 1 + h) == Some(&'#')) {
                        out.push('"');
                        out.extend(std::iter::repeat_n('#', hashes));
                        i += 1 + hashes;
                        break;
                    }
                    out.push(blank(chars[i]));
                    i += 1;
                }
                continue;
            }
        }
        // Ordinary string (and b"...").
        if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() {
                if chars[i] == '\\' {
                    out.push(' ');
                    if let Some(&e) = chars.get(i + 1) {
                        out.push(blank(e));
                    }
                    i += 2;
                    continue;
                }
                if chars[i] == '"' {
                    out.push('"');
                    i += 1;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
            continue;
        }
        // Char literal ('x', '\n', '\u{..}') vs lifetime ('a).
        if c == '\'' {
            let close = if next == Some('\\') {
                (i + 3..chars.len().min(i + 14)).find(|&k| chars[k] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            if let Some(end) = close {
                out.push('\'');
                for _ in i + 1..end {
                    out.push(' ');
                }
                out.push('\'');
                i = end + 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Blanks every item under a `#[cfg(test)]`-style attribute (a `mod tests { … }`, a
/// `use`, a helper `fn`): unit tests inside `src/` may read fixtures from disk. Works on
/// text whose comments and strings are already blanked, so braces match reliably.
fn blank_test_items(clean: &str) -> String {
    test_items(clean).0
}

/// Like [`blank_test_items`], and also returns the names of out-of-line test modules
/// (`#[cfg(test)] mod tests;`), whose files are then skipped whole.
fn test_items(clean: &str) -> (String, Vec<String>) {
    let mut modules = Vec::new();
    let mut chars: Vec<char> = clean.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '#' || chars.get(i + 1) != Some(&'[') {
            i += 1;
            continue;
        }
        // The attribute `#[ … ]`, brackets balanced.
        let mut depth = 0usize;
        let mut end = i + 1;
        while end < chars.len() {
            match chars[end] {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            end += 1;
        }
        let attr: String = chars[i..=end.min(chars.len() - 1)]
            .iter()
            .filter(|c| !c.is_whitespace())
            .collect();
        let is_test_cfg = attr.starts_with("#[cfg(")
            && has_word(&attr, "test")
            && !attr.contains("not(test")
            && !attr.contains("any(");
        if !is_test_cfg {
            i = end + 1;
            continue;
        }
        // The item: up to a `;` at depth 0, or through its `{ … }` block.
        let mut k = end + 1;
        let mut braces = 0usize;
        while k < chars.len() {
            match chars[k] {
                '{' => braces += 1,
                '}' => {
                    braces = braces.saturating_sub(1);
                    if braces == 0 {
                        break;
                    }
                }
                ';' if braces == 0 => break,
                _ => {}
            }
            k += 1;
        }
        let stop = (k + 1).min(chars.len());
        if chars.get(k) == Some(&';') {
            let item: String = chars[end + 1..stop].iter().collect();
            let words: Vec<&str> = item
                .split(|c: char| c.is_whitespace() || c == ';')
                .filter(|w| !w.is_empty())
                .collect();
            if let Some(name) = words
                .iter()
                .position(|w| *w == "mod")
                .and_then(|pos| words.get(pos + 1))
            {
                modules.push((*name).to_owned());
            }
        }
        for c in chars.iter_mut().take(stop).skip(i) {
            if *c != '\n' {
                *c = ' ';
            }
        }
        i = k + 1;
    }
    (chars.into_iter().collect(), modules)
}

/// The files of out-of-line `#[cfg(test)] mod NAME;` declarations in `file`:
/// `NAME.rs` / `NAME/` next to a `mod.rs`/`lib.rs`/`main.rs`, else under `file`'s stem.
fn test_module_paths(file: &Path, text: &str) -> Vec<PathBuf> {
    let (_, modules) = test_items(&blank_comments_and_strings(text));
    let dir = file.parent().unwrap_or(Path::new("."));
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let base = if matches!(stem, "mod" | "lib" | "main") {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    modules
        .iter()
        .flat_map(|m| [base.join(format!("{m}.rs")), base.join(m)])
        .collect()
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Expands `std::{fs, io::{self, stdin}}` into `std::fs`, `std::io::self`,
/// `std::io::stdin` (whitespace already removed).
fn expand_group(prefix: &str, body: &str, out: &mut Vec<String>) {
    let mut depth = 0usize;
    let mut part = String::new();
    let mut parts = Vec::new();
    for c in body.chars() {
        match c {
            '{' => {
                depth += 1;
                part.push(c);
            }
            '}' => {
                depth = depth.saturating_sub(1);
                part.push(c);
            }
            ',' if depth == 0 => parts.push(std::mem::take(&mut part)),
            _ => part.push(c),
        }
    }
    parts.push(part);
    for p in parts.into_iter().filter(|p| !p.is_empty()) {
        match p.find("::{") {
            Some(pos) if p.ends_with('}') => {
                let inner_prefix = format!("{prefix}::{}", &p[..pos]);
                expand_group(&inner_prefix, &p[pos + 3..p.len() - 1], out);
            }
            _ => out.push(format!("{prefix}::{p}")),
        }
    }
}

/// Removes whitespace except one space between two identifier characters
/// (`use std :: { fs }` → `use std::{fs}`).
fn compact(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    for (k, &c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            let prev = out.chars().next_back();
            let next = chars[k..].iter().find(|c| !c.is_whitespace());
            if prev.is_some_and(is_ident) && next.is_some_and(|&n| is_ident(n)) && prev != Some(' ')
            {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Every path a line names (whitespace compacted), with `a::b::{..}` groups expanded.
fn paths_in(line: &str) -> Vec<String> {
    let compact = compact(line);
    let mut out = vec![compact.clone()];
    let mut from = 0;
    while let Some(pos) = compact[from..].find("::{") {
        let group_at = from + pos;
        // The path before the group: identifier characters and `::`.
        let prefix_start = compact[..group_at]
            .char_indices()
            .rev()
            .find(|&(_, c)| !(is_ident(c) || c == ':'))
            .map_or(0, |(k, c)| k + c.len_utf8());
        let prefix = &compact[prefix_start..group_at];
        let start = group_at + 3;
        let mut depth = 1usize;
        let mut end = start;
        for (k, c) in compact[start..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = start + k;
                        break;
                    }
                }
                _ => {}
            }
        }
        if end > start && !prefix.is_empty() {
            expand_group(prefix, &compact[start..end], &mut out);
        }
        from = start;
    }
    out
}

/// True when `word` occurs in `text` as a whole identifier.
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(pos, _)| {
        let before = text[..pos].chars().next_back();
        let after = text[pos + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// True when `name` is called: a whole identifier followed (after spaces) by `(`.
fn has_call(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(pos, _)| {
        let before = text[..pos].chars().next_back();
        let after = text[pos + name.len()..].trim_start().chars().next();
        !before.is_some_and(is_ident) && after == Some('(')
    })
}

/// True when `prefix` (like `File::`) occurs starting at an identifier boundary.
fn has_prefix(text: &str, prefix: &str) -> bool {
    text.match_indices(prefix).any(|(pos, _)| {
        let before = text[..pos].chars().next_back();
        // `std::fs::` is caught by the path list; `crate::x::fs::` is a module of ours
        // only if preceded by `::`, which we still flag — the core has no `fs` module.
        !before.is_some_and(is_ident)
    })
}

/// Scans one source text; a multi-line `use std::{\n fs,\n}` is joined first.
fn scan_source(src: &str) -> Vec<Finding> {
    let clean = blank_test_items(&blank_comments_and_strings(src));
    let mut findings = Vec::new();
    // Join each statement-ish chunk (up to `;` or `{`-less line end) so grouped `use`
    // statements spanning lines are seen whole; report at the line where it starts.
    let lines: Vec<&str> = clean.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let mut text = lines[i].to_owned();
        let start = i;
        if text.trim_start().starts_with("use ") || text.trim_start().starts_with("pub use ") {
            while !text.contains(';') && i + 1 < lines.len() {
                i += 1;
                text.push_str(lines[i]);
            }
        }
        let line_no = start + 1;
        for path in paths_in(&text) {
            for (bad, why) in FORBIDDEN_PATHS {
                if let Some(pos) = path.find(bad) {
                    let before = path[..pos].chars().next_back();
                    let after = path[pos + bad.len()..].chars().next();
                    if !before.is_some_and(is_ident) && !after.is_some_and(is_ident) {
                        findings.push(Finding {
                            line: line_no,
                            what: (*bad).to_owned(),
                            why,
                        });
                    }
                }
            }
        }
        for (bad, why) in FORBIDDEN_WORDS {
            if has_word(&text, bad) {
                findings.push(Finding {
                    line: line_no,
                    what: (*bad).to_owned(),
                    why,
                });
            }
        }
        for (bad, why) in FORBIDDEN_CALLS {
            if has_call(&text, bad) {
                findings.push(Finding {
                    line: line_no,
                    what: format!("{bad}()"),
                    why,
                });
            }
        }
        for (bad, why) in FORBIDDEN_PREFIXES {
            if has_prefix(&text, bad) {
                findings.push(Finding {
                    line: line_no,
                    what: (*bad).to_owned(),
                    why,
                });
            }
        }
        i += 1;
    }
    findings.dedup_by(|a, b| a.line == b.line && a.what == b.what);
    findings
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn core_sources_use_no_io_clock_threads_or_async() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() >= 5,
        "expected the core's sources under {}, found {files:?}",
        src.display()
    );
    // Files of out-of-line test modules (`#[cfg(test)] mod tests;`) are test code.
    let texts: Vec<(PathBuf, String)> = files
        .iter()
        .map(|f| (f.clone(), std::fs::read_to_string(f).unwrap()))
        .collect();
    let skipped: Vec<PathBuf> = texts
        .iter()
        .flat_map(|(f, t)| test_module_paths(f, t))
        .collect();
    let mut report = Vec::new();
    for (f, text) in &texts {
        if skipped.iter().any(|s| f == s || f.starts_with(s)) {
            continue;
        }
        let rel = f
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(f)
            .display()
            .to_string();
        for finding in scan_source(text) {
            report.push(format!(
                "driftguard-core/{rel}:{}: uses `{}` ({})",
                finding.line, finding.what, finding.why
            ));
        }
    }
    assert!(
        report.is_empty(),
        "driftguard-core must stay pure (no I/O, clock, threads, async); move this into a \
         binding or a test:\n  {}",
        report.join("\n  ")
    );
}

#[test]
fn scanner_catches_what_it_must_and_ignores_comments_and_strings() {
    let cases: &[(&str, &str)] = &[
        ("use std::fs;", "std::fs"),
        ("use std::{collections::BTreeMap, fs};", "std::fs"),
        ("use std::{\n    io,\n    net::TcpStream,\n};", "std::net"),
        ("use std::io::{self, stdin};", "std::io::stdin"),
        ("let t = std::time::SystemTime::now();", "SystemTime"),
        ("let t = Instant::now();", "Instant"),
        ("async fn f() {}", "async"),
        ("let f = File::open(p);", "File::"),
        ("let s = TcpStream::connect(a);", "TcpStream"),
        ("let v = std::env::var(\"X\");", "std::env"),
        ("std::process::exit(1);", "std::process"),
        ("std::thread::spawn(|| ());", "std::thread"),
        ("println!(\"hi\");", "println"),
        ("use tokio::runtime;", "tokio"),
        ("let out = io::stdout();", "stdout()"),
        ("let _ = stdin ().lock();", "stdin()"),
    ];
    for (src, expected) in cases {
        let found = scan_source(src);
        assert!(
            found.iter().any(|f| f.what == *expected),
            "scanner missed `{expected}` in {src:?}; found {found:?}"
        );
    }
    let clean: &[&str] = &[
        "// no std::fs here, and no File::open either",
        "/* block comment: std::net::TcpStream /* nested */ tokio */",
        "let msg = \"std::env is forbidden; async fn too\";",
        "let raw = r#\"File::open(\"x\") and SystemTime\"#;",
        "let c = '\"'; let s = \"tokio\";",
        "fn f<'a>(x: &'a str) -> &'a str { x }",
        "use std::collections::BTreeMap; use std::fmt;",
        "let instant_like = 1; let printer = 2; let environment = 3;",
        "let d = std::time::Duration::from_secs(1);",
        "pub struct Outcome { pub stdout: String, pub stderr: String }",
        "let o = Outcome { stdout, stderr: String::new() }; o.stdout.len();",
        "/// Doc: reads `std::fs` never.\nfn g() {}",
        "#[cfg(test)]\nmod tests {\n    use std::fs;\n    fn t() { let _ = fs::read(\"x\"); { std::env::var(\"Y\"); } }\n}\n",
        "#[cfg(test)]\nuse std::time::Instant;\n",
        "#[cfg(all(test, feature = \"x\"))]\nfn helper() { let _ = std::fs::read(\"a\"); }\n",
    ];
    for src in clean {
        let found = scan_source(src);
        assert!(found.is_empty(), "false positive in {src:?}: {found:?}");
    }
    // Code after a test module, or under `cfg(not(test))`, is still scanned.
    let found = scan_source(
        "#[cfg(test)]\nmod tests { fn a() {} }\nfn b() { let _ = std::fs::read(\"x\"); }\n",
    );
    assert_eq!(
        found.iter().map(|f| f.line).collect::<Vec<_>>(),
        vec![3],
        "{found:?}"
    );
    let found = scan_source("#[cfg(not(test))]\nfn b() { let _ = std::fs::read(\"x\"); }\n");
    assert_eq!(found.len(), 1, "{found:?}");
    // Out-of-line test modules are found, with the files they live in.
    let decl = "#[cfg(test)]\nmod tests;\n#[cfg(test)]\npub(crate) mod fixtures;\nmod real;\n";
    assert_eq!(
        test_module_paths(Path::new("src/a/mod.rs"), decl),
        [
            PathBuf::from("src/a/tests.rs"),
            PathBuf::from("src/a/tests"),
            PathBuf::from("src/a/fixtures.rs"),
            PathBuf::from("src/a/fixtures"),
        ]
    );
    assert_eq!(
        test_module_paths(Path::new("src/b.rs"), "#[cfg(test)] mod t;"),
        [PathBuf::from("src/b/t.rs"), PathBuf::from("src/b/t")]
    );
    // Line numbers point at the offending line.
    let found = scan_source(
        "fn a() {}\n\n// File::open\nfn b() { let _ = std::fs::read(\"x\"); File::open(p); }\n",
    );
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|f| f.line == 4), "{found:?}");
}

// ---------------------------------------------------------------------------------------
// 2. Dependency walk
// ---------------------------------------------------------------------------------------

/// Crates (exact names, or prefixes ending in `-`/`_`) that must never be in the core's
/// normal dependency tree.
const DENIED_CRATES: &[(&str, &str)] = &[
    ("pyo3", "a Python binding crate"),
    ("pyo3-", "a Python binding crate"),
    ("napi", "a Node binding crate"),
    ("napi-", "a Node binding crate"),
    ("wasm-bindgen", "a wasm binding crate"),
    ("wasm-bindgen-", "a wasm binding crate"),
    ("js-sys", "a wasm binding crate"),
    ("web-sys", "a wasm binding crate"),
    ("tokio", "an async runtime"),
    ("tokio-", "an async runtime"),
    ("async-std", "an async runtime"),
    ("smol", "an async runtime"),
    ("futures", "async machinery"),
    ("futures-", "async machinery"),
    ("mio", "network I/O"),
    ("socket2", "network I/O"),
    ("reqwest", "an HTTP client"),
    ("hyper", "HTTP"),
    ("hyper-", "HTTP"),
    ("h2", "HTTP"),
    ("ureq", "an HTTP client"),
    ("curl", "an HTTP client"),
    ("isahc", "an HTTP client"),
    ("surf", "an HTTP client"),
    ("attohttpc", "an HTTP client"),
    ("rustls", "TLS (network)"),
    ("native-tls", "TLS (network)"),
    ("openssl", "TLS (network)"),
    ("rusqlite", "storage"),
    ("sqlx", "storage"),
    ("walkdir", "file-system access"),
    ("notify", "file-system access"),
    ("dirs", "environment / file-system access"),
    ("home", "environment access"),
    ("rand", "randomness (non-determinism)"),
    ("getrandom", "randomness (non-determinism)"),
    ("rayon", "threads"),
    ("crossbeam", "threads"),
    ("crossbeam-", "threads"),
];

fn denied(name: &str) -> Option<&'static str> {
    DENIED_CRATES.iter().find_map(|(pat, why)| {
        let hit = if pat.ends_with('-') {
            name.starts_with(pat)
        } else {
            name == *pat
        };
        hit.then_some(*why)
    })
}

/// The resolved graph: package id → (name, normal dependency ids).
struct Graph {
    names: BTreeMap<String, String>,
    normal_deps: BTreeMap<String, Vec<String>>,
}

fn load_graph() -> (Graph, String) {
    let cargo = env!("CARGO");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(&manifest)
        .output()
        .expect("run `cargo metadata`");
    assert!(
        out.status.success(),
        "`cargo metadata` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let mut names = BTreeMap::new();
    let mut core_id = None;
    for p in meta["packages"].as_array().expect("packages") {
        let id = p["id"].as_str().expect("package id").to_owned();
        let name = p["name"].as_str().expect("package name").to_owned();
        if name == "driftguard-core" && p["source"].is_null() {
            core_id = Some(id.clone());
        }
        names.insert(id, name);
    }
    let mut normal_deps = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().expect("resolve.nodes") {
        let id = node["id"].as_str().expect("node id").to_owned();
        let deps = node["deps"]
            .as_array()
            .expect("node deps")
            .iter()
            .filter(|d| {
                // `kind` is null for normal dependencies ("dev" and "build" otherwise).
                d["dep_kinds"]
                    .as_array()
                    .is_some_and(|ks| ks.iter().any(|k| k["kind"].is_null()))
            })
            .map(|d| d["pkg"].as_str().expect("dep pkg").to_owned())
            .collect();
        normal_deps.insert(id, deps);
    }
    (
        Graph { names, normal_deps },
        core_id.expect("driftguard-core in cargo metadata"),
    )
}

/// Breadth-first walk; returns every reachable crate name with the path that reaches it.
fn reachable(graph: &Graph, root: &str) -> BTreeMap<String, Vec<String>> {
    let mut seen = BTreeSet::from([root.to_owned()]);
    let mut paths: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut queue = VecDeque::from([(root.to_owned(), vec![graph.names[root].clone()])]);
    while let Some((id, path)) = queue.pop_front() {
        let name = graph.names[&id].clone();
        paths.entry(name).or_insert_with(|| path.clone());
        for dep in graph.normal_deps.get(&id).into_iter().flatten() {
            if seen.insert(dep.clone()) {
                let mut p = path.clone();
                p.push(graph.names[dep].clone());
                queue.push_back((dep.clone(), p));
            }
        }
    }
    paths
}

#[test]
fn core_normal_dependency_tree_has_no_binding_runtime_or_io_crates() {
    let (graph, core) = load_graph();
    let tree = reachable(&graph, &core);
    // The walk must see the core's real dependencies, and not its dev-dependencies:
    // otherwise this test would pass vacuously.
    for expected in ["serde_json", "sha2", "thiserror"] {
        assert!(
            tree.contains_key(expected),
            "walk missed `{expected}`: {:?}",
            tree.keys()
        );
    }
    assert!(
        !tree.contains_key("proptest"),
        "dev-dependencies must not be walked"
    );
    // And the same walk from the Python binding does find the binding crate, with a path.
    if let Some(py) = graph
        .names
        .iter()
        .find(|(_, n)| *n == "driftguard-py")
        .map(|(id, _)| id)
    {
        let py_tree = reachable(&graph, py);
        assert_eq!(
            py_tree.get("pyo3").map(|p| p.join(" -> ")).as_deref(),
            Some("driftguard-py -> pyo3")
        );
        assert!(py_tree.keys().any(|n| denied(n).is_some()));
    }
    let bad: Vec<String> = tree
        .iter()
        .filter_map(|(name, path)| denied(name).map(|why| format!("{} ({why})", path.join(" -> "))))
        .collect();
    assert!(
        bad.is_empty(),
        "driftguard-core's normal dependency tree must stay pure; found:\n  {}",
        bad.join("\n  ")
    );
}

#[test]
fn deny_list_matches_names_and_families() {
    assert_eq!(denied("pyo3"), Some("a Python binding crate"));
    assert_eq!(denied("pyo3-ffi"), Some("a Python binding crate"));
    assert_eq!(denied("napi-sys"), Some("a Node binding crate"));
    assert_eq!(denied("tokio"), Some("an async runtime"));
    assert_eq!(denied("hyper-util"), Some("HTTP"));
    assert_eq!(denied("serde_json"), None);
    assert_eq!(denied("homebrew"), None);
    assert_eq!(denied("randomly-named"), None);
}
