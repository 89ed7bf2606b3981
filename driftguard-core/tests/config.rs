//! `driftguard.toml`: the documented example, the canonical rewrite, every validation
//! error with its exact message and location, hostile inputs, and secrets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::time::Duration;

use driftguard_core::classify::policy::Threshold;
use driftguard_core::classify::{Profile, Severity};
use driftguard_core::config::{
    Config, PolicyRef, REDACTED, ResolvedSource, Source, expand, redact,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/watch")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

/// Compares with a golden file; `DRIFTGUARD_BLESS=1` rewrites it.
fn golden(name: &str, actual: &str) {
    if std::env::var_os("DRIFTGUARD_BLESS").is_some() {
        std::fs::write(fixture(name), actual).unwrap();
    }
    let expected = read(name);
    assert_eq!(actual, expected, "golden file {name} differs");
}

fn env(name: &str) -> Option<String> {
    Some(match name {
        "PETSTORE_TOKEN" => "tok-PETSTORE-9f8e7d".to_owned(),
        "EVERYTHING_API_KEY" => "key-EVERYTHING-5a4b3c".to_owned(),
        "REMOTE_MCP_TOKEN" => "tok-REMOTE-1122".to_owned(),
        "DRIFTGUARD_WEBHOOK_SECRET" => "whsec-3344".to_owned(),
        "SLACK_WEBHOOK_URL" => "https://hooks.slack.test/services/T0/B0/xoxb-5566".to_owned(),
        "SMTP_PASSWORD" => "smtp-pw-7788".to_owned(),
        _ => return None,
    })
}

#[test]
fn the_documented_example_parses() {
    let c = Config::parse(&read("example.toml")).unwrap();
    assert_eq!(c.defaults.interval, Duration::from_secs(300));
    assert_eq!(c.defaults.timeout, Duration::from_secs(30));
    assert_eq!(c.watch.concurrency, 8);
    assert_eq!(c.watch.max_backoff, Duration::from_secs(3600));
    let PolicyRef::Inline(p) = &c.policy else {
        panic!("inline policy expected")
    };
    assert_eq!(p.profile, Profile::Standard);
    assert_eq!(p.overrides["enum-value-added"], Severity::Dangerous);
    assert_eq!(p.ignores[0].expires.as_deref(), Some("2026-12-31"));

    let names: Vec<&str> = c.surfaces.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "petstore",
            "orders-schema",
            "everything",
            "everything.package",
            "remote-mcp",
            "postmark-pkg",
            "order-status"
        ]
    );
    let descriptions: Vec<String> = c.surfaces.iter().map(|s| s.source.describe()).collect();
    assert_eq!(
        descriptions,
        [
            "url https://api.example.com/openapi.json",
            "file schemas/order.schema.json",
            "mcp_stdio npx -y @modelcontextprotocol/server-everything@2026.1.14 (env: EVERYTHING_API_KEY; cwd: servers)",
            "package npm:@modelcontextprotocol/server-everything@2026.1.14 (run by surface everything)",
            "mcp_http https://mcp.example.com/mcp",
            "package npm:postmark-mcp@latest",
            "endpoint https://api.example.com/orders/42/status (5 samples, 2s apart)",
        ]
    );
    let pet = c.surface("petstore").unwrap();
    assert_eq!(pet.interval, Duration::from_secs(60));
    assert_eq!(pet.timeout, Duration::from_secs(10));
    let strict = c.policy_for(pet).unwrap();
    assert_eq!(strict.profile, Profile::Strict);
    assert_eq!(strict.fail_on, Threshold::Dangerous);
    assert_eq!(
        c.surface("everything").unwrap().interval,
        Duration::from_secs(3600)
    );
    assert_eq!(c.alerts.webhooks[0].on, Severity::Dangerous);
    assert_eq!(c.alerts.slack[0].name, "slack-1");
    assert_eq!(c.alerts.email[0].to.len(), 2);
    assert_eq!(c.alerts.email[0].on, Severity::Breaking);
}

