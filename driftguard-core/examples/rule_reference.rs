//! Generates `docs/rules.md`, the rule reference, from the rule registry and the
//! conformance vectors, so the reference can never drift from the code:
//!
//! ```text
//! cargo run -q -p driftguard-core --example rule_reference -- docs/rules.md           # write it
//! cargo run -q -p driftguard-core --example rule_reference -- --check docs/rules.md   # CI: exit 1 if stale
//! ```
//!
//! For every registered rule (in registry order, grouped by area): its id, area,
//! description, severities per position and profile (and under its condition), mirror,
//! tags and notes, then a worked example taken from a `diff` conformance vector that
//! expects the rule: which vector, an excerpt of old → new (a unified diff of the two
//! inputs), the exact change the vector expects, and the message the core prints for it
//! (the vector is run through the core here, and the run must produce the expected
//! change, or generation fails). A registered rule without a vector is an error.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use driftguard_core::classify::policy::Policy;
use driftguard_core::classify::rules::{self, Area, Levels, Rule};
use driftguard_core::classify::{self, Change, Position};
use driftguard_core::{Format, Options, Snapshot, snapshot_from_bytes, snapshot_from_samples};
use serde_json::Value;

/// Lines of context around each changed line in an excerpt.
const CONTEXT: usize = 3;
/// Longest excerpt, in lines; the rest is elided.
const MAX_EXCERPT_LINES: usize = 60;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (check, out) = match args.as_slice() {
        [flag, path] if flag == "--check" => (true, path.clone()),
        [path] if !path.starts_with('-') => (false, path.clone()),
        _ => {
            eprintln!("usage: rule_reference [--check] OUT.md");
            return ExitCode::from(2);
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = match generate(&root.join("conformance/vectors/diff")) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if check {
        match std::fs::read_to_string(&out) {
            Ok(current) if current == text => {
                println!("ok: {out} is up to date ({} rules)", rules::all().len());
                ExitCode::SUCCESS
            }
            Ok(_) => {
                eprintln!(
                    "error: {out} is stale: regenerate it with \
                     `cargo run -q -p driftguard-core --example rule_reference -- {out}` and commit it"
                );
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("error: cannot read {out}: {e}");
                ExitCode::from(1)
            }
        }
    } else {
        match std::fs::write(&out, text) {
            Ok(()) => {
                println!("wrote {out} ({} rules)", rules::all().len());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot write {out}: {e}");
                ExitCode::from(2)
            }
        }
    }
}

/// One `diff` vector that expects a rule.
struct Example {
    /// Path relative to the repository root, with `/`.
    path: String,
    vector: Value,
    /// How many changes the vector expects (fewer is a clearer example).
    expected_changes: usize,
    /// Size of the vector file (smaller is a clearer example).
    size: usize,
}

fn generate(vectors: &Path) -> Result<String, String> {
    let examples = collect_examples(vectors)?;
    let mut out = String::new();
    out.push_str(HEADER);
    let areas = [
        Area::Schema,
        Area::Openapi,
        Area::Mcp,
        Area::Policy,
        Area::Package,
    ];
    // The index: every rule, by area.
    out.push_str("## Index\n\n| area | rules |\n|---|---|\n");
    for area in areas {
        let ids: Vec<String> = rules::all()
            .iter()
            .filter(|r| r.area == area)
            .map(|r| format!("[`{0}`](#{0})", r.id))
            .collect();
        let _ = writeln!(
            out,
            "| [{}](#area-{}) ({}) | {} |",
            area.name(),
            area.name(),
            ids.len(),
            ids.join(" · ")
        );
    }
    out.push('\n');
    for area in areas {
        let _ = writeln!(
            out,
            "## Area `{0}` {{#area-{0}}}\n\n{1}\n",
            area.name(),
            area_blurb(area)
        );
        for rule in rules::all().iter().filter(|r| r.area == area) {
            let example = examples
                .get(rule.id)
                .ok_or_else(|| format!("rule {} has no diff conformance vector", rule.id))?;
            write_rule(&mut out, rule, example)?;
        }
    }
    Ok(out)
}

const HEADER: &str = "\
<!-- GENERATED by driftguard-core/examples/rule_reference.rs from the rule registry and
     conformance/vectors/diff: do not edit. Regenerate with
     cargo run -q -p driftguard-core --example rule_reference -- docs/rules.md -->

# Rule reference

Every rule DriftGuard's classifier knows, straight from the rule registry
(`driftguard rules` lists the same ids). For each rule: what it detects, its severity in
each position and profile, and a worked example taken from a conformance vector — the
two inputs (as an excerpt: a unified diff of old → new), the change the vector expects,
and the message `driftguard diff` prints for it.

**Positions.** Schema rules are judged by where the schema is used: **input** (request
parameters and bodies, MCP tool `inputSchema`, prompt arguments — narrowing breaks
callers) or **output** (responses, MCP `outputSchema` — widening breaks readers).
Other rules apply to the **surface** (an operation, a tool, a package). **Profiles**
(`profile = \"strict\" | \"standard\" | \"lenient\"` in a policy, see the
[configuration reference](config.md)) pick one of the three severities; `standard` is
the default. Severities can be changed per rule with `[overrides]` and individual
changes ignored with `[[ignore]]`.

";

fn area_blurb(area: Area) -> &'static str {
    match area {
        Area::Schema => {
            "JSON Schema keywords, judged in input and output position (in OpenAPI bodies, \
             parameters and responses, MCP tool schemas, bare JSON Schemas and sampled payloads)."
        }
        Area::Openapi => {
            "The OpenAPI / Swagger surface: operations, parameters, request bodies, responses, \
             media types, security."
        }
        Area::Mcp => {
            "An MCP server's catalog — tools, prompts, resources, server identity — and the \
             offline security heuristics on the text a model reads."
        }
        Area::Policy => "The policy itself.",
        Area::Package => {
            "A published package (npm / PyPI): version, integrity, install hooks, \
             dependencies, files, and the code heuristics on added lines."
        }
    }
}

