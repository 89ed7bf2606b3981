//! Exfiltration targets: where added text could send data, or what it could read.
//!
//! URLs, email addresses, bare domains with a real-looking TLD, IPv4/IPv6 addresses,
//! sensitive paths and encoded blobs (base64, hex). The text is cut into chunks at
//! whitespace and quoting punctuation; defanged spellings (`giftshop[.]club`,
//! `phan(at)giftshop.club`) are read as the real thing. All scanners are linear.
//!
//! False-positive guards: a domain needs a TLD from [`COMMON_TLDS`] (which leaves out
//! file extensions such as `py`, `md`, `rs`, `sh`), must not be part of a path
//! (`docs/site.com`), an identifier (`my_site.com`) or a method call (`console.info(`);
//! `e.g.`/`i.e.` and version numbers have no TLD; a four-part number after
//! `version`/`v` is not an IP; RFC 2606 example hosts are never reported; sensitive
//! paths must be whole path components (`process.env` is not `.env`); blobs need 40+
//! characters and the character mix of real encodings (mixed case in a random-looking
//! proportion, digits, few `/`, `_`, `-`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::patterns::{
    COMMON_TLDS, OPAQUE_URL_SCHEMES, RESERVED_EXAMPLE_DOMAINS, SENSITIVE_PATHS, URL_SCHEMES,
};
use super::text::Folded;
use super::{EXFILTRATION_TARGET, Finding, MAX_EVIDENCE, cap_evidence, quote};

/// Kind names, as shown in evidence.
pub(crate) const URL: &str = "URL";
/// Email kind.
pub(crate) const EMAIL: &str = "email";
/// Domain kind.
pub(crate) const DOMAIN: &str = "domain";
/// IP kind.
pub(crate) const IP: &str = "IP address";
/// Sensitive path kind.
pub(crate) const PATH: &str = "sensitive path";
/// Base64 kind.
pub(crate) const BASE64: &str = "base64 blob";
/// Hex kind.
pub(crate) const HEX: &str = "hex blob";

/// How far a sensitive path is widened to the path around it, in characters each side.
const MAX_PATH_EXPANSION: usize = 200;

/// Shortest encoded blob reported, in characters.
const MIN_BLOB: usize = 40;

/// One target found: kind, normalized key, folded byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Item {
    pub kind: &'static str,
    pub key: String,
    pub start: usize,
    pub end: usize,
    /// For URLs and emails: the host, which counts as already known when it was in the old text.
    pub host: Option<String>,
}

type Entry = (char, usize, usize);

/// Defanged separators read as the real one, when between two alphanumerics.
const DEFANGED: &[(&str, char)] = &[
    ("[.]", '.'),
    ("(.)", '.'),
    ("[dot]", '.'),
    ("(dot)", '.'),
    ("[@]", '@'),
    ("(@)", '@'),
    ("[at]", '@'),
    ("(at)", '@'),
];

/// `is_delimiter` on a byte of folded text (non-ASCII bytes are never delimiters; folded
/// text has only ASCII whitespace).
fn is_delimiter_byte(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t'
            | b'\n'
            | b'\r'
            | 0x0B
            | 0x0C
            | b'"'
            | b'\''
            | b'<'
            | b'>'
            | b'('
            | b')'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'`'
            | b'|'
            | b'\\'
            | b'^'
            | b','
    )
}

/// The defanged spelling at byte `i` of `lower`, if it stands between two alphanumerics.
fn defanged_at(lower: &str, i: usize) -> Option<(&'static str, char)> {
    let bytes = lower.as_bytes();
    if !i
        .checked_sub(1)
        .and_then(|p| bytes.get(p))
        .is_some_and(u8::is_ascii_alphanumeric)
    {
        return None;
    }
    let rest = lower.get(i..)?;
    DEFANGED.iter().copied().find(|(spelling, _)| {
        rest.starts_with(spelling)
            && bytes
                .get(i + spelling.len())
                .is_some_and(u8::is_ascii_alphanumeric)
    })
}