#[test]
fn the_example_is_in_the_docs_verbatim() {
    let docs = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/config.md"),
    )
    .unwrap();
    let example = read("example.toml");
    assert!(
        docs.contains(&format!("```toml\n{example}```\n")),
        "docs/config.md must contain tests/fixtures/watch/example.toml verbatim in a ```toml block"
    );
}

#[test]
fn canonical_rewrite_is_golden_and_round_trips() {
    let c = Config::parse(&read("example.toml")).unwrap();
    let out = c.to_toml();
    golden("example.canonical.toml", &out);
    let again = Config::parse(&out).unwrap();
    assert_eq!(again, c);
    assert_eq!(again.to_toml(), out);
}

#[test]
fn policy_files_are_loaded_by_the_caller() {
    let mut c = Config::parse(&read("example.toml")).unwrap();
    assert_eq!(c.policy_files(), ["policies/schemas.toml"]);
    let orders = c.surface("orders-schema").unwrap().clone();
    let err = c.policy_for(&orders).unwrap_err();
    assert_eq!(err.code(), "E_CONFIG");
    assert_eq!(
        err.to_string(),
        "policy file \"policies/schemas.toml\" of surface \"orders-schema\" was not loaded \
         (read it and pass its text to load_policy_file) at unknown location"
    );
    let err = c
        .load_policy_file(
            "policies/schemas.toml",
            "profile = \"lenient\"\nfail_on = \"often\"\n",
        )
        .unwrap_err();
    assert_eq!(err.code(), "E_CONFIG");
    assert_eq!(err.location().unwrap().line, Some(2));
    assert!(
        err.to_string()
            .starts_with("policy file \"policies/schemas.toml\": "),
        "{err}"
    );
    let err = c.load_policy_file("other.toml", "").unwrap_err();
    assert_eq!(
        err.to_string(),
        "driftguard.toml names no policy file \"other.toml\" at unknown location"
    );
    c.load_policy_file("policies/schemas.toml", "profile = \"lenient\"\n")
        .unwrap();
    let orders = c.surface("orders-schema").unwrap();
    assert_eq!(c.policy_for(orders).unwrap().profile, Profile::Lenient);
    // The path, not the loaded policy, is what is written back.
    assert!(c.to_toml().contains("policy = \"policies/schemas.toml\"\n"));
}

#[test]
fn resolve_expands_every_template() {
    let c = Config::parse(&read("example.toml")).unwrap();
    let pet = c.surface("petstore").unwrap().resolve(&env).unwrap();
    assert_eq!(
        pet.source,
        ResolvedSource::Url {
            url: "https://api.example.com/openapi.json".into()
        }
    );
    assert_eq!(
        pet.headers,
        [
            (
                "Authorization".to_owned(),
                "Bearer tok-PETSTORE-9f8e7d".to_owned()
            ),
            ("Accept".to_owned(), "application/json".to_owned()),
        ]
    );
    let everything = c.surface("everything").unwrap().resolve(&env).unwrap();
    let ResolvedSource::McpStdio {
        command,
        env: e,
        cwd,
    } = everything.source
    else {
        panic!()
    };
    assert_eq!(
        command[2],
        "@modelcontextprotocol/server-everything@2026.1.14"
    );
    assert_eq!(
        e,
        [(
            "EVERYTHING_API_KEY".to_owned(),
            "key-EVERYTHING-5a4b3c".to_owned()
        )]
    );
    assert_eq!(cwd.as_deref(), Some("servers"));

    let err = c
        .surface("remote-mcp")
        .unwrap()
        .resolve(&|_: &str| None)
        .unwrap_err();
    assert_eq!(err.code(), "E_ENV");
    assert_eq!(err.variable, "REMOTE_MCP_TOKEN");
    assert_eq!(
        err.to_string(),
        "environment variable REMOTE_MCP_TOKEN is not set (needed by `surface \"remote-mcp\" headers.Authorization`)"
    );
    let Source::Url { url } = &c.surface("petstore").unwrap().source else {
        panic!()
    };
    assert_eq!(
        expand(url, &|_: &str| None).unwrap(),
        "https://api.example.com/openapi.json"
    );
}