fn collect_examples(dir: &Path) -> Result<BTreeMap<&'static str, Example>, String> {
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    let mut best: BTreeMap<&'static str, Example> = BTreeMap::new();
    for file in files {
        let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let vector: Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
        let Some(changes) = vector.pointer("/expect/changes").and_then(Value::as_array) else {
            continue;
        };
        let rel = std::iter::once("conformance/vectors/diff".to_owned())
            .chain(
                file.strip_prefix(dir)
                    .unwrap_or(&file)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned()),
            )
            .collect::<Vec<_>>()
            .join("/");
        for change in changes {
            let Some(rule) = change
                .get("rule")
                .and_then(Value::as_str)
                .and_then(rules::get)
            else {
                continue;
            };
            let candidate = Example {
                path: rel.clone(),
                vector: vector.clone(),
                expected_changes: changes.len(),
                size: bytes.len(),
            };
            let better = match best.get(rule.id) {
                None => true,
                Some(b) => {
                    (candidate.expected_changes, candidate.size) < (b.expected_changes, b.size)
                }
            };
            if better {
                best.insert(rule.id, candidate);
            }
        }
    }
    Ok(best)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

fn levels_row(out: &mut String, label: &str, l: &Levels) {
    let _ = writeln!(
        out,
        "| {label} | {} | {} | {} |",
        l.strict.name(),
        l.standard.name(),
        l.lenient.name()
    );
}

fn write_rule(out: &mut String, rule: &Rule, example: &Example) -> Result<(), String> {
    let _ = writeln!(out, "### `{0}` {{#{0}}}\n", rule.id);
    let _ = writeln!(out, "{}\n", rule.description);
    let _ = writeln!(
        out,
        "| position | strict | standard | lenient |\n|---|---|---|---|"
    );
    for (p, name) in [
        (Position::Input, "input"),
        (Position::Output, "output"),
        (Position::Surface, "surface"),
    ] {
        if let Some(l) = rule.levels(p) {
            levels_row(out, name, l);
        }
    }
    if let Some(c) = &rule.condition {
        for (l, name) in [
            (&c.input, "input"),
            (&c.output, "output"),
            (&c.surface, "surface"),
        ] {
            if let Some(l) = l {
                levels_row(out, &format!("{name}, when the condition holds"), l);
            }
        }
        out.push('\n');
        let _ = writeln!(out, "**Condition:** {}", c.when);
    }
    out.push('\n');
    let mut facts = Vec::new();
    if let Some(m) = rule.mirror {
        facts.push(format!("**Mirror:** [`{m}`](#{m})"));
    }
    if !rule.tags.is_empty() {
        let tags: Vec<String> = rule.tags.iter().map(|t| format!("`{t}`")).collect();
        facts.push(format!("**Tags:** {}", tags.join(", ")));
    }
    if !rule.notes.is_empty() {
        facts.push(format!("**Notes:** {}", rule.notes));
    }
    for f in facts {
        let _ = writeln!(out, "{f}\n");
    }
    write_example(out, rule, example)
}

