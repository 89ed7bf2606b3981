//! Alert payloads: exact bytes of the webhook body, its signature, the Slack message
//! and the email for a real drift (postmark-mcp 1.0.15 → the poisoned 1.0.16), hostile
//! text escaped, and no secret anywhere.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use driftguard_core::alert::{
    Receipt, SIGNATURE_HEADER, email, hmac_sha256, signature, slack, webhook,
};
use driftguard_core::classify::Severity;
use driftguard_core::classify::diff::diff;
use driftguard_core::classify::policy::Policy;
use driftguard_core::config::{Config, redact};
use driftguard_core::lock::Lock;

use common::{SECRETS, assert_no_secret, config, contract, env, golden};

fn receipt() -> Receipt {
    let c = config();
    let old = contract("postmark-mcp-1.0.15.json");
    let new = contract("postmark-mcp-1.0.16-poisoned.json");
    let report = diff(&old, &new, &Policy::default(), Some("2026-11-24")).unwrap();
    Receipt::new(
        c.surface("postmark").unwrap(),
        report,
        "2026-11-24T10:15:00Z",
        Some("2026-11-24T10:10:00Z"),
        Some("2026-11-20T09:05:00+01:00"),
    )
    .unwrap()
}

fn webhook_secret(c: &Config) -> String {
    c.alerts.webhooks[0]
        .secret
        .as_ref()
        .unwrap()
        .expand(&env)
        .unwrap()
}

#[test]
fn webhook_body_and_signature() {
    let r = receipt();
    let c = config();
    let secret = webhook_secret(&c);
    assert_eq!(secret, "whsec-SECRET-3456");
    let req = webhook(&r, Some(secret.as_bytes()));
    golden("alert.webhook.json", &format!("{}\n", req.body));
    let sig = signature(secret.as_bytes(), req.body.as_bytes());
    assert_eq!(
        req.headers,
        [
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("X-DriftGuard-Event".to_owned(), "drift".to_owned()),
            (SIGNATURE_HEADER.to_owned(), sig.clone()),
        ]
    );
    golden("alert.webhook.signature", &format!("{sig}\n"));
    // A receiver verifies over the raw bytes; one changed byte breaks it.
    let mut tampered = req.body.clone().into_bytes();
    tampered[10] ^= 1;
    assert_ne!(signature(secret.as_bytes(), &tampered), sig);
    assert_ne!(signature(b"other", req.body.as_bytes()), sig);
    assert_eq!(sig.len(), "sha256=".len() + 64);
    // Same inputs, same bytes.
    assert_eq!(webhook(&r, Some(secret.as_bytes())), req);
    // Unsigned when the sink has no secret.
    assert_eq!(webhook(&r, None).headers.len(), 2);

    let body: serde_json::Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(body["format"], "driftguard.alert/1");
    let rec = &body["receipt"];
    assert_eq!(rec["surface"], "postmark");
    assert_eq!(
        rec["source"],
        "mcp_stdio npx -y postmark-mcp@1.0.16 (env: POSTMARK_SERVER_TOKEN)"
    );
    assert_eq!(rec["first_seen"], "2026-11-24T10:15:00Z");
    assert_eq!(rec["last_approved_seen"], "2026-11-24T10:10:00Z");
    assert_eq!(rec["max_severity"], "breaking");
    assert_eq!(
        rec["old_digest"],
        contract("postmark-mcp-1.0.15.json").digest()
    );
    let changes = rec["report"]["changes"].as_array().unwrap();
    let bcc = changes
        .iter()
        .find(|c| c["rule"] == "mcp-tool-parameter-added")
        .unwrap();
    assert_eq!(bcc["severity"], "dangerous");
    assert_eq!(bcc["path"], "tool sendEmail › input › bcc");
    assert_eq!(
        bcc["after"]["description"],
        "Optional BCC recipient(s), comma-separated"
    );
    let version = changes
        .iter()
        .find(|c| c["rule"] == "mcp-server-version-changed")
        .unwrap();
    assert_eq!(
        (version["before"].as_str(), version["after"].as_str()),
        (Some("1.0.15"), Some("1.0.16"))
    );
}

#[test]
fn hmac_matches_rfc_4231_case_1_and_long_keys() {
    let mac = hmac_sha256(&[0x0b; 20], b"Hi There");
    assert_eq!(
        mac.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    );
}

#[test]
fn slack_payload() {
    let r = receipt();
    let out = slack(&r);
    golden("alert.slack.json", &format!("{out}\n"));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["text"],
        "DriftGuard: postmark drifted — 3 breaking, 4 dangerous, 0 safe"
    );
    let blocks = v["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 3 + r.report.changes.len());
    // Attacker text cannot ping channels or open links: no raw `<` in any text.
    for b in blocks {
        let t = b["text"]["text"].as_str().unwrap_or("");
        assert!(!t.contains('<') && !t.contains('>'), "{t}");
    }
    assert!(out.contains("&lt;IMPORTANT&gt;"));
    // Hidden characters are shown as escapes, never passed through.
    assert!(!out.contains('\u{200b}') && !out.contains('\u{e0041}'));
    assert!(
        out.contains("\\\\u{200B}") || out.contains("\\\\u{200b}"),
        "hidden characters shown"
    );
}