#[test]
fn secrets_never_show() {
    let c = Config::parse(&read("example.toml")).unwrap();
    let secrets = c.secret_values(&env);
    assert_eq!(
        secrets,
        [
            "Bearer tok-PETSTORE-9f8e7d",
            "Bearer tok-REMOTE-1122",
            "application/json",
            "https://hooks.slack.test/services/T0/B0/xoxb-5566",
            "key-EVERYTHING-5a4b3c",
            "smtp-pw-7788",
            "tok-PETSTORE-9f8e7d",
            "tok-REMOTE-1122",
            "whsec-3344",
        ]
    );
    let log = "GET failed: Authorization: Bearer tok-PETSTORE-9f8e7d; env key-EVERYTHING-5a4b3c";
    assert_eq!(
        redact(log, &secrets),
        format!("GET failed: Authorization: {REDACTED}; env {REDACTED}")
    );
    // Debug output of the configuration and of a resolved surface carries no value.
    let debug = format!("{c:?}");
    let resolved = format!(
        "{:?}",
        c.surface("petstore").unwrap().resolve(&env).unwrap()
    );
    for s in &secrets {
        if s != "application/json" {
            assert!(!debug.contains(s.as_str()), "{s} in Debug");
            assert!(!resolved.contains(s.as_str()), "{s} in Debug");
        }
    }
    assert!(!debug.contains("${PETSTORE_TOKEN}"));
    // Literal (non-template) header values are secret too.
    let lit = Config::parse(
        "[[surface]]\nname = \"a\"\nurl = \"https://x.test/\"\nheaders = { X-Key = \"literal-k3y\" }\n",
    )
    .unwrap();
    assert!(!format!("{lit:?}").contains("literal-k3y"));
    assert_eq!(lit.secret_values(&|_: &str| None), ["literal-k3y"]);
    assert!(
        !lit.surfaces[0]
            .source
            .to_json(&lit.surfaces[0].headers)
            .to_string()
            .contains("literal-k3y")
    );
}

