//! Alert payloads with receipts, rendered by the core so every binding sends the
//! same bytes: a generic webhook (JSON + HMAC-SHA256 signature), a Slack-compatible
//! incoming-webhook message, and an email (subject, plain text, HTML).
//!
//! A [`Receipt`] says what drifted and since when: the surface, its source (described
//! without secrets), when the new digest was first seen, when the approved one was
//! last seen and when it was approved (times are passed in: the core has no clock),
//! and the classified changes with their before/after values.
//!
//! Every attacker-controlled string (tool descriptions, paths, values) is made visible
//! ([`crate::render::escape::visible`]: hidden characters written as `\u{…}`) and then
//! escaped for the target: JSON by serde, Slack `&`/`<`/`>` entities, HTML entities.
//!
//! ```
//! use driftguard_core::alert::{signature, SIGNATURE_HEADER};
//! assert_eq!(SIGNATURE_HEADER, "X-DriftGuard-Signature");
//! // RFC 4231 test case 2.
//! assert_eq!(
//!     signature(b"Jefe", b"what do ya want for nothing?"),
//!     "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
//! );
//! ```

mod hmac;

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

pub use hmac::hmac_sha256;

use crate::classify::{Change, Report, Severity};
use crate::config::SurfaceConfig;
use crate::error::{Error, Location, Result};
use crate::render::escape::visible;
use crate::render::{OutputFormat, RenderOptions, render};

/// The alert format version in webhook bodies.
pub const ALERT_FORMAT: &str = "driftguard.alert/1";
/// The header carrying the webhook body's signature.
pub const SIGNATURE_HEADER: &str = "X-DriftGuard-Signature";
/// The most changes listed one by one in a Slack message (Slack allows 50 blocks).
pub const SLACK_MAX_CHANGES: usize = 20;

/// What drifted and since when.
#[derive(Clone, Debug, PartialEq)]
pub struct Receipt {
    /// The surface name.
    pub surface: String,
    /// Where it is captured from, without secrets ([`Source::describe`](crate::config::Source::describe)).
    pub source: String,
    /// When the new digest was first observed (RFC 3339).
    pub first_seen: String,
    /// When the approved digest was last observed (RFC 3339), if ever: the exposure
    /// window is `last_approved_seen` … `first_seen`.
    pub last_approved_seen: Option<String>,
    /// When the approved snapshot was approved (RFC 3339), if known.
    pub approved_at: Option<String>,
    /// The classified changes (old = approved digest, new = observed digest).
    pub report: Report,
}

impl Receipt {
    /// A receipt for a surface of the configuration. Times must be RFC 3339
    /// (`E_CONFIG` otherwise).
    pub fn new(
        surface: &SurfaceConfig,
        report: Report,
        first_seen: &str,
        last_approved_seen: Option<&str>,
        approved_at: Option<&str>,
    ) -> Result<Receipt> {
        for (name, t) in [
            ("first_seen", Some(first_seen)),
            ("last_approved_seen", last_approved_seen),
            ("approved_at", approved_at),
        ] {
            if let Some(t) = t
                && !crate::lock::is_timestamp(t)
            {
                return Err(Error::Config {
                    message: format!(
                        "receipt time `{name}` {t:?} is not an RFC 3339 time such as \"2026-11-24T23:00:00Z\""
                    ),
                    location: Location::default(),
                });
            }
        }
        Ok(Receipt {
            surface: surface.name.clone(),
            source: surface.source.describe(),
            first_seen: first_seen.to_owned(),
            last_approved_seen: last_approved_seen.map(str::to_owned),
            approved_at: approved_at.map(str::to_owned),
            report,
        })
    }

    /// The most severe change, `None` when nothing changed.
    pub fn max_severity(&self) -> Option<Severity> {
        self.report.max_severity()
    }

    /// True when a sink whose `on` is `on` should get this receipt: some change is at
    /// least that severe.
    pub fn triggers(&self, on: Severity) -> bool {
        self.max_severity().is_some_and(|m| m >= on)
    }

    /// `3 breaking, 1 dangerous, 0 safe` (or `no changes`).
    pub fn summary(&self) -> String {
        crate::render::summary_line(&self.report)
    }