/// Chunks of `lower` that can hold a target (they contain `@`, `:`, `.` or a defanged
/// separator), as (char, folded start, folded end) entries with defanged spellings
/// replaced. Chunks without such a character are skipped without decoding.
fn chunks(lower: &str) -> Vec<Vec<Entry>> {
    let bytes = lower.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i).copied().is_some_and(is_delimiter_byte) {
            i += 1;
            continue;
        }
        // Find the end of this chunk.
        let start = i;
        let mut trigger = false;
        let mut in_ip_literal = false;
        while let Some(&b) = bytes.get(i) {
            if b == b'[' && i >= start + 3 && bytes.get(i - 3..i) == Some(b"://".as_slice()) {
                in_ip_literal = true;
                i += 1;
                continue;
            }
            if b == b']' && in_ip_literal {
                in_ip_literal = false;
                i += 1;
                continue;
            }
            if is_delimiter_byte(b) {
                if matches!(b, b'[' | b'(')
                    && let Some((spelling, _)) = defanged_at(lower, i)
                {
                    trigger = true;
                    i += spelling.len();
                    continue;
                }
                break;
            }
            trigger |= matches!(b, b'@' | b':' | b'.');
            i += 1;
        }
        if !trigger {
            continue;
        }
        let mut entries = Vec::new();
        let mut k = start;
        while k < i {
            if matches!(bytes.get(k), Some(b'[' | b'('))
                && let Some((spelling, real)) = defanged_at(lower, k)
            {
                entries.push((real, k, k + spelling.len()));
                k += spelling.len();
                continue;
            }
            let Some(c) = lower.get(k..).and_then(|r| r.chars().next()) else {
                break;
            };
            entries.push((c, k, k + c.len_utf8()));
            k += c.len_utf8();
        }
        out.push(entries);
    }
    out
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'
}

fn is_local_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_reserved(host: &str) -> bool {
    RESERVED_EXAMPLE_DOMAINS
        .iter()
        .any(|d| host == *d || host.strip_suffix(d).is_some_and(|h| h.ends_with('.')))
}

/// Whether `host` is `label(.label)+` with valid labels; returns the TLD.
fn host_tld(host: &str) -> Option<&str> {
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return None;
    }
    for label in &labels {
        if label.is_empty() || label.starts_with('-') || label.ends_with('-') || label.len() > 63 {
            return None;
        }
    }
    labels.last().copied()
}

