use super::*;

const FULL_TOML: &str = r#"profile = "strict"
fail_on = "dangerous"
schema_position = "both"

[overrides]
"enum-value-added" = "safe"
mcp-tool-added = "breaking"

[[ignore]]
rule = "operation-removed"
location = "DELETE /pets/*"
reason = "retired with notice #123"
expires = "2026-12-31"

[[ignore]]
rule = "mcp-tool-parameter-added"
location = "tool sendEmail › **"
reason = "reviewed: cc is expected"
"#;

const FULL_JSON: &str = r#"{
  "profile": "strict",
  "fail_on": "dangerous",
  "schema_position": "both",
  "overrides": {"enum-value-added": "safe", "mcp-tool-added": "breaking"},
  "ignore": [
    {"rule": "operation-removed", "location": "DELETE /pets/*",
     "reason": "retired with notice #123", "expires": "2026-12-31"},
    {"rule": "mcp-tool-parameter-added", "location": "tool sendEmail › **",
     "reason": "reviewed: cc is expected"}
  ]
}"#;

fn full() -> Policy {
    Policy {
        profile: Profile::Strict,
        overrides: BTreeMap::from([
            ("enum-value-added".to_owned(), Severity::Safe),
            ("mcp-tool-added".to_owned(), Severity::Breaking),
        ]),
        ignores: vec![
            Ignore {
                rule: "operation-removed".into(),
                location: "DELETE /pets/*".into(),
                reason: "retired with notice #123".into(),
                expires: Some("2026-12-31".into()),
            },
            Ignore {
                rule: "mcp-tool-parameter-added".into(),
                location: "tool sendEmail › **".into(),
                reason: "reviewed: cc is expected".into(),
                expires: None,
            },
        ],
        fail_on: Threshold::Dangerous,
        schema_position: SchemaPosition::Both,
    }
}

fn toml_err(text: &str) -> (String, Option<usize>, Option<usize>, Option<String>) {
    let e = Policy::from_toml(text).unwrap_err();
    assert_eq!(e.code(), "E_CONFIG", "{e}");
    let l = e.location().cloned().unwrap_or_default();
    let Error::Config { message, .. } = e else {
        unreachable!()
    };
    (message, l.line, l.column, l.pointer)
}

fn json_err(text: &str) -> (String, Option<String>) {
    let e = Policy::from_json(text).unwrap_err();
    assert_eq!(e.code(), "E_CONFIG", "{e}");
    let l = e.location().cloned().unwrap_or_default();
    let Error::Config { message, .. } = e else {
        unreachable!()
    };
    (message, l.pointer)
}

fn change(rule: &str, path: &str, pointer: &str, severity: Severity) -> Change {
    Change {
        after: None,
        before: None,
        message: format!("{rule} happened"),
        path: path.into(),
        pointer: pointer.into(),
        position: Position::Surface,
        rule: rule.into(),
        severity,
        tags: Vec::new(),
    }
}

#[test]
fn defaults() {
    let p = Policy::default();
    assert_eq!(p.profile, Profile::Standard);
    assert_eq!(p.fail_on, Threshold::Breaking);
    assert_eq!(p.schema_position, SchemaPosition::Input);
    assert!(p.overrides.is_empty() && p.ignores.is_empty());
    assert_eq!(Policy::from_toml("").unwrap(), p);
    assert_eq!(Policy::from_toml("# nothing\n").unwrap(), p);
    assert_eq!(Policy::from_json("{}").unwrap(), p);
}

#[test]
fn full_document_toml_and_json_are_equivalent() {
    assert_eq!(Policy::from_toml(FULL_TOML).unwrap(), full());
    assert_eq!(Policy::from_json(FULL_JSON).unwrap(), full());
    // Inline TOML spellings and an unquoted date literal read the same.
    let inline = r#"
profile = "strict"
fail_on = "dangerous"
schema_position = "both"
overrides = { "enum-value-added" = "safe", "mcp-tool-added" = "breaking" }
ignore = [
  { rule = "operation-removed", location = "DELETE /pets/*", reason = "retired with notice #123", expires = 2026-12-31 },
  { rule = "mcp-tool-parameter-added", location = "tool sendEmail › **", reason = "reviewed: cc is expected" },
]
"#;
    assert_eq!(Policy::from_toml(inline).unwrap(), full());
}