    /// The receipt as JSON (keys sorted).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("approved_at".into(), json!(self.approved_at));
        m.insert("first_seen".into(), json!(self.first_seen));
        m.insert("last_approved_seen".into(), json!(self.last_approved_seen));
        m.insert(
            "max_severity".into(),
            json!(self.max_severity().map(Severity::name)),
        );
        m.insert("new_digest".into(), json!(self.report.new));
        m.insert("old_digest".into(), json!(self.report.old));
        m.insert(
            "report".into(),
            serde_json::to_value(&self.report).unwrap_or(Value::Null),
        );
        m.insert("source".into(), json!(self.source));
        m.insert("surface".into(), json!(self.surface));
        Value::Object(m)
    }
}

/// A webhook request as the binding sends it: `POST` the body with these headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookRequest {
    /// The body: compact JSON, keys sorted, no final newline (these exact bytes are signed).
    pub body: String,
    /// `Content-Type`, `X-DriftGuard-Event`, and the signature header when a secret
    /// was given (sink headers from the configuration are added by the binding).
    pub headers: Vec<(String, String)>,
}

/// `sha256=` + hex HMAC-SHA256 of `body` under `secret`: the value of
/// [`SIGNATURE_HEADER`]. A receiver recomputes it over the raw body and compares in
/// constant time.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hmac::hex(&hmac_sha256(secret, body)))
}

/// The generic webhook request for a receipt. `secret` is the sink's expanded
/// signing secret; it is used only as the HMAC key and appears nowhere in the output.
pub fn webhook(receipt: &Receipt, secret: Option<&[u8]>) -> WebhookRequest {
    let doc = sorted_keys(json!({
        "event": "drift",
        "format": ALERT_FORMAT,
        "receipt": receipt.to_json(),
    }));
    let body = serde_json::to_string(&doc).unwrap_or_default();
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("X-DriftGuard-Event".to_owned(), "drift".to_owned()),
    ];
    if let Some(secret) = secret {
        headers.push((
            SIGNATURE_HEADER.to_owned(),
            signature(secret, body.as_bytes()),
        ));
    }
    WebhookRequest { body, headers }
}

/// The value with every object's keys in sorted order, whatever order serde_json's
/// map keeps (so the bytes do not depend on its `preserve_order` feature).
pub(crate) fn sorted_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let sorted: std::collections::BTreeMap<String, Value> =
                m.into_iter().map(|(k, v)| (k, sorted_keys(v))).collect();
            Value::Object(sorted.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

/// Escapes text for Slack `mrkdwn` (`&`, `<`, `>`), hidden characters made visible.
pub fn escape_slack(text: &str) -> String {
    visible(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escapes text for HTML element content and attribute values, hidden characters
/// made visible.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in visible(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a Markdown paragraph: hidden characters made visible, Markdown
/// punctuation and HTML-significant characters backslash-escaped or replaced by entities.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in visible(text).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Cuts a string to at most `max` characters, marking the cut with `…`.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// A before/after value as compact JSON (the text renderer's form).
fn value_text(v: &Value) -> String {
    v.to_string()
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Breaking => "BREAKING",
        Severity::Dangerous => "DANGEROUS",
        Severity::Safe => "SAFE",
    }
}

/// The Slack-compatible incoming-webhook payload (compact JSON, keys sorted): a
/// `text` fallback and Block Kit `blocks` — a header, the receipt facts, up to
/// [`SLACK_MAX_CHANGES`] changes with before/after, and a count of the rest.
pub fn slack(receipt: &Receipt) -> String {
    let title = cut(&format!("DriftGuard: drift on {}", receipt.surface), 150);
    let mut facts = format!(
        "*Surface:* {}\n*Source:* {}\n*Summary:* {}\n*First seen:* {}",
        escape_slack(&receipt.surface),
        escape_slack(&receipt.source),
        escape_slack(&receipt.summary()),
        escape_slack(&receipt.first_seen),
    );
    if let Some(t) = &receipt.last_approved_seen {
        let _ = write!(facts, "\n*Approved shape last seen:* {}", escape_slack(t));
    }
    if let Some(t) = &receipt.approved_at {
        let _ = write!(facts, "\n*Approved at:* {}", escape_slack(t));
    }
    let _ = write!(
        facts,
        "\n*Digests:* `{}` → `{}`",
        escape_slack(&receipt.report.old),
        escape_slack(&receipt.report.new)
    );
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": visible(&title)}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": facts}}),
        json!({"type": "divider"}),
    ];
    for c in receipt.report.changes.iter().take(SLACK_MAX_CHANGES) {
        blocks
            .push(json!({"type": "section", "text": {"type": "mrkdwn", "text": slack_change(c)}}));
    }
    let rest = receipt
        .report
        .changes
        .len()
        .saturating_sub(SLACK_MAX_CHANGES);
    if rest > 0 {
        blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn",
            "text": format!("…and {rest} more change{}", if rest == 1 { "" } else { "s" })}]}));
    }
    let doc = sorted_keys(json!({
        "blocks": blocks,
        "text": escape_slack(&format!("DriftGuard: {} drifted — {}", receipt.surface, receipt.summary())),
    }));
    serde_json::to_string(&doc).unwrap_or_default()
}