/// (config text, exact error message, line, column)
const INVALID: &[(&str, &str, usize, usize)] = &[
    (
        "surfaces = []\n",
        "unknown key \"surfaces\" (did you mean \"surface\"?) at line 1, column 1 (/surfaces)",
        1,
        1,
    ),
    (
        "[defaults]\ninterval = \"5x\"\n",
        "`defaults.interval`: \"5x\" has an unknown unit \"x\" (use `ms`, `s`, `m`, `h` or `d`) at line 2, column 12 (/defaults/interval)",
        2,
        12,
    ),
    (
        "[defaults]\ninterval = 60\n",
        "`defaults.interval`: must be a duration string with a unit, e.g. \"60s\", \"5m\" or \"1h\" at line 2, column 12 (/defaults/interval)",
        2,
        12,
    ),
    (
        "[defaults]\ninterval = \"500ms\"\n",
        "`defaults.interval`: \"500ms\" is out of range: must be from 1s to 30d at line 2, column 12 (/defaults/interval)",
        2,
        12,
    ),
    (
        "[defaults]\ninterval = \"10s\"\ntimeout = \"1m\"\n",
        "`defaults.timeout`: the timeout (1m) must not exceed the interval (10s) at line 3, column 11 (/defaults/timeout)",
        3,
        11,
    ),
    (
        "[[surface]]\nname = \"a\"\nfile = \"a.json\"\n\n[[surface]]\nname = \"a\"\nurl = \"https://x\"\n",
        "`surface[1].name`: duplicate surface name \"a\" (first used on line 2); names must be unique at line 6, column 8 (/surface/1/name)",
        6,
        8,
    ),
    (
        "[[surface]]\nname = \"a\"\n",
        "`surface[0]`: surface \"a\" has no source: give exactly one of file, url, mcp_stdio, mcp_http, endpoint, package at line 1, column 1 (/surface/0)",
        1,
        1,
    ),
    (
        "[[surface]]\nname = \"a\"\nfile = \"a\"\nurl = \"https://x\"\n",
        "`surface[0].url`: surface \"a\" has more than one source (file, url): give exactly one at line 4, column 7 (/surface/0/url)",
        4,
        7,
    ),
    (
        "[[surface]]\nurl = \"https://x\"\n",
        "`surface[0]`: has no `name` at line 1, column 1 (/surface/0)",
        1,
        1,
    ),
    (
        "[[surface]]\nname = \"has space\"\nurl = \"https://x\"\n",
        "`surface[0].name`: a name is 1 to 64 characters: a letter or digit, then letters, digits, `.`, `_` or `-` at line 2, column 8 (/surface/0/name)",
        2,
        8,
    ),
    (
        "[[surface]]\nname = 7\nurl = \"https://x\"\n",
        "`surface[0].name`: must be a string, found an integer at line 2, column 8 (/surface/0/name)",
        2,
        8,
    ),
    (
        "[[surface]]\nname = \"a\"\nurl = \"ftp://x\"\n",
        "`surface[0].url`: must be an http:// or https:// URL without spaces (or start with a ${VAR} holding one) at line 3, column 7 (/surface/0/url)",
        3,
        7,
    ),
    (
        "[[surface]]\nname = \"a\"\nurl = \"https://x/?k=${API KEY}\"\n",
        "`surface[0].url`: `${…}` is not a variable reference: a name is a letter or `_` followed by letters, digits or `_` (write `$$` for a literal `$`) at line 3, column 21 (/surface/0/url)",
        3,
        21,
    ),
    (
        "[[surface]]\nname = \"a\"\nfile = \"a.json\"\nheaders = { A = \"b\" }\n",
        "`surface[0].headers`: headers apply only to url, mcp_http and endpoint sources, not to file at line 4, column 11 (/surface/0/headers)",
        4,
        11,
    ),
    (
        "[[surface]]\nname = \"a\"\nurl = \"https://x\"\nheaders = { \"bad header\" = \"b\" }\n",
        "`surface[0].headers.\"bad header\"`: is not a valid HTTP header name at line 4, column 13 (/surface/0/headers/bad header)",
        4,
        13,
    ),
    (
        "[[surface]]\nname = \"a\"\nurl = \"https://x\"\nheaders = { A = \"b\", a = \"c\" }\n",
        "`surface[0].headers.a`: header \"a\" is given twice (names are case-insensitive) at line 4, column 22 (/surface/0/headers/a)",
        4,
        22,
    ),
    (
        "[[surface]]\nname = \"a\"\nurl = \"https://x\"\nheaders = { A = \"b\\r\\nX-Injected: 1\" }\n",
        "`surface[0].headers.A`: a header value must not contain CR, LF or NUL at line 4, column 17 (/surface/0/headers/A)",
        4,
        17,
    ),
    (
        "[[surface]]\nname = \"a\"\n[surface.mcp_stdio]\ncommand = []\n",
        "`surface[0].mcp_stdio.command`: must list the program and its arguments (1 to 1000 strings) at line 4, column 11 (/surface/0/mcp_stdio/command)",
        4,
        11,
    ),
    (
        "[[surface]]\nname = \"a\"\n[surface.mcp_stdio]\ncommand = [\"npx\"]\ncwdd = \"x\"\n",
        "`surface[0].mcp_stdio`: unknown key \"cwdd\" (did you mean \"cwd\"?) at line 5, column 1 (/surface/0/mcp_stdio/cwdd)",
        5,
        1,
    ),
    (
        "[[surface]]\nname = \"a\"\nendpoint = { url = \"https://x\", samples = 0 }\n",
        "`surface[0].endpoint.samples`: must be an integer from 1 to 1000 at line 3, column 43 (/surface/0/endpoint/samples)",
        3,
        43,
    ),
    (
        "[[surface]]\nname = \"a\"\nurl = \"https://x\"\npolicy = { profil = \"strict\" }\n",
        "`surface[0].policy`: unknown key \"profil\" (did you mean \"profile\"?) at line 4, column 12 (/surface/0/policy/profil)",
        4,
        12,
    ),
    (
        "[policy]\nprofile = \"strict\"\nfail_on = \"sometimes\"\n",
        "`policy`: `fail_on` must be one of `breaking`, `dangerous`, `safe`, `never`, found \"sometimes\" at line 3, column 11 (/policy/fail_on)",
        3,
        11,
    ),
    (
        "[[policy.ignore]]\nrule = \"no-such-rule\"\nlocation = \"**\"\nreason = \"x\"\n",
        "`policy`: unknown rule id \"no-such-rule\" in `ignore[0].rule` (list the rules with `driftguard rules`) at line 2, column 8 (/policy/ignore/0/rule)",
        2,
        8,
    ),
    (
        "[[surface]]\nname = \"a\"\nurl = \"https://x\"\npolicy = 3\n",
        "`surface[0].policy`: must be a policy table or the path of a policy file, found an integer at line 4, column 10 (/surface/0/policy)",
        4,
        10,
    ),
    (
        "[watch]\njitter = 0.9\n",
        "`watch.jitter`: must be a fraction of the interval from 0.0 to 0.5 at line 2, column 10 (/watch/jitter)",
        2,
        10,
    ),
    (
        "[watch]\nconcurrency = 99999999999999999999\n",
        "`watch.concurrency`: must be an integer from 1 to 1024 at line 2, column 15 (/watch/concurrency)",
        2,
        15,
    ),
    (
        "[[alerts.webhook]]\nurl = \"https://x\"\nsecert = \"${S}\"\n",
        "`alerts.webhook[0]`: unknown key \"secert\" (did you mean \"secret\"?) at line 3, column 1 (/alerts/webhook/0/secert)",
        3,
        1,
    ),
    (
        "[[alerts.email]]\nhost = \"smtp.x\"\nfrom = \"a@x\"\nto = [\"b@x\\r\\nBcc: evil@x\"]\n",
        "`alerts.email[0].to[0]`: must be one email address such as ops@example.com at line 4, column 7 (/alerts/email/0/to/0)",
        4,
        7,
    ),
    (
        "[[alerts.email]]\nhost = \"smtp.x\"\nfrom = \"a@x\"\nto = [\"b@x\"]\npassword = \"${P}\"\n",
        "`alerts.email[0].password`: a password needs a `username` at line 5, column 12 (/alerts/email/0/password)",
        5,
        12,
    ),
    (
        "[[alerts.email]]\nhost = \"smtp.x\"\nto = [\"b@x\"]\n",
        "`alerts.email[0]`: has no `from` at line 1, column 1 (/alerts/email/0)",
        1,
        1,
    ),
    (
        "[[alerts.slack]]\nurl = \"${A}\"\n[[alerts.slack]]\nname = \"slack-1\"\nurl = \"${B}\"\n",
        "`alerts.slack[1].name`: duplicate alert sink name \"slack-1\" at line 4, column 8 (/alerts/slack/1/name)",
        4,
        8,
    ),
    (
        "alerts = \"x\"\n",
        "`alerts`: must be a table, found a string at line 1, column 10 (/alerts)",
        1,
        10,
    ),
    (
        "surface = { name = \"a\" }\n",
        "`surface`: must be an array of tables (write each surface under `[[surface]]`), found a table at line 1, column 11 (/surface)",
        1,
        11,
    ),
    (
        "[[surface]]\nname = \"a\"\nurl = \"https://x\"\nname = \"b\"\n",
        "driftguard.toml is not valid TOML: duplicate key at line 4, column 1",
        4,
        1,
    ),
];