#[test]
fn names_round_trip() {
    for t in [
        Threshold::Breaking,
        Threshold::Dangerous,
        Threshold::Safe,
        Threshold::Never,
    ] {
        assert_eq!(Threshold::from_name(t.name()), Some(t));
    }
    for s in [
        SchemaPosition::Input,
        SchemaPosition::Output,
        SchemaPosition::Both,
    ] {
        assert_eq!(SchemaPosition::from_name(s.name()), Some(s));
    }
    assert_eq!(Threshold::from_name("Breaking"), None);
    assert_eq!(SchemaPosition::from_name(""), None);
    assert_eq!(
        SchemaPosition::Both.positions(),
        &[Position::Input, Position::Output]
    );
    assert_eq!(SchemaPosition::Output.positions(), &[Position::Output]);
    assert_eq!(SchemaPosition::Input.positions(), &[Position::Input]);
}

#[test]
fn fails_by_threshold() {
    use Severity::*;
    let with = |fail_on| Policy {
        fail_on,
        ..Policy::default()
    };
    let cases = [
        (Threshold::Breaking, [false, false, false, true]),
        (Threshold::Dangerous, [false, false, true, true]),
        (Threshold::Safe, [false, true, true, true]),
        (Threshold::Never, [false, false, false, false]),
    ];
    for (t, expect) in cases {
        let got = [None, Some(Safe), Some(Dangerous), Some(Breaking)].map(|m| with(t).fails(m));
        assert_eq!(got, expect, "{t:?}");
    }
}

#[test]
fn toml_syntax_error_has_line_and_column() {
    let e = Policy::from_toml("profile = \"strict\"\nfail_on = \n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "policy is not valid TOML: string values must be quoted, expected literal string at line 2, column 11"
    );
    let (_, line, _, _) = toml_err("profile = \"strict\"\nprofile = \"lenient\"\n");
    assert_eq!(line, Some(2), "duplicate key");
    let (_, line, col, _) = toml_err("[overrides\n");
    assert_eq!((line, col.is_some()), (Some(1), true));
}

#[test]
fn json_syntax_error_has_line_and_column() {
    let e = Policy::from_json("{\n  \"profile\": \"strict\",\n}").unwrap_err();
    assert_eq!(e.code(), "E_CONFIG");
    let l = e.location().cloned().unwrap_or_default();
    assert_eq!(l.line, Some(3));
    assert_eq!(l.column, Some(1));
    assert_eq!(
        e.to_string(),
        "policy is not valid JSON: trailing comma at line 3, column 1"
    );
    assert_eq!(
        json_err("[]").0,
        "a policy must be a table of settings, found an array"
    );
    assert_eq!(
        json_err("\"x\"").0,
        "a policy must be a table of settings, found a string"
    );
}