fn looks_like_domain(host: &str) -> bool {
    let Some(tld) = host_tld(host) else {
        return false;
    };
    if !COMMON_TLDS.contains(&tld) || is_reserved(host) {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    labels
        .iter()
        .take(labels.len().saturating_sub(1))
        .any(|l| l.chars().any(|c| c.is_ascii_lowercase()))
}

fn is_ipv4(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

fn is_ipv6(s: &str) -> bool {
    let colons = s.matches(':').count();
    if colons < 2 || s.contains(":::") {
        return false;
    }
    let compressed = s.contains("::");
    if s.matches("::").count() > 1 || (!compressed && colons != 7) {
        return false;
    }
    let groups: Vec<&str> = s.split(':').filter(|g| !g.is_empty()).collect();
    if groups
        .iter()
        .any(|g| g.len() > 4 || !g.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return false;
    }
    if compressed {
        s == "::1"
            || (!groups.is_empty() && groups.len() <= 7 && groups.iter().any(|g| g.len() >= 2))
    } else {
        groups.len() == 8
    }
}

fn collect(chars: &[char], from: usize, to: usize) -> String {
    chars.get(from..to).unwrap_or_default().iter().collect()
}

struct ChunkScan<'c> {
    entries: &'c [Entry],
    chars: Vec<char>,
    lower: &'c str,
    text: &'c str,
}

impl ChunkScan<'_> {
    fn span(&self, from: usize, to: usize) -> (usize, usize) {
        let start = self.entries.get(from).map_or(0, |e| e.1);
        let end = to
            .checked_sub(1)
            .and_then(|t| self.entries.get(t))
            .map_or(start, |e| e.2);
        (start, end)
    }

    fn at(&self, k: usize) -> Option<char> {
        self.chars.get(k).copied()
    }

    fn item(&self, kind: &'static str, from: usize, to: usize, host: Option<String>) -> Item {
        let (start, end) = self.span(from, to);
        Item {
            kind,
            key: collect(&self.chars, from, to),
            start,
            end,
            host,
        }
    }

    /// The start of a URL in `0..len`, if any.
    fn find_url(&self, len: usize) -> Option<(usize, bool)> {
        for k in 0..len {
            if self.at(k) != Some(':') {
                continue;
            }
            let mut s = k;
            while s > 0
                && k - s < 16
                && self.at(s - 1).is_some_and(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '.' | '-')
                })
            {
                s -= 1;
            }
            while s < k && !self.at(s).is_some_and(|c| c.is_ascii_lowercase()) {
                s += 1;
            }
            let scheme = collect(&self.chars, s, k);
            let slashes = self.at(k + 1) == Some('/') && self.at(k + 2) == Some('/');
            if slashes && URL_SCHEMES.contains(&scheme.as_str()) {
                return Some((s, true));
            }
            let boundary = s == 0 || !self.at(s - 1).is_some_and(|c| c.is_alphanumeric());
            if boundary
                && OPAQUE_URL_SCHEMES.contains(&scheme.as_str())
                && self
                    .at(k + 1)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == ',')
            {
                return Some((s, false));
            }
        }
        None
    }

    fn url_host(&self, start: usize, len: usize) -> String {
        let body = collect(&self.chars, start, len);
        let after = body.split_once("://").map_or("", |(_, a)| a);
        let authority = after.split(['/', '?', '#']).next().unwrap_or_default();
        let host_port = authority.rsplit('@').next().unwrap_or_default();
        let host = if host_port.starts_with('[') {
            host_port
                .split(']')
                .next()
                .unwrap_or_default()
                .trim_start_matches('[')
        } else {
            host_port.split(':').next().unwrap_or_default()
        };
        host.to_string()
    }

    /// The alphabetic word before folded byte `start`, for the version guard.
    fn word_before(&self, start: usize) -> &str {
        let before = self.lower.get(..start).unwrap_or_default().trim_end();
        let word_start = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| c.is_ascii_alphabetic())
            .last()
            .map_or(before.len(), |(i, _)| i);
        before.get(word_start..).unwrap_or_default()
    }

    /// Whether the TLD of the host at `from..to` is written in capitals in the folded
    /// text (`ASP.NET`, `Socket.IO`): a product name, not a host.
    fn uppercase_tld(&self, from: usize, to: usize) -> bool {
        let (start, end) = self.span(from, to);
        let written = self.text.get(start..end).unwrap_or_default();
        let tld = written.rsplit('.').next().unwrap_or_default();
        !tld.is_empty() && tld.chars().all(|c| c.is_ascii_uppercase())
    }

    fn char_after_chunk(&self) -> Option<char> {
        let end = self.entries.last()?.2;
        self.lower.get(end..)?.chars().next()
    }

    fn scan(&self, out: &mut Vec<Item>) {
        let mut len = self.chars.len();
        while len > 0
            && self
                .at(len - 1)
                .is_some_and(|c| matches!(c, '.' | ';' | ':' | '!' | '?' | '*'))
        {
            len -= 1;
        }
        let mut plain_end = len;
        if let Some((start, hierarchical)) = self.find_url(len) {
            plain_end = start;
            let host = if hierarchical {
                self.url_host(start, len)
            } else {
                String::new()
            };
            if !is_reserved(&host) {
                let host = (!host.is_empty()).then_some(host);
                out.push(self.item(URL, start, len, host));
            }
        }
        self.scan_plain(plain_end, out);
    }

    fn scan_plain(&self, len: usize, out: &mut Vec<Item>) {
        let mut consumed = vec![false; len];
        // Emails.
        let mut floor = 0;
        for k in 0..len {
            if k < floor || self.at(k) != Some('@') {
                continue;
            }
            let mut l = k;
            while l > floor && self.at(l - 1).is_some_and(is_local_char) {
                l -= 1;
            }
            while l < k && self.at(l) == Some('.') {
                l += 1;
            }
            let mut d = k + 1;
            while d < len && self.at(d).is_some_and(is_host_char) {
                d += 1;
            }
            while d > k + 1 && self.at(d - 1).is_some_and(|c| c == '.' || c == '-') {
                d -= 1;
            }
            let domain = collect(&self.chars, k + 1, d);
            let tld_ok = host_tld(&domain)
                .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_lowercase()));
            if l < k && tld_ok {
                if !is_reserved(&domain) {
                    out.push(self.item(EMAIL, l, d, Some(domain)));
                }
                for c in consumed.iter_mut().take(d).skip(l) {
                    *c = true;
                }
                floor = d;
            }
        }
        // IPv6.
        let mut k = 0;
        while k < len {
            if consumed.get(k).copied().unwrap_or(true)
                || !self
                    .at(k)
                    .is_some_and(|c| c.is_ascii_hexdigit() || c == ':')
            {
                k += 1;
                continue;
            }
            let start = k;
            while k < len
                && !consumed.get(k).copied().unwrap_or(true)
                && self
                    .at(k)
                    .is_some_and(|c| c.is_ascii_hexdigit() || c == ':')
            {
                k += 1;
            }
            let mut candidate = collect(&self.chars, start, k);
            let mut end = k;
            if candidate.ends_with(':') && !candidate.ends_with("::") {
                candidate.pop();
                end -= 1;
            }
            let before_ok = start == 0
                || !self
                    .at(start - 1)
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
            let after_ok = !self.at(k).is_some_and(|c| c.is_alphanumeric() || c == '_');
            if before_ok && after_ok && is_ipv6(&candidate) {
                out.push(self.item(IP, start, end, None));
                for c in consumed.iter_mut().take(end).skip(start) {
                    *c = true;
                }
            }
        }
        // Domains and IPv4.
        let mut k = 0;
        while k < len {
            if consumed.get(k).copied().unwrap_or(true) || !self.at(k).is_some_and(is_host_char) {
                k += 1;
                continue;
            }
            let run_start = k;
            while k < len
                && !consumed.get(k).copied().unwrap_or(true)
                && self.at(k).is_some_and(is_host_char)
            {
                k += 1;
            }
            let (mut s, mut e) = (run_start, k);
            while s < e && self.at(s).is_some_and(|c| c == '.' || c == '-') {
                s += 1;
            }
            while e > s && self.at(e - 1).is_some_and(|c| c == '.' || c == '-') {
                e -= 1;
            }
            let prev = run_start.checked_sub(1).and_then(|p| self.at(p));
            let next = if k < self.chars.len() {
                self.at(k)
            } else {
                self.char_after_chunk()
            };
            let prev_ok = !prev.is_some_and(|c| {
                matches!(c, '/' | '\\' | '_' | '@' | '$' | '%')
                    || (c.is_alphanumeric() && !c.is_ascii())
            });
            let next_ok = !next
                .is_some_and(|c| c == '(' || c == '_' || (c.is_alphanumeric() && !c.is_ascii()));
            if s >= e || !prev_ok || !next_ok {
                continue;
            }
            let host = collect(&self.chars, s, e);
            if is_ipv4(&host) {
                let (fstart, _) = self.span(s, e);
                let word = self.word_before(fstart);
                if !matches!(
                    word,
                    "version" | "versions" | "v" | "ver" | "release" | "build"
                ) {
                    out.push(self.item(IP, s, e, None));
                }
            } else if looks_like_domain(&host) && !self.uppercase_tld(s, e) {
                out.push(self.item(DOMAIN, s, e, None));
            }
        }
    }
}