#[test]
fn slack_caps_the_number_of_blocks() {
    let c = config();
    let report = diff(
        &contract("petstore-v1.yaml"),
        &contract("petstore-v2.yaml"),
        &Policy::default(),
        None,
    )
    .unwrap();
    let mut many = report.clone();
    while many.changes.len() < 45 {
        many.changes.extend(report.changes.clone());
    }
    let r = Receipt::new(
        c.surface("petstore").unwrap(),
        many.clone(),
        "2026-11-24T10:15:00Z",
        None,
        None,
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&slack(&r)).unwrap();
    let blocks = v["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 3 + 20 + 1);
    assert_eq!(
        blocks.last().unwrap()["elements"][0]["text"],
        format!("…and {} more changes", many.changes.len() - 20)
    );
}

#[test]
fn email_payload() {
    let r = receipt();
    let e = email(&r);
    assert_eq!(
        e.subject,
        "[DriftGuard] postmark drifted: 3 breaking, 4 dangerous, 0 safe"
    );
    golden("alert.email.txt", &e.text);
    golden("alert.email.html", &e.html);
    // Every document string is escaped: the poisoned description's pseudo-tags and
    // quotes arrive as text, never as markup.
    assert!(!e.html.contains("<IMPORTANT>") && !e.html.contains("</IMPORTANT>"));
    assert!(e.html.contains("&lt;IMPORTANT&gt;"));
    let tags: Vec<&str> = e
        .html
        .match_indices('<')
        .map(|(i, _)| {
            let rest = &e.html[i + 1..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '/' || c == '!'))
                .unwrap();
            &rest[..end]
        })
        .collect();
    for t in &tags {
        assert!(
            [
                "!DOCTYPE", "html", "/html", "head", "/head", "meta", "title", "/title", "body",
                "/body", "h1", "/h1", "table", "/table", "tr", "/tr", "th", "/th", "td", "/td",
                "code", "/code", "pre", "/pre", "p", "/p"
            ]
            .contains(t),
            "unexpected tag <{t}"
        );
    }
    assert!(!e.html.contains('\u{200b}') && !e.text.contains('\u{e0041}'));
    assert!(!e.subject.contains('\n') && !e.subject.contains('\r'));
}

#[test]
fn receipt_times_are_checked_and_triggers_follow_severity() {
    let c = config();
    let r = receipt();
    assert!(r.triggers(Severity::Safe) && r.triggers(Severity::Breaking));
    let e = Receipt::new(
        c.surface("postmark").unwrap(),
        r.report.clone(),
        "now",
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_CONFIG");
    let safe_only = diff(
        &contract("postmark-mcp-1.0.15.json"),
        &contract("postmark-mcp-1.0.16.json"),
        &Policy::default(),
        None,
    )
    .unwrap();
    let r2 = Receipt::new(
        c.surface("postmark").unwrap(),
        safe_only,
        "2026-11-24T10:15:00Z",
        None,
        None,
    )
    .unwrap();
    assert_eq!(r2.max_severity(), Some(Severity::Dangerous));
    assert!(!r2.triggers(Severity::Breaking));
    assert!(r2.triggers(Severity::Dangerous));
}

/// The end-to-end secrets check: tokens placed in headers, MCP env, a URL query and
/// the webhook secret appear in no payload, lock, check output, description, or error.
#[test]
fn no_secret_in_any_output() {
    let c = config();
    let r = receipt();
    let secret = webhook_secret(&c);
    let mut outputs: Vec<(String, String)> = vec![
        (
            "webhook body".into(),
            webhook(&r, Some(secret.as_bytes())).body,
        ),
        (
            "webhook headers".into(),
            format!("{:?}", webhook(&r, Some(secret.as_bytes())).headers),
        ),
        ("slack".into(), slack(&r)),
        ("email".into(), format!("{:?}", email(&r))),
        ("config debug".into(), format!("{c:?}")),
    ];
    let mut lock = Lock::new();
    for s in &c.surfaces {
        lock.approve(s, &contract("petstore-v1.yaml"), "2026-11-24T10:00:00Z")
            .unwrap();
        outputs.push((format!("describe {}", s.name), s.source.describe()));
        outputs.push((
            format!("source json {}", s.name),
            s.source.to_json(&s.headers).to_string(),
        ));
        outputs.push((
            format!("resolved debug {}", s.name),
            format!("{:?}", s.resolve(&env).unwrap()),
        ));
        if let Err(e) = s.resolve(&|_: &str| None) {
            outputs.push((format!("env error {}", s.name), e.to_string()));
        }
    }
    outputs.push(("lock".into(), lock.to_string()));
    for (what, text) in &outputs {
        assert_no_secret(what, text);
    }
    // The binding's scrubber knows every secret the configuration can produce.
    let known = c.secret_values(&env);
    for s in SECRETS {
        assert!(
            known.iter().any(|k| k.contains(s)),
            "{s} not known as secret"
        );
        let line = format!("error: connect to https://x/?key={s} failed");
        assert!(!redact(&line, &known).contains(s));
    }
}