#[test]
fn every_invalid_config_is_located() {
    let mut failures = Vec::new();
    for (text, message, line, column) in INVALID {
        match Config::parse(text) {
            Ok(_) => failures.push(format!("accepted: {text:?}")),
            Err(e) => {
                let loc = e.location().cloned().unwrap_or_default();
                if e.code() != "E_CONFIG"
                    || e.to_string() != *message
                    || loc.line != Some(*line)
                    || loc.column != Some(*column)
                {
                    failures.push(format!(
                        "{text:?}\n  got      {} {e}\n  expected {message}",
                        e.code()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hostile_inputs_end_in_located_config_errors() {
    // Larger than the limit: refused before parsing, located at the limit.
    let huge = format!(
        "# {}\n",
        "x".repeat(driftguard_core::config::MAX_CONFIG_BYTES)
    );
    let e = Config::parse(&huge).unwrap_err();
    assert_eq!(e.code(), "E_CONFIG");
    assert_eq!(e.location().unwrap().line, Some(1));
    assert!(
        e.to_string().contains("over the limit of 1048576 bytes"),
        "{e}"
    );

    // Deeply nested arrays and inline tables: the TOML parser bounds the nesting.
    for deep in [
        format!("x = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
        format!("x = {}1{}\n", "{a = ".repeat(50_000), "}".repeat(50_000)),
        format!(
            "{}\n",
            (0..5000).map(|i| format!("[t{i}]")).collect::<String>()
        ),
    ] {
        let e = Config::parse(&deep).unwrap_err();
        assert_eq!(e.code(), "E_CONFIG", "{e}");
        assert!(e.location().unwrap().line.is_some(), "{e}");
    }
    // Deep dotted tables are valid TOML but an unknown key.
    let dotted = format!("a{} = 1\n", ".b".repeat(10_000));
    let e = Config::parse(&dotted).unwrap_err();
    assert_eq!(e.code(), "E_CONFIG");
    assert_eq!(e.location().unwrap().line, Some(1), "{e}");

    // Many surfaces within the size limit parse; names stay unique.
    let many: String = (0..2000)
        .map(|i| format!("[[surface]]\nname = \"s{i}\"\nurl = \"http://127.0.0.1:8000/{i}\"\n"))
        .collect();
    assert_eq!(Config::parse(&many).unwrap().surfaces.len(), 2000);

    // Wrong types everywhere: a string where a table is expected and vice versa.
    for (text, pointer) in [
        ("defaults = 1\n", "/defaults"),
        ("[watch]\nconcurrency = \"8\"\n", "/watch/concurrency"),
        (
            "[[surface]]\nname = \"a\"\nmcp_stdio = \"npx server\"\n",
            "/surface/0/mcp_stdio",
        ),
        (
            "[[surface]]\nname = \"a\"\n[surface.mcp_stdio]\ncommand = [1]\n",
            "/surface/0/mcp_stdio/command/0",
        ),
        (
            "[[surface]]\nname = \"a\"\n[surface.mcp_stdio]\ncommand = [\"x\"]\nenv = { A = 1 }\n",
            "/surface/0/mcp_stdio/env/A",
        ),
        (
            "[[alerts.email]]\nhost = \"h\"\nfrom = \"a@x\"\nto = \"b@x\"\n",
            "/alerts/email/0/to",
        ),
        (
            "[[alerts.email]]\nhost = \"h\"\nfrom = \"a@x\"\nto = [\"b@x\"]\nstarttls = \"yes\"\n",
            "/alerts/email/0/starttls",
        ),
        (
            "[[alerts.email]]\nhost = \"h\"\nfrom = \"a@x\"\nto = [\"b@x\"]\nport = 70000\n",
            "/alerts/email/0/port",
        ),
        (
            "[[surface]]\nname = \"a\"\nurl = \"https://x\"\ntimeout = 2026-01-01\n",
            "/surface/0/timeout",
        ),
    ] {
        let e = Config::parse(text).unwrap_err();
        assert_eq!(e.code(), "E_CONFIG", "{text}");
        let loc = e.location().unwrap();
        assert_eq!(loc.pointer.as_deref(), Some(pointer), "{text}: {e}");
        assert!(loc.line.is_some(), "{text}: {e}");
    }
}

#[test]
fn errors_never_repeat_secret_values() {
    for text in [
        "[[surface]]\nname = \"a\"\nurl = \"https://x\"\nheaders = { A = \"sk-live-0000\\n\" }\n",
        "[[surface]]\nname = \"a\"\nurl = \"https://x\"\nheaders = { A = \"sk-live-0000 ${\" }\n",
        "[[surface]]\nname = \"a\"\nurl = \"https://x\"\nheaders = { A = \"${sk-live-0000}\" }\n",
        "[[alerts.email]]\nhost = \"h\"\nfrom = \"a@x\"\nto = [\"b@x\"]\npassword = \"sk-live-0000\"\n",
        "[[alerts.slack]]\nurl = \"sk-live-0000\"\n",
    ] {
        let e = Config::parse(text).unwrap_err();
        assert_eq!(e.code(), "E_CONFIG");
        assert!(!e.to_string().contains("sk-live-0000"), "{e}");
    }
}

#[test]
fn awkward_strings_round_trip() {
    let text = r#"
[watch]
store = "postgresql://dg:${PGPASSWORD}@127.0.0.1:5432/dg"
jitter = 0

[[surface]]
name = "weird.1_x-y"
file = "dir with spaces/\"quoted\"\\back\tslash/é—🙂.yaml"
policy = { ignore = [{ rule = "operation-removed", location = "DELETE /a/*", reason = "why \"not\"", expires = 2027-01-31 }], overrides = { "enum-value-added" = "breaking" } }

[[surface]]
name = "mcp"
interval = "1d"
timeout = "1h"
[surface.mcp_stdio]
command = ["node", "server.js", "--flag=$$HOME", "it's", "${ARG}"]
env = { "WITH SPACE" = "v", "dotted.name" = "${X}" }

[[surface]]
name = "ep"
endpoint = "https://x.test/${PATH_PART}?q=1"
headers = { "X-Weird.Header~" = "a \"b\" c", "user-agent" = "dg" }
"#;
    let c = Config::parse(text).unwrap();
    let out = c.to_toml();
    let again = Config::parse(&out).unwrap();
    assert_eq!(again, c, "{out}");
    assert_eq!(again.to_toml(), out);
    assert_eq!(c.watch.jitter, 0.0);
    let Source::File { path } = &c.surfaces[0].source else {
        panic!()
    };
    assert_eq!(path, "dir with spaces/\"quoted\"\\back\tslash/é—🙂.yaml");
    let Source::McpStdio { command, .. } = &c.surfaces[1].source else {
        panic!()
    };
    assert_eq!(command[2].expand(&|_: &str| None).unwrap(), "--flag=$HOME");
    assert_eq!(
        c.surfaces[2].source.describe(),
        "endpoint https://x.test/${PATH_PART}?q=1 (5 samples, 1s apart)"
    );
    assert_eq!(
        c.surfaces[1].source.describe(),
        "mcp_stdio node server.js --flag=$$HOME 'it'\\''s' ${ARG} (env: WITH SPACE, dotted.name)"
    );
    // The store URL is secret; its password variable's value is known to the scrubber.
    let lookup = |n: &str| (n == "PGPASSWORD").then(|| "pg-pw-1".to_owned());
    let secrets = c.secret_values(&lookup);
    assert!(secrets.contains(&"pg-pw-1".to_owned()));
    assert!(secrets.contains(&"postgresql://dg:pg-pw-1@127.0.0.1:5432/dg".to_owned()));
    assert!(!format!("{c:?}").contains("PGPASSWORD"));
}
