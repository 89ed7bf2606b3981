//! Reports the renderer tests share.

use driftguard_core::classify::{Change, Ignored, Position, Report, Severity};
use serde_json::{Value, json};

/// The hostile description: HTML, a table cell breaker, backticks, a newline followed by a
/// workflow command, an ANSI escape, a bidi override, a zero-width joiner and the tag
/// characters for `AB`.
pub const HOSTILE: &str = "<script>alert(1)</script> | col | ``` `x` \n::error::pwned \
                           \u{1b}[31mred\u{202e}txt.exe\u{200d}\u{e0041}\u{e0042}";

#[allow(clippy::too_many_arguments)]
pub fn change(
    severity: Severity,
    rule: &str,
    path: &str,
    pointer: &str,
    position: Position,
    message: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> Change {
    Change {
        after,
        before,
        message: message.to_owned(),
        path: path.to_owned(),
        pointer: pointer.to_owned(),
        position,
        rule: rule.to_owned(),
        severity,
        tags: vec![],
    }
}

pub fn report(changes: Vec<Change>, ignored: Vec<Ignored>) -> Report {
    Report::new(
        "sha256:old".to_owned(),
        "sha256:new".to_owned(),
        changes,
        ignored,
    )
}

pub fn empty() -> Report {
    report(vec![], vec![])
}

/// Two changes in two groups, for exact outputs.
pub fn small() -> Report {
    report(
        vec![
            change(
                Severity::Breaking,
                "property-removed",
                "GET /pets › response 200 › application/json › id",
                "/surface/operations/GET ~1pets/responses/200/content/application~1json/schema/properties/id",
                Position::Output,
                "property `id` was removed",
                Some(json!({"type": "integer"})),
                None,
            ),
            change(
                Severity::Safe,
                "tool-added",
                "tool search",
                "/surface/tools/search",
                Position::Surface,
                "tool added",
                None,
                Some(json!({"description": "Find things"})),
            ),
        ],
        vec![],
    )
}

/// The hostile description as a tool description change.
pub fn hostile_change() -> Change {
    let mut c = change(
        Severity::Dangerous,
        "tool-description-changed",
        "tool sendEmail › description",
        "/surface/tools/sendEmail/description",
        Position::Surface,
        &format!("description changed: {HOSTILE}"),
        Some(json!("Send an email")),
        Some(json!(HOSTILE)),
    );
    c.tags = vec!["security".to_owned()];
    c
}

/// Breaking, dangerous and safe changes in three groups, one of them hostile.
pub fn realistic() -> Report {
    let mut bcc = change(
        Severity::Dangerous,
        "tool-parameter-added-optional",
        "tool sendEmail › input › bcc",
        "/surface/tools/sendEmail/input/properties/bcc",
        Position::Input,
        "new optional parameter `bcc` on an existing tool",
        None,
        Some(json!({"type": "string", "format": "email"})),
    );
    bcc.tags = vec!["security".to_owned()];
    report(
        vec![
            change(
                Severity::Breaking,
                "property-removed",
                "GET /pets › response 200 › application/json › id",
                "/surface/operations/GET ~1pets/responses/200/content/application~1json/schema/properties/id",
                Position::Output,
                "property `id` was removed",
                Some(json!({"type": "integer"})),
                None,
            ),
            change(
                Severity::Safe,
                "property-added",
                "GET /pets › response 200 › application/json › name",
                "/surface/operations/GET ~1pets/responses/200/content/application~1json/schema/properties/name",
                Position::Output,
                "optional property `name` was added",
                None,
                Some(json!({"type": "string"})),
            ),
            change(
                Severity::Safe,
                "server-version-changed",
                "server › version",
                "/surface/server/version",
                Position::Surface,
                "server version moved",
                Some(json!("1.0.15")),
                Some(json!("1.0.16")),
            ),
            hostile_change(),
            bcc,
        ],
        vec![Ignored {
            change: change(
                Severity::Breaking,
                "operation-removed",
                "DELETE /pets/{id}",
                "/surface/operations/DELETE ~1pets~1{id}",
                Position::Surface,
                "operation removed",
                Some(json!({"summary": "Delete a pet"})),
                None,
            ),
            reason: "deprecated since v2, removal announced".to_owned(),
        }],
    )
}

/// Only the hostile change, with hostile text in the path and rule too.
pub fn hostile_only() -> Report {
    let mut c = hostile_change();
    c.path = format!("tool {HOSTILE} › description");
    c.rule = format!("rule{HOSTILE}");
    c.pointer = format!("/surface/tools/{HOSTILE}");
    c.tags = vec![HOSTILE.to_owned()];
    report(
        vec![c.clone()],
        vec![Ignored {
            change: c,
            reason: HOSTILE.to_owned(),
        }],
    )
}