fn is_path_byte(b: u8) -> bool {
    !is_delimiter_byte(b)
}

fn sensitive_paths(folded: &Folded<'_>, out: &mut Vec<Item>) {
    let lower = folded.lower.as_str();
    let bytes = lower.as_bytes();
    for entry in SENSITIVE_PATHS {
        let mut covered_until = 0;
        for (p, _) in lower.match_indices(entry) {
            let end = p + entry.len();
            if p < covered_until {
                continue;
            }
            let prev = lower.get(..p).and_then(|b| b.chars().next_back());
            let next = lower.get(end..).and_then(|a| a.chars().next());
            let starts_word = entry.starts_with(|c: char| c.is_alphanumeric() || c == '.');
            if starts_word && prev.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if next.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let mut start = p;
            while start > 0
                && p - start < MAX_PATH_EXPANSION
                && bytes.get(start - 1).copied().is_some_and(is_path_byte)
            {
                start -= 1;
            }
            while !lower.is_char_boundary(start) {
                start += 1;
            }
            let mut stop = end;
            while stop - end < MAX_PATH_EXPANSION
                && bytes.get(stop).copied().is_some_and(is_path_byte)
            {
                stop += 1;
            }
            while !lower.is_char_boundary(stop) {
                stop -= 1;
            }
            while stop > end
                && bytes
                    .get(stop - 1)
                    .is_some_and(|b| matches!(b, b'.' | b',' | b';' | b':' | b'!' | b'?'))
            {
                stop -= 1;
            }
            covered_until = stop;
            let key = lower.get(start..stop).unwrap_or_default().to_string();
            out.push(Item {
                kind: PATH,
                key,
                start,
                end: stop,
                host: None,
            });
        }
    }
}

fn is_blob_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-')
}