fn write_example(out: &mut String, rule: &Rule, example: &Example) -> Result<(), String> {
    let v = &example.vector;
    let what = v.get("description").and_then(Value::as_str).unwrap_or("");
    let _ = writeln!(
        out,
        "**Example** — `{}`: {}\n",
        example.path,
        escape_md(what)
    );
    let mut settings = Vec::new();
    if let Some(f) = v.get("format").and_then(Value::as_str) {
        settings.push(format!("format `{f}`"));
    }
    if let Some(p) = v.get("policy") {
        settings.push(format!("policy `{}`", compact(p)));
    }
    if let Some(t) = v.get("today").and_then(Value::as_str) {
        settings.push(format!("today `{t}`"));
    }
    if !settings.is_empty() {
        let _ = writeln!(out, "With {}.\n", settings.join(", "));
    }
    let old = input_text(v.get("old"))?;
    let new = input_text(v.get("new"))?;
    let _ = writeln!(
        out,
        "```diff\n--- old\n+++ new\n{}```\n",
        unified_diff(&old, &new)
    );
    // The expected change(s) of this rule, exactly as the vector states them.
    let expected: Vec<&Value> = v
        .pointer("/expect/changes")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter(|c| c.get("rule").and_then(Value::as_str) == Some(rule.id))
                .collect()
        })
        .unwrap_or_default();
    let report = run_vector(v).map_err(|e| format!("{} ({}): {e}", example.path, rule.id))?;
    let _ = writeln!(
        out,
        "Expected change:\n\n| rule | severity | position | pointer | message |\n|---|---|---|---|---|"
    );
    for e in expected {
        let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        let produced = report.iter().find(|c| {
            c.rule == s("rule")
                && c.severity.name() == s("severity")
                && position_name(c.position) == s("position")
                && (s("pointer").is_empty() || c.pointer == s("pointer"))
        });
        let Some(c) = produced else {
            return Err(format!(
                "{}: the core did not produce the expected change {} {} {}",
                example.path,
                s("rule"),
                s("severity"),
                s("pointer")
            ));
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | `{}` | {} |",
            c.rule,
            c.severity.name(),
            position_name(c.position),
            escape_cell(&c.pointer),
            escape_cell(&c.message)
        );
    }
    out.push('\n');
    Ok(())
}

fn position_name(p: Position) -> &'static str {
    match p {
        Position::Input => "input",
        Position::Output => "output",
        Position::Surface => "surface",
    }
}

/// The text an input stands for in the excerpt: pretty JSON for `json` and `samples`,
/// the text itself for `text`.
fn input_text(input: Option<&Value>) -> Result<String, String> {
    let Some((form, value)) = input
        .and_then(Value::as_object)
        .and_then(|o| o.iter().next())
    else {
        return Err("vector input must be an object with one member".into());
    };
    Ok(match form.as_str() {
        "json" | "samples" => {
            serde_json::to_string_pretty(value).map_err(|e| e.to_string())? + "\n"
        }
        "text" => value.as_str().unwrap_or("").to_owned(),
        other => format!("({other} input)\n"),
    })
}

fn snapshot_of(input: Option<&Value>, options: &Options) -> Result<Snapshot, String> {
    let Some((form, value)) = input
        .and_then(Value::as_object)
        .and_then(|o| o.iter().next())
    else {
        return Err("vector input must be an object with one member".into());
    };
    let result = match form.as_str() {
        "json" => {
            let bytes = serde_json::to_vec(value).map_err(|e| e.to_string())?;
            snapshot_from_bytes(&bytes, options)
        }
        "text" => snapshot_from_bytes(value.as_str().unwrap_or("").as_bytes(), options),
        "samples" => snapshot_from_samples(
            value.as_array().map(Vec::as_slice).unwrap_or_default(),
            options,
        ),
        other => return Err(format!("unsupported input form {other}")),
    };
    result.map_err(|e| e.to_string())
}

