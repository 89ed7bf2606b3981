//! Writing a [`Config`] back as TOML: one fixed layout, so the output depends only on
//! the configuration.

use std::fmt::Write as _;

use super::duration;
use super::{Config, Header, PackageTie, PolicyRef, Source, SurfaceConfig};
use crate::classify::policy::Policy;

/// A TOML value in the order it is written.
enum W {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Array(Vec<W>),
    Table(Vec<(String, W)>),
    /// An array of tables, written as `[[…]]` sections.
    Tables(Vec<Vec<(String, W)>>),
}

pub(super) fn config(c: &Config) -> String {
    let mut root: Vec<(String, W)> = Vec::new();
    root.push((
        "defaults".into(),
        W::Table(vec![
            ("interval".into(), dur(c.defaults.interval)),
            ("timeout".into(), dur(c.defaults.timeout)),
        ]),
    ));
    let mut watch = Vec::new();
    if let Some(s) = &c.watch.store {
        watch.push(("store".into(), W::Str(s.template().as_str().to_owned())));
    }
    watch.push(("concurrency".into(), W::Int(i64::from(c.watch.concurrency))));
    watch.push(("jitter".into(), W::Float(c.watch.jitter)));
    watch.push(("max_backoff".into(), dur(c.watch.max_backoff)));
    match c.watch.retention {
        Some(d) if d == super::DEFAULT_RETENTION => {}
        Some(d) => watch.push(("retention".into(), dur(d))),
        None => watch.push(("retention".into(), W::Str("forever".into()))),
    }
    root.push(("watch".into(), W::Table(watch)));
    root.push(("policy".into(), policy_ref(&c.policy)));
    root.push((
        "surface".into(),
        W::Tables(
            c.surfaces
                .iter()
                // Companion package surfaces are derived from their MCP surface again.
                .filter(|s| !matches!(&s.source, Source::Package { of: Some(_), .. }))
                .map(|s| surface(c, s))
                .collect(),
        ),
    ));
    let mut alerts = Vec::new();
    alerts.push((
        "webhook".into(),
        W::Tables(
            c.alerts
                .webhooks
                .iter()
                .map(|w| {
                    let mut t = vec![
                        ("name".into(), W::Str(w.name.clone())),
                        ("url".into(), W::Str(w.url.as_str().to_owned())),
                    ];
                    if let Some(s) = &w.secret {
                        t.push(("secret".into(), W::Str(s.template().as_str().to_owned())));
                    }
                    t.push(("on".into(), W::Str(w.on.name().to_owned())));
                    t.push(("headers".into(), headers(&w.headers)));
                    t
                })
                .collect(),
        ),
    ));
    alerts.push((
        "slack".into(),
        W::Tables(
            c.alerts
                .slack
                .iter()
                .map(|s| {
                    vec![
                        ("name".into(), W::Str(s.name.clone())),
                        ("url".into(), W::Str(s.url.template().as_str().to_owned())),
                        ("on".into(), W::Str(s.on.name().to_owned())),
                    ]
                })
                .collect(),
        ),
    ));
    alerts.push((
        "email".into(),
        W::Tables(
            c.alerts
                .email
                .iter()
                .map(|e| {
                    let mut t = vec![
                        ("name".into(), W::Str(e.name.clone())),
                        ("host".into(), W::Str(e.host.clone())),
                        ("port".into(), W::Int(i64::from(e.port))),
                        ("starttls".into(), W::Bool(e.starttls)),
                        ("from".into(), W::Str(e.from.clone())),
                        (
                            "to".into(),
                            W::Array(e.to.iter().map(|a| W::Str(a.clone())).collect()),
                        ),
                    ];
                    if let Some(u) = &e.username {
                        t.push(("username".into(), W::Str(u.as_str().to_owned())));
                    }
                    if let Some(p) = &e.password {
                        t.push(("password".into(), W::Str(p.template().as_str().to_owned())));
                    }
                    t.push(("on".into(), W::Str(e.on.name().to_owned())));
                    t
                })
                .collect(),
        ),
    ));
    root.push(("alerts".into(), W::Table(alerts)));
    let mut out = String::new();
    table(&mut out, "", &root);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn dur(d: std::time::Duration) -> W {
    W::Str(duration::format(d))
}

fn headers(hs: &[Header]) -> W {
    W::Table(
        hs.iter()
            .map(|h| {
                (
                    h.name.clone(),
                    W::Str(h.value.template().as_str().to_owned()),
                )
            })
            .collect(),
    )
}

fn surface(c: &Config, s: &SurfaceConfig) -> Vec<(String, W)> {
    let mut t = vec![("name".into(), W::Str(s.name.clone()))];
    match &s.source {
        Source::File { path } => t.push(("file".into(), W::Str(path.clone()))),
        Source::Url { url } => t.push(("url".into(), W::Str(url.as_str().to_owned()))),
        Source::McpHttp { url } => t.push(("mcp_http".into(), W::Str(url.as_str().to_owned()))),
        Source::Endpoint {
            url,
            samples,
            sample_interval,
        } => t.push((
            "endpoint".into(),
            W::Table(vec![
                ("url".into(), W::Str(url.as_str().to_owned())),
                ("samples".into(), W::Int(i64::from(*samples))),
                ("sample_interval".into(), dur(*sample_interval)),
            ]),
        )),
        Source::Package { spec, .. } => t.push(("package".into(), W::Str(spec.to_string()))),
        Source::McpStdio {
            command,
            env,
            cwd,
            package,
        } => {
            let mut m = vec![(
                "command".into(),
                W::Array(
                    command
                        .iter()
                        .map(|a| W::Str(a.as_str().to_owned()))
                        .collect(),
                ),
            )];
            if let Some(cwd) = cwd {
                m.push(("cwd".into(), W::Str(cwd.clone())));
            }
            m.push((
                "env".into(),
                W::Table(
                    env.iter()
                        .map(|(k, v)| (k.clone(), W::Str(v.template().as_str().to_owned())))
                        .collect(),
                ),
            ));
            match package {
                PackageTie::Auto => {}
                PackageTie::Off => m.push(("package".into(), W::Bool(false))),
                PackageTie::Spec(spec) => m.push(("package".into(), W::Str(spec.to_string()))),
            }
            t.push(("mcp_stdio".into(), W::Table(m)));
        }
    }
    if s.interval != c.defaults.interval {
        t.push(("interval".into(), dur(s.interval)));
    }
    if s.timeout != c.defaults.timeout {
        t.push(("timeout".into(), dur(s.timeout)));
    }
    t.push(("headers".into(), headers(&s.headers)));
    if let Some(p) = &s.policy {
        t.push(("policy".into(), policy_ref(p)));
    }
    t
}

fn policy_ref(p: &PolicyRef) -> W {
    match p {
        PolicyRef::File { path, .. } => W::Str(path.clone()),
        PolicyRef::Inline(p) => policy(p),
    }
}

fn policy(p: &Policy) -> W {
    W::Table(vec![
        ("profile".into(), W::Str(p.profile.name().to_owned())),
        ("fail_on".into(), W::Str(p.fail_on.name().to_owned())),
        (
            "schema_position".into(),
            W::Str(p.schema_position.name().to_owned()),
        ),
        (
            "overrides".into(),
            W::Table(
                p.overrides
                    .iter()
                    .map(|(k, v)| (k.clone(), W::Str(v.name().to_owned())))
                    .collect(),
            ),
        ),
        (
            "ignore".into(),
            W::Tables(
                p.ignores
                    .iter()
                    .map(|ig| {
                        let mut t = vec![
                            ("rule".into(), W::Str(ig.rule.clone())),
                            ("location".into(), W::Str(ig.location.clone())),
                            ("reason".into(), W::Str(ig.reason.clone())),
                        ];
                        if let Some(e) = &ig.expires {
                            t.push(("expires".into(), W::Str(e.clone())));
                        }
                        t
                    })
                    .collect(),
            ),
        ),
    ])
}

/// Writes a table's plain keys, then its sub-tables and arrays of tables as sections.
/// Empty sub-tables and empty arrays of tables are left out (they read back the same).
fn table(out: &mut String, prefix: &str, entries: &[(String, W)]) {
    for (k, v) in entries {
        if !matches!(v, W::Table(_) | W::Tables(_)) {
            let _ = writeln!(out, "{} = {}", key(k), inline(v));
        }
    }
    if entries
        .iter()
        .any(|(_, v)| !matches!(v, W::Table(_) | W::Tables(_)))
    {
        out.push('\n');
    }
    for (k, v) in entries {
        let path = if prefix.is_empty() {
            key(k)
        } else {
            format!("{prefix}.{}", key(k))
        };
        match v {
            W::Table(t) if !t.is_empty() => {
                // A table holding only sub-tables needs no header of its own.
                if t.iter()
                    .any(|(_, v)| !matches!(v, W::Table(_) | W::Tables(_)))
                {
                    let _ = writeln!(out, "[{path}]");
                }
                table(out, &path, t);
            }
            W::Tables(items) => {
                for item in items {
                    let _ = writeln!(out, "[[{path}]]");
                    table(out, &path, item);
                }
            }
            _ => {}
        }
    }
}

fn inline(v: &W) -> String {
    match v {
        W::Str(s) => string(s),
        W::Int(n) => n.to_string(),
        W::Float(f) => {
            let s = format!("{f:?}");
            if s.contains('.') || s.contains('e') {
                s
            } else {
                format!("{s}.0")
            }
        }
        W::Bool(b) => b.to_string(),
        W::Array(items) => {
            let parts: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        W::Table(entries) => inline_table(entries),
        W::Tables(items) => {
            let parts: Vec<String> = items.iter().map(|t| inline_table(t)).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

fn inline_table(entries: &[(String, W)]) -> String {
    let parts: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("{} = {}", key(k), inline(v)))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

fn key(k: &str) -> String {
    if super::doc::is_bare(k) {
        k.to_owned()
    } else {
        string(k)
    }
}

/// A TOML basic string.
pub(super) fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