#[test]
fn unknown_keys_are_named_with_their_line() {
    let (msg, line, col, ptr) = toml_err("profile = \"strict\"\n\nfail-on = \"never\"\n");
    assert_eq!(
        msg,
        "unknown key \"fail-on\" in policy (expected one of `profile`, `fail_on`, `schema_position`, `overrides`, `ignore`)"
    );
    assert_eq!(
        (line, col, ptr.as_deref()),
        (Some(3), Some(1), Some("/fail-on"))
    );
    let (msg, line, col, ptr) = toml_err(
        "[[ignore]]\nrule = \"operation-removed\"\nlocation = \"**\"\nreason = \"r\"\n  expiry = \"2026-01-01\"\n",
    );
    assert_eq!(
        msg,
        "unknown key \"expiry\" in `ignore[0]` (expected one of `rule`, `location`, `reason`, `expires`)"
    );
    assert_eq!(
        (line, col, ptr.as_deref()),
        (Some(5), Some(3), Some("/ignore/0/expiry"))
    );
    let (msg, ptr) = json_err(r#"{"ignores": []}"#);
    assert!(
        msg.starts_with("unknown key \"ignores\" in policy"),
        "{msg}"
    );
    assert_eq!(ptr.as_deref(), Some("/ignores"));
}

#[test]
fn unknown_values_are_named() {
    let (msg, line, col, ptr) = toml_err("\nprofile = \"paranoid\"\n");
    assert_eq!(
        msg,
        "`profile` must be one of `strict`, `standard`, `lenient`, found \"paranoid\""
    );
    assert_eq!(
        (line, col, ptr.as_deref()),
        (Some(2), Some(11), Some("/profile"))
    );
    let (msg, ..) = toml_err("fail_on = \"error\"\n");
    assert_eq!(
        msg,
        "`fail_on` must be one of `breaking`, `dangerous`, `safe`, `never`, found \"error\""
    );
    let (msg, ..) = toml_err("schema_position = \"in\"\n");
    assert_eq!(
        msg,
        "`schema_position` must be one of `input`, `output`, `both`, found \"in\""
    );
    let (msg, line, _, ptr) = toml_err("fail_on = 1\n");
    assert_eq!(msg, "`fail_on` must be a string, found an integer");
    assert_eq!((line, ptr.as_deref()), (Some(1), Some("/fail_on")));
    let (msg, ptr) = json_err(r#"{"profile": null}"#);
    assert_eq!(msg, "`profile` must be a string, found null");
    assert_eq!(ptr.as_deref(), Some("/profile"));
    let (msg, _) = json_err(r#"{"profile": ["strict"]}"#);
    assert_eq!(msg, "`profile` must be a string, found an array");
    let (msg, _) = json_err(r#"{"fail_on": true}"#);
    assert_eq!(msg, "`fail_on` must be a string, found a boolean");
}

#[test]
fn overrides_are_checked_against_the_registry() {
    let (msg, line, col, ptr) =
        toml_err("[overrides]\nenum-value-added = \"safe\"\nenum-added-value = \"safe\"\n");
    assert_eq!(
        msg,
        "unknown rule id \"enum-added-value\" in `overrides` (list the rules with `driftguard rules`)"
    );
    assert_eq!(
        (line, col, ptr.as_deref()),
        (Some(3), Some(1), Some("/overrides/enum-added-value"))
    );
    let (msg, line, col, ptr) = toml_err("[overrides]\nenum-value-added = \"ok\"\n");
    assert_eq!(
        msg,
        "`overrides.enum-value-added` must be one of `breaking`, `dangerous`, `safe`, found \"ok\""
    );
    assert_eq!(
        (line, col, ptr.as_deref()),
        (Some(2), Some(20), Some("/overrides/enum-value-added"))
    );
    let (msg, ptr) = json_err(r#"{"overrides": {"a/b~c": "safe"}}"#);
    assert!(msg.starts_with("unknown rule id \"a/b~c\""), "{msg}");
    assert_eq!(ptr.as_deref(), Some("/overrides/a~1b~0c"));
    let (msg, _) = json_err(r#"{"overrides": ["enum-value-added"]}"#);
    assert_eq!(
        msg,
        "`overrides` must be a table of rule id = severity, found an array"
    );
    let (msg, _, _, _) = toml_err("overrides = \"none\"\n");
    assert_eq!(
        msg,
        "`overrides` must be a table of rule id = severity, found a string"
    );
}

#[test]
fn ignore_entries_are_validated() {
    let entry = |body: &str| format!("profile = \"standard\"\n\n[[ignore]]\n{body}");
    // Unknown rule id.
    let (msg, line, col, ptr) = toml_err(&entry(
        "rule = \"operation-gone\"\nlocation = \"**\"\nreason = \"r\"\n",
    ));
    assert_eq!(
        msg,
        "unknown rule id \"operation-gone\" in `ignore[0].rule` (list the rules with `driftguard rules`)"
    );
    assert_eq!(
        (line, col, ptr.as_deref()),
        (Some(4), Some(8), Some("/ignore/0/rule"))
    );
    // Missing or empty reason.
    let (msg, line, _, ptr) = toml_err(&entry("rule = \"operation-removed\"\nlocation = \"**\"\n"));
    assert_eq!(
        msg,
        "`ignore[0]` has no `reason`: every ignore must say why the change is accepted"
    );
    assert_eq!((line, ptr.as_deref()), (Some(3), Some("/ignore/0")));
    let (msg, line, _, ptr) = toml_err(&entry(
        "rule = \"operation-removed\"\nlocation = \"**\"\nreason = \"  \"\n",
    ));
    assert_eq!(
        msg,
        "`ignore[0].reason` must not be empty: say why the change is accepted"
    );
    assert_eq!((line, ptr.as_deref()), (Some(6), Some("/ignore/0/reason")));
    // Missing rule, missing or empty location.
    let (msg, ..) = toml_err(&entry("location = \"**\"\nreason = \"r\"\n"));
    assert_eq!(msg, "`ignore[0]` has no `rule`");
    let (msg, ..) = toml_err(&entry("rule = \"operation-removed\"\nreason = \"r\"\n"));
    assert_eq!(
        msg,
        "`ignore[0]` has no `location` (use \"**\" to match every location)"
    );
    let (msg, line, ..) = toml_err(&entry(
        "rule = \"operation-removed\"\nlocation = \"\"\nreason = \"r\"\n",
    ));
    assert_eq!(
        msg,
        "`ignore[0].location` must not be empty (use \"**\" to match every location)"
    );
    assert_eq!(line, Some(5));
    // Wrong shapes.
    let (msg, ..) = toml_err("ignore = \"all\"\n");
    assert_eq!(
        msg,
        "`ignore` must be an array of tables (`[[ignore]]`), found a string"
    );
    let (msg, ptr) = json_err(r#"{"ignore": ["operation-removed"]}"#);
    assert_eq!(msg, "`ignore[0]` must be a table, found a string");
    assert_eq!(ptr.as_deref(), Some("/ignore/0"));
    let (msg, ptr) = json_err(r#"{"ignore": [{"rule": 7}]}"#);
    assert_eq!(msg, "`ignore[0].rule` must be a string, found a number");
    assert_eq!(ptr.as_deref(), Some("/ignore/0/rule"));
    // The second entry is reported as such.
    let (msg, ptr) = json_err(
        r#"{"ignore": [{"rule": "operation-removed", "location": "**", "reason": "r"}, {"rule": "operation-removed", "location": "**"}]}"#,
    );
    assert_eq!(
        msg,
        "`ignore[1]` has no `reason`: every ignore must say why the change is accepted"
    );
    assert_eq!(ptr.as_deref(), Some("/ignore/1"));
}

#[test]
fn expiry_dates_are_real_calendar_dates() {
    let entry = |expires: &str| {
        format!(
            "[[ignore]]\nrule = \"operation-removed\"\nlocation = \"**\"\nreason = \"r\"\nexpires = {expires}\n"
        )
    };
    for ok in ["\"2024-02-29\"", "2024-02-29", "\"2026-12-31\""] {
        let p = Policy::from_toml(&entry(ok)).unwrap();
        assert_eq!(
            p.ignores[0].expires.as_deref().map(str::len),
            Some(10),
            "{ok}"
        );
    }
    let (msg, line, col, ptr) = toml_err(&entry("\"2026-02-30\""));
    assert_eq!(
        msg,
        "`ignore[0].expires` must be a calendar date written YYYY-MM-DD, found \"2026-02-30\""
    );
    assert_eq!(
        (line, col, ptr.as_deref()),
        (Some(5), Some(11), Some("/ignore/0/expires"))
    );
    let (msg, ..) = toml_err(&entry("\"31/12/2026\""));
    assert!(msg.ends_with("found \"31/12/2026\""), "{msg}");
    let (msg, ..) = toml_err(&entry("2026-12-31T10:00:00Z"));
    assert_eq!(
        msg,
        "`ignore[0].expires` must be a date written YYYY-MM-DD, found a date-time"
    );
    let (msg, ..) = toml_err(&entry("20261231"));
    assert_eq!(
        msg,
        "`ignore[0].expires` must be a date written YYYY-MM-DD, found an integer"
    );
    // TOML itself rejects an impossible date literal: still E_CONFIG with a line.
    let (_, line, ..) = toml_err(&entry("2026-02-30"));
    assert_eq!(line, Some(5));
    let (msg, _) = json_err(
        r#"{"ignore": [{"rule": "operation-removed", "location": "**", "reason": "r", "expires": "2023-02-29"}]}"#,
    );
    assert!(msg.ends_with("found \"2023-02-29\""), "{msg}");
}

#[test]
fn hostile_documents_end_in_clean_errors() {
    // Larger than the limit: refused before parsing.
    let big = format!("# {}\n", "x".repeat(10 * 1024 * 1024));
    let e = Policy::from_toml(&big).unwrap_err();
    assert_eq!(e.code(), "E_TOO_LARGE");
    assert_eq!(Policy::from_json(&big).unwrap_err().code(), "E_TOO_LARGE");
    // Just under the limit and valid: fine.
    let near = format!(
        "# {}\nprofile = \"lenient\"\n",
        "x".repeat(MAX_POLICY_BYTES - 40)
    );
    assert_eq!(Policy::from_toml(&near).unwrap().profile, Profile::Lenient);
    // Deeply nested arrays and inline tables: the TOML parser's recursion limit.
    for depth in [100, 10_000, 100_000] {
        let nested = format!("ignore = {}{}\n", "[".repeat(depth), "]".repeat(depth));
        let (msg, line, ..) = toml_err(&nested);
        assert!(msg.starts_with("policy is not valid TOML"), "{msg}");
        assert_eq!(line, Some(1));
        let tables = format!("x = {}{}\n", "{a = ".repeat(depth), "}".repeat(depth));
        assert_eq!(Policy::from_toml(&tables).unwrap_err().code(), "E_CONFIG");
        let json = format!("{{\"ignore\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(Policy::from_json(&json).unwrap_err().code(), "E_CONFIG");
    }
    // Nested but within the parser's limit: the validator only looks 3 levels deep.
    let nested = format!(
        "ignore = [{{ rule = {}{} }}]\n",
        "[".repeat(30),
        "]".repeat(30)
    );
    let (msg, ..) = toml_err(&nested);
    assert_eq!(msg, "`ignore[0].rule` must be a string, found an array");
    // Control characters, NUL, bidi overrides and invalid escapes.
    assert_eq!(
        Policy::from_toml("profile = \"\u{0}\"\n")
            .unwrap_err()
            .code(),
        "E_CONFIG"
    );
    assert_eq!(
        Policy::from_toml("profile = \"\\q\"\n").unwrap_err().code(),
        "E_CONFIG"
    );
    let (msg, ..) = toml_err("profile = \"strict\u{202E}\"\n");
    assert!(
        msg.contains("\\u{202e}"),
        "the value is shown escaped: {msg}"
    );
    assert_eq!(
        Policy::from_toml("\u{FEFF}profile = \"strict\"\n")
            .map(|p| p.profile)
            .ok(),
        Some(Profile::Strict)
    );
    // Many entries within the limit parse.
    let many: String = (0..2000)
        .map(|i| format!("[[ignore]]\nrule = \"operation-removed\"\nlocation = \"GET /p{i}\"\nreason = \"r\"\n"))
        .collect();
    assert_eq!(Policy::from_toml(&many).unwrap().ignores.len(), 2000);
}

#[test]
fn overrides_then_ignores() {
    let p = Policy::from_toml(FULL_TOML).unwrap();
    let changes = vec![
        change(
            "enum-value-added",
            "GET /pets › response 200 › kind",
            "/surface/x",
            Severity::Breaking,
        ),
        change(
            "operation-removed",
            "DELETE /pets/{petId}",
            "/surface/operations/DELETE ~1pets~1{petId}",
            Severity::Breaking,
        ),
        change(
            "operation-removed",
            "DELETE /pets/{petId}/photos",
            "/surface/operations/y",
            Severity::Breaking,
        ),
        change(
            "mcp-tool-parameter-added",
            "tool sendEmail › input › cc",
            "/surface/tools/sendEmail",
            Severity::Dangerous,
        ),
        change(
            "mcp-tool-parameter-added",
            "tool sendFax › input › cc",
            "/surface/tools/sendFax",
            Severity::Dangerous,
        ),
        change(
            "mcp-tool-added",
            "tool forward",
            "/surface/tools/forward",
            Severity::Dangerous,
        ),
    ];
    let a = p.apply(changes, Some("2026-12-31")).unwrap();
    let kept: Vec<(&str, &str, Severity)> = a
        .changes
        .iter()
        .map(|c| (c.rule.as_str(), c.path.as_str(), c.severity))
        .collect();
    assert_eq!(
        kept,
        [
            (
                "enum-value-added",
                "GET /pets › response 200 › kind",
                Severity::Safe
            ),
            (
                "operation-removed",
                "DELETE /pets/{petId}/photos",
                Severity::Breaking
            ),
            (
                "mcp-tool-parameter-added",
                "tool sendFax › input › cc",
                Severity::Dangerous
            ),
            ("mcp-tool-added", "tool forward", Severity::Breaking),
        ]
    );
    let ignored: Vec<(&str, &str)> = a
        .ignored
        .iter()
        .map(|i| (i.change.path.as_str(), i.reason.as_str()))
        .collect();
    assert_eq!(
        ignored,
        [
            ("DELETE /pets/{petId}", "retired with notice #123"),
            ("tool sendEmail › input › cc", "reviewed: cc is expected"),
        ]
    );
    assert!(
        a.expired.is_empty(),
        "2026-12-31 is the last day the ignore applies"
    );
}

#[test]
fn ignore_matches_the_pointer_too_and_needs_the_same_rule() {
    let p = Policy::from_json(
        r#"{"ignore": [{"rule": "property-removed", "location": "/surface/operations/*/responses/200/**", "reason": "r"}]}"#,
    )
    .unwrap();
    let hit = change(
        "property-removed",
        "GET /a › response 200 › id",
        "/surface/operations/GET ~1a/responses/200/content/x",
        Severity::Breaking,
    );
    let other_rule = change(
        "property-added-required",
        "GET /a › response 200 › id",
        "/surface/operations/GET ~1a/responses/200/content/x",
        Severity::Safe,
    );
    let other_status = change(
        "property-removed",
        "GET /a › response 201 › id",
        "/surface/operations/GET ~1a/responses/201/content/x",
        Severity::Breaking,
    );
    assert!(p.ignores[0].matches(&hit));
    assert!(!p.ignores[0].matches(&other_rule));
    assert!(!p.ignores[0].matches(&other_status));
    let a = p
        .apply(vec![hit.clone(), other_rule, other_status], None)
        .unwrap();
    assert_eq!(a.changes.len(), 2);
    assert_eq!(
        a.ignored,
        vec![Ignored {
            change: hit,
            reason: "r".into()
        }]
    );
}

#[test]
fn first_matching_ignore_gives_the_reason() {
    let p = Policy::from_toml(
        "[[ignore]]\nrule = \"tag-changed\"\nlocation = \"GET *\"\nreason = \"first\"\n\n[[ignore]]\nrule = \"tag-changed\"\nlocation = \"**\"\nreason = \"second\"\n",
    )
    .unwrap();
    let a = p
        .apply(
            vec![
                change("tag-changed", "GET x", "/p", Severity::Safe),
                change("tag-changed", "GET /x", "/p", Severity::Safe),
            ],
            None,
        )
        .unwrap();
    let reasons: Vec<&str> = a.ignored.iter().map(|i| i.reason.as_str()).collect();
    assert_eq!(reasons, ["first", "second"]);
}

#[test]
fn expired_ignore_stops_applying_and_is_reported() {
    let p = Policy::from_toml(FULL_TOML).unwrap();
    let removed = change(
        "operation-removed",
        "DELETE /pets/{petId}",
        "/surface/operations/z",
        Severity::Breaking,
    );
    let a = p.apply(vec![removed.clone()], Some("2027-01-01")).unwrap();
    assert_eq!(a.changes, vec![removed.clone()]);
    assert!(a.ignored.is_empty());
    assert_eq!(
        a.expired,
        vec![Change {
            after: None,
            before: Some(json!({
                "expires": "2026-12-31",
                "location": "DELETE /pets/*",
                "reason": "retired with notice #123",
                "rule": "operation-removed"
            })),
            message: "ignore[0] (rule `operation-removed` at `DELETE /pets/*`) expired on 2026-12-31 and no longer applies; its reason was: retired with notice #123".into(),
            path: "policy › ignore[0]".into(),
            pointer: "/ignore/0".into(),
            position: Position::Surface,
            rule: "policy-ignore-expired".into(),
            severity: Severity::Dangerous,
            tags: Vec::new(),
        }]
    );
    // Reported only when it would still have matched something: a self-comparison
    // (no changes) stays empty.
    let a = p.apply(Vec::new(), Some("2030-06-01")).unwrap();
    assert_eq!(a.expired.len(), 0);
    // Without a date expiry is not evaluated: the ignore applies.
    let a = p.apply(vec![removed.clone()], None).unwrap();
    assert_eq!(
        (a.changes.len(), a.ignored.len(), a.expired.len()),
        (0, 1, 0)
    );
    // Before expiry it applies.
    let a = p.apply(vec![removed], Some("2026-01-01")).unwrap();
    assert_eq!(
        (a.changes.len(), a.ignored.len(), a.expired.len()),
        (0, 1, 0)
    );
}

#[test]
fn expired_notice_goes_through_overrides_and_ignores() {
    let text = r#"
[overrides]
policy-ignore-expired = "breaking"

[[ignore]]
rule = "tag-changed"
location = "**"
reason = "tags are cosmetic"
expires = "2020-01-01"

[[ignore]]
rule = "tag-changed"
location = "GET /b"
reason = "b too"
expires = "2020-01-01"
"#;
    let p = Policy::from_toml(text).unwrap();
    let a = p
        .apply(
            vec![change("tag-changed", "GET /a", "/a", Severity::Safe)],
            Some("2026-11-24"),
        )
        .unwrap();
    assert_eq!(a.changes.len(), 1);
    let expired: Vec<(&str, &str, Severity)> = a
        .expired
        .iter()
        .map(|c| (c.path.as_str(), c.pointer.as_str(), c.severity))
        .collect();
    // ignore[1] (GET /b) matches no change, so its expiry is not news.
    assert_eq!(
        expired,
        [("policy › ignore[0]", "/ignore/0", Severity::Breaking)]
    );
    // Under the lenient profile the registry's severity is still dangerous.
    let lenient = Policy {
        profile: Profile::Lenient,
        overrides: BTreeMap::new(),
        ..p.clone()
    };
    let tag_a = || vec![change("tag-changed", "GET /a", "/a", Severity::Safe)];
    let a = lenient.apply(tag_a(), Some("2026-11-24")).unwrap();
    assert_eq!(a.expired.len(), 1);
    assert!(a.expired.iter().all(|c| c.severity == Severity::Dangerous));
    // An ignore on the notice itself (with its own reason) silences it.
    let silenced = Policy::from_toml(&format!(
        "{text}\n[[ignore]]\nrule = \"policy-ignore-expired\"\nlocation = \"policy › ignore[1]\"\nreason = \"cleanup tracked in #9\"\n"
    ))
    .unwrap();
    let both = vec![
        change("tag-changed", "GET /a", "/a", Severity::Safe),
        change("tag-changed", "GET /b", "/b", Severity::Safe),
    ];
    let a = silenced.apply(both, Some("2026-11-24")).unwrap();
    assert_eq!(a.expired.len(), 1);
    assert_eq!(a.ignored.len(), 1);
    assert_eq!(a.ignored[0].change.pointer, "/ignore/1");
}

#[test]
fn malformed_today_is_a_config_error() {
    let p = Policy::default();
    for bad in ["2026-02-30", "today", "2026-1-1", ""] {
        let e = p.apply(Vec::new(), Some(bad)).unwrap_err();
        assert_eq!(e.code(), "E_CONFIG", "{bad}");
    }
    assert!(p.apply(Vec::new(), Some("2026-02-28")).is_ok());
}

#[test]
fn apply_keeps_order_and_leaves_unknown_rules_alone() {
    let p = Policy::from_toml("[overrides]\ntype-narrowed = \"dangerous\"\n").unwrap();
    let input = vec![
        change("z-rule", "b", "/b", Severity::Breaking),
        change("type-narrowed", "a", "/a", Severity::Breaking),
        change("type-narrowed", "c", "/c", Severity::Safe),
    ];
    let a = p.apply(input, Some("2026-11-24")).unwrap();
    let got: Vec<(&str, Severity)> = a
        .changes
        .iter()
        .map(|c| (c.path.as_str(), c.severity))
        .collect();
    assert_eq!(
        got,
        [
            ("b", Severity::Breaking),
            ("a", Severity::Dangerous),
            ("c", Severity::Dangerous)
        ]
    );
}

proptest::proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = Policy::from_toml(&text);
        let _ = Policy::from_json(&text);
    }

    #[test]
    fn policy_shaped_text_never_panics(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "profile = ", "\"strict\"", "[[ignore]]\n", "[overrides]\n", "rule = ", "\"operation-removed\"",
                "location = ", "\"**\"", "reason = ", "expires = ", "2026-02-30", "\"2026-12-31\"", "\n", "[", "]",
                "{", "}", ",", "\"", "=", "\u{203A}", "\u{0}", "\u{202E}", "é",
            ]),
            0..40,
        ),
    ) {
        let text: String = parts.concat();
        match Policy::from_toml(&text) {
            Ok(p) => {
                for ig in &p.ignores {
                    proptest::prop_assert!(!ig.reason.trim().is_empty());
                }
            }
            Err(e) => {
                proptest::prop_assert_eq!(e.code(), "E_CONFIG");
                let l = e.location().cloned().unwrap_or_default();
                proptest::prop_assert!(l.line.is_some(), "TOML errors have a line: {}", e);
            }
        }
    }
}