fn slack_change(c: &Change) -> String {
    let mut s = format!(
        "*{}* `{}` {}\n{}",
        severity_label(c.severity),
        escape_slack(&c.rule),
        escape_slack(&cut(&c.path, 300)),
        escape_slack(&cut(&c.message, 600)),
    );
    if let Some(b) = &c.before {
        let _ = write!(s, "\n*Before:* {}", escape_slack(&cut(&value_text(b), 800)));
    }
    if let Some(a) = &c.after {
        let _ = write!(s, "\n*After:* {}", escape_slack(&cut(&value_text(a), 800)));
    }
    s
}

/// An email: the binding adds `From`/`To` from the sink and sends it as
/// `multipart/alternative` (text, then HTML), UTF-8.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    /// One line, no CR/LF: `[DriftGuard] petstore drifted: 1 breaking, 0 dangerous, 2 safe`.
    pub subject: String,
    /// The plain-text part: the receipt facts, then the text report.
    pub text: String,
    /// The HTML part: the same, every string escaped.
    pub html: String,
}

/// Renders the email for a receipt.
pub fn email(receipt: &Receipt) -> Email {
    let subject: String = visible(&format!(
        "[DriftGuard] {} drifted: {}",
        receipt.surface,
        receipt.summary()
    ))
    .chars()
    .filter(|c| !c.is_control())
    .collect();
    let facts = facts(receipt);
    let mut text = format!(
        "DriftGuard detected drift on surface {}.\n\n",
        visible(&receipt.surface)
    );
    let width = facts.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    for (k, v) in &facts {
        let _ = writeln!(text, "{:<width$} {}", format!("{k}:"), visible(v));
    }
    text.push('\n');
    text.push_str(&render(
        &receipt.report,
        OutputFormat::Text,
        &RenderOptions {
            file: Some(receipt.surface.clone()),
            ..RenderOptions::default()
        },
    ));

    let mut html = String::from("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    html.push_str(&escape_html(&subject));
    html.push_str("</title></head><body>\n");
    let _ = writeln!(
        html,
        "<h1>Drift on {}</h1>\n<table>",
        escape_html(&receipt.surface)
    );
    for (k, v) in &facts {
        let _ = writeln!(
            html,
            "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
            escape_html(k),
            escape_html(v)
        );
    }
    html.push_str("</table>\n");
    if receipt.report.changes.is_empty() {
        html.push_str("<p>No classified changes.</p>\n");
    } else {
        html.push_str("<table border=\"1\" cellpadding=\"4\">\n<tr><th>Severity</th><th>Rule</th><th>Path</th><th>Message</th><th>Before</th><th>After</th></tr>\n");
        for c in &receipt.report.changes {
            let cell = |v: &Option<Value>| {
                v.as_ref()
                    .map(|v| format!("<pre>{}</pre>", escape_html(&cut(&value_text(v), 2000))))
                    .unwrap_or_default()
            };
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                severity_label(c.severity),
                escape_html(&c.rule),
                escape_html(&c.path),
                escape_html(&c.message),
                cell(&c.before),
                cell(&c.after)
            );
        }
        html.push_str("</table>\n");
    }
    html.push_str("</body></html>\n");
    Email {
        subject,
        text,
        html,
    }
}

fn facts(r: &Receipt) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("Surface", r.surface.clone()),
        ("Source", r.source.clone()),
        ("Summary", r.summary()),
        ("First seen", r.first_seen.clone()),
    ];
    if let Some(t) = &r.last_approved_seen {
        out.push(("Approved shape last seen", t.clone()));
    }
    if let Some(t) = &r.approved_at {
        out.push(("Approved at", t.clone()));
    }
    out.push(("Approved digest", r.report.old.clone()));
    out.push(("Observed digest", r.report.new.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            escape_html("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(
            escape_slack("<!channel> & <@U1>"),
            "&lt;!channel&gt; &amp; &lt;@U1&gt;"
        );
        assert_eq!(
            escape_markdown("*a* <b> `c` \u{200b}"),
            "\\*a\\* &lt;b&gt; \\`c\\` \\\\u{200b}"
        );
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
    }
}