fn classify_blob(run: &[u8]) -> Option<&'static str> {
    if run.len() < MIN_BLOB {
        return None;
    }
    let body = run.split(|&b| b == b'=').next().unwrap_or_default();
    if body.len() < MIN_BLOB {
        return None;
    }
    let (mut digits, mut upper, mut lower, mut hex_letters, mut separators, mut slashes) =
        (0, 0, 0, 0, 0, 0);
    for &b in body {
        match b {
            b'0'..=b'9' => digits += 1,
            b'A'..=b'F' => {
                upper += 1;
                hex_letters += 1;
            }
            b'a'..=b'f' => {
                lower += 1;
                hex_letters += 1;
            }
            b'G'..=b'Z' => upper += 1,
            b'g'..=b'z' => lower += 1,
            b'_' | b'-' => separators += 1,
            b'/' => slashes += 1,
            _ => {}
        }
    }
    if digits + hex_letters == body.len()
        && digits > 0
        && hex_letters > 0
        && (upper == 0 || lower == 0)
    {
        return Some(HEX);
    }
    let letters = upper + lower;
    let mixed =
        upper > 0 && lower > 0 && digits > 0 && upper * 5 >= letters && upper * 5 <= letters * 4;
    (mixed && separators * 10 <= body.len() && slashes * 10 <= body.len()).then_some(BASE64)
}

fn blobs(folded: &Folded<'_>, out: &mut Vec<Item>) {
    let bytes = folded.text.as_bytes();
    let mut k = 0;
    while k < bytes.len() {
        if !bytes.get(k).copied().is_some_and(is_blob_byte) {
            k += 1;
            continue;
        }
        let start = k;
        while bytes.get(k).copied().is_some_and(is_blob_byte) {
            k += 1;
        }
        let mut pad = 0;
        while pad < 2 && bytes.get(k) == Some(&b'=') {
            k += 1;
            pad += 1;
        }
        let run = bytes.get(start..k).unwrap_or_default();
        if let Some(kind) = classify_blob(run) {
            let key = String::from_utf8_lossy(run).into_owned();
            out.push(Item {
                kind,
                key,
                start,
                end: k,
                host: None,
            });
        }
    }
}

/// Every target in the folded text, in text order (duplicates included).
pub(crate) fn items(folded: &Folded<'_>) -> Vec<Item> {
    let mut out = Vec::new();
    for entries in chunks(&folded.lower) {
        let scan = ChunkScan {
            chars: entries.iter().map(|e| e.0).collect(),
            entries: &entries,
            lower: &folded.lower,
            text: &folded.text,
        };
        scan.scan(&mut out);
    }
    sensitive_paths(folded, &mut out);
    blobs(folded, &mut out);
    out.sort_by(|a, b| (a.start, a.end, a.kind, &a.key).cmp(&(b.start, b.end, b.kind, &b.key)));
    out
}

fn decode_base64(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => break,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xFF) as u8);
        }
    }
    out
}

fn decode_hex(s: &str) -> Vec<u8> {
    s.as_bytes()
        .chunks(2)
        .filter_map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
        })
        .collect()
}

/// A decoded preview when the blob decodes to mostly printable text.
fn preview(kind: &str, key: &str) -> Option<String> {
    let bytes = if kind == BASE64 {
        decode_base64(key)
    } else {
        decode_hex(key)
    };
    let text = String::from_utf8(bytes).ok()?;
    let printable = text
        .chars()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .count();
    (printable * 10 >= text.chars().count() * 9 && !text.is_empty()).then_some(text)
}

fn describe(item: &Item, folded: &Folded<'_>) -> String {
    let original = folded.original_slice(item.start, item.end);
    let mut out = format!("{} \"{}\"", item.kind, quote(original));
    if item.kind == BASE64 || item.kind == HEX {
        let _ = write!(out, " ({} characters", original.chars().count());
        if let Some(text) = preview(item.kind, &item.key) {
            let _ = write!(out, ", decodes to \"{}\"", quote(&text));
        }
        out.push(')');
    }
    out
}

/// The finding for targets `new` adds over `old` (compared as sets).
pub(crate) fn scan(old: &Folded<'_>, new: &Folded<'_>) -> Option<Finding> {
    let mut known: BTreeSet<(&str, String)> = BTreeSet::new();
    for item in items(old) {
        if let Some(host) = &item.host {
            known.insert((DOMAIN, host.clone()));
        }
        known.insert((item.kind, item.key));
    }
    let mut added = Vec::new();
    for item in items(new) {
        if known.insert((item.kind, item.key.clone())) {
            added.push(describe(&item, new));
        }
    }
    if added.is_empty() {
        return None;
    }
    let total = added.len();
    let shown: Vec<&str> = added.iter().take(3).map(String::as_str).collect();
    let mut message = format!(
        "added exfiltration target{}: {}",
        if total == 1 { "" } else { "s" },
        shown.join(", ")
    );
    if total > 3 {
        let _ = write!(message, " and {} more", total - 3);
    }
    added.truncate(MAX_EVIDENCE + 1);
    Some(Finding {
        rule: EXFILTRATION_TARGET,
        message,
        evidence: cap_evidence(added, total),
    })
}