/// Runs a diff vector through the core, as the conformance runner does.
fn run_vector(v: &Value) -> Result<Vec<Change>, String> {
    let format = v
        .get("format")
        .and_then(Value::as_str)
        .and_then(Format::from_name)
        .unwrap_or(Format::Auto);
    let options = Options {
        format,
        ..Options::default()
    };
    let old = snapshot_of(v.get("old"), &options)?;
    let new = snapshot_of(v.get("new"), &options)?;
    let policy = match v.get("policy") {
        None => Policy::default(),
        Some(p) => Policy::from_json(&p.to_string()).map_err(|e| e.to_string())?,
    };
    let today = v.get("today").and_then(Value::as_str);
    let report = classify::diff(&old, &new, &policy, today).map_err(|e| e.to_string())?;
    Ok(report.changes)
}

fn compact(v: &Value) -> String {
    v.to_string().replace('`', "'")
}

fn escape_md(s: &str) -> String {
    s.replace('<', "&lt;").replace('>', "&gt;")
}

/// A value safe inside a Markdown table cell (and inside backticks for pointers).
fn escape_cell(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_control() || (c as u32) >= 0xE0000 || is_invisible(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn is_invisible(c: char) -> bool {
    matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFEFF)
}

/// A unified diff (without hunk headers) of two texts, with `CONTEXT` lines around each
/// change; distant hunks are separated by `@@`. Lines are made visible-safe.
fn unified_diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = lcs_ops(&a, &b);
    // Which ops are within CONTEXT of a change.
    let changed: Vec<bool> = ops.iter().map(|(k, _)| *k != ' ').collect();
    let mut keep = vec![false; ops.len()];
    for (i, c) in changed.iter().enumerate() {
        if *c {
            let lo = i.saturating_sub(CONTEXT);
            let hi = (i + CONTEXT + 1).min(ops.len());
            for k in keep.iter_mut().take(hi).skip(lo) {
                *k = true;
            }
        }
    }
    let mut out = String::new();
    let mut lines = 0usize;
    let mut gap = false;
    for ((kind, line), kept) in ops.iter().zip(&keep) {
        if !kept {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push_str("@@\n");
            lines += 1;
        }
        gap = false;
        if lines >= MAX_EXCERPT_LINES {
            out.push_str("@@ … (excerpt cut)\n");
            return out;
        }
        let _ = writeln!(out, "{kind}{}", visible(line));
        lines += 1;
    }
    out
}

/// Control and invisible characters as `\u{…}` escapes, so the excerpt shows them.
fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if (c.is_control() && c != '\t') || is_invisible(c) || (c as u32) >= 0xE0000 {
            let _ = write!(out, "\\u{{{:X}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// The edit script of a line LCS: (' ' | '-' | '+', line).
fn lcs_ops<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<(char, &'a str)> {
    let (n, m) = (a.len(), b.len());
    // table[i][j]: LCS length of a[i..] and b[j..], flattened.
    let w = m + 1;
    let mut table = vec![0u32; (n + 1) * w];
    let at = |t: &Vec<u32>, i: usize, j: usize| t.get(i * w + j).copied().unwrap_or(0);
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let v = if a.get(i) == b.get(j) {
                at(&table, i + 1, j + 1) + 1
            } else {
                at(&table, i + 1, j).max(at(&table, i, j + 1))
            };
            if let Some(cell) = table.get_mut(i * w + j) {
                *cell = v;
            }
        }
    }
    let mut ops = Vec::with_capacity(n + m);
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                ops.push((' ', *x));
                i += 1;
                j += 1;
            }
            (Some(x), Some(_)) if at(&table, i + 1, j) >= at(&table, i, j + 1) => {
                ops.push(('-', *x));
                i += 1;
            }
            (_, Some(y)) => {
                ops.push(('+', *y));
                j += 1;
            }
            (Some(x), None) => {
                ops.push(('-', *x));
                i += 1;
            }
            (None, None) => break,
        }
    }
    ops
}
