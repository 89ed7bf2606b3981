use super::*;

#[test]
fn minimal_config_uses_defaults() {
    let c = Config::parse("[[surface]]\nname = \"a\"\nfile = \"a.json\"\n").unwrap();
    assert_eq!(c.defaults, Defaults::default());
    assert_eq!(c.surfaces.len(), 1);
    assert_eq!(c.surfaces[0].interval, DEFAULT_INTERVAL);
    assert_eq!(Config::parse(&c.to_toml()).unwrap(), c);
}

#[test]
fn empty_config_is_valid() {
    let c = Config::parse("").unwrap();
    assert!(c.surfaces.is_empty());
    assert_eq!(Config::parse(&c.to_toml()).unwrap(), c);
}

#[test]
fn backoff_saturates() {
    let s = Duration::from_secs(1);
    assert_eq!(backoff(s, 0, Duration::MAX), s);
    assert_eq!(backoff(s, 4, Duration::MAX), Duration::from_secs(16));
    assert_eq!(
        backoff(s, 4, Duration::from_secs(10)),
        Duration::from_secs(10)
    );
    assert_eq!(
        backoff(s, u32::MAX, Duration::from_secs(7)),
        Duration::from_secs(7)
    );
    assert_eq!(backoff(Duration::MAX, 3, Duration::MAX), Duration::MAX);
}

#[test]
fn poll_delay_never_shrinks_below_the_interval() {
    let w = Watch {
        jitter: 0.5,
        max_backoff: Duration::from_secs(60),
        ..Watch::default()
    };
    let day = Duration::from_secs(86_400);
    assert_eq!(w.poll_delay(day, 5, 0.0), day);
    assert_eq!(w.poll_delay(day, 0, 1.0), day + day / 2);
    assert_eq!(w.poll_delay(day, 0, f64::NAN), day);
    assert_eq!(w.poll_delay(day, 0, 7.0), day + day / 2);
}

#[test]
fn poll_delay_survives_hostile_fields() {
    for jitter in [f64::NAN, f64::INFINITY, -1.0, 1e300] {
        let w = Watch {
            jitter,
            ..Watch::default()
        };
        let _ = w.poll_delay(Duration::MAX, u32::MAX, 0.9);
        let _ = w.poll_delay(Duration::from_secs(60), 3, 0.9);
    }
}

fn mcp(command: &str, extra: &str) -> String {
    let argv: Vec<String> = command.split(' ').map(|a| format!("{a:?}")).collect();
    format!(
        "[[surface]]\nname = \"mail\"\n[surface.mcp_stdio]\ncommand = [{}]\nenv = {{ npm_config_registry = \"${{REG}}\" }}\ncwd = \"srv\"\n{extra}",
        argv.join(", ")
    )
}

#[test]
fn an_npx_surface_gets_a_package_companion() {
    let c = Config::parse(&mcp("npx -y mailer-mcp", "")).unwrap();
    let names: Vec<&str> = c.surfaces.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["mail", "mail.package"]);
    let companion = &c.surfaces[1];
    assert_eq!(
        companion.source.describe(),
        "package npm:mailer-mcp@latest (run by surface mail)"
    );
    assert_eq!(companion.interval, c.surfaces[0].interval);
    // Written back without the companion, which is derived again.
    let toml = c.to_toml();
    assert!(!toml.contains("mail.package"), "{toml}");
    assert_eq!(Config::parse(&toml).unwrap(), c);
    // The plan resolves the companion with the MCP surface's environment.
    let plan = c.capture_plan(&|v| (v == "REG").then(|| "http://127.0.0.1:9/".to_owned()));
    let p = &plan["surfaces"][1];
    assert_eq!(p["kind"], "package");
    assert_eq!(p["package"], "npm:mailer-mcp@latest");
    assert_eq!(p["ecosystem"], "npm");
    assert_eq!(p["package_name"], "mailer-mcp");
    assert_eq!(p["version"], "latest");
    assert_eq!(p["of"], "mail");
    assert_eq!(
        p["env"],
        serde_json::json!([["npm_config_registry", "http://127.0.0.1:9/"]])
    );
    assert_eq!(p["cwd"], "srv");
    assert_eq!(p["registry"], serde_json::Value::Null);
    let unset = c.capture_plan(&|_| None);
    assert_eq!(unset["surfaces"][1]["error"]["code"], "E_ENV");
}

#[test]
fn the_companion_can_be_named_or_turned_off() {
    let named = Config::parse(&mcp(
        "node wrapper.js",
        "package = \"pypi:mcp-server-time==2026.10.10\"\n",
    ))
    .unwrap();
    assert_eq!(
        named.surfaces[1].source.describe(),
        "package pypi:mcp-server-time==2026.10.10 (run by surface mail)"
    );
    assert_eq!(Config::parse(&named.to_toml()).unwrap(), named);
    let off = Config::parse(&mcp("npx -y mailer-mcp", "package = false\n")).unwrap();
    assert_eq!(off.surfaces.len(), 1);
    assert_eq!(Config::parse(&off.to_toml()).unwrap(), off);
    let plain = Config::parse(&mcp("node server.js", "")).unwrap();
    assert_eq!(plain.surfaces.len(), 1);
    for (extra, message) in [
        ("package = true\n", "must be a package spec"),
        ("package = \"mailer-mcp\"\n", "is not a package spec"),
        ("package = \"npm:../x\"\n", "is not an npm package name"),
    ] {
        let e = Config::parse(&mcp("npx -y mailer-mcp", extra)).unwrap_err();
        assert_eq!(e.code(), "E_CONFIG");
        assert!(e.to_string().contains(message), "{e}");
        assert!(e.to_string().contains("mcp_stdio.package"), "{e}");
    }
}

#[test]
fn a_companion_name_collision_is_an_error() {
    let text = format!(
        "{}\n[[surface]]\nname = \"mail.package\"\nfile = \"x.json\"\n",
        mcp("npx -y mailer-mcp", "")
    );
    let e = Config::parse(&text).unwrap_err();
    assert_eq!(e.code(), "E_CONFIG");
    assert!(
        e.to_string()
            .contains("duplicate surface name \"mail.package\""),
        "{e}"
    );
    let first = format!(
        "[[surface]]\nname = \"mail.package\"\nfile = \"x.json\"\n\n{}",
        mcp("npx -y mailer-mcp", "")
    );
    let e = Config::parse(&first).unwrap_err();
    assert!(e.to_string().contains("already used on line 2"), "{e}");
}

#[test]
fn package_surfaces_parse_and_plan() {
    let c = Config::parse(
        "[[surface]]\nname = \"pm\"\npackage = \"npm:postmark-mcp@1.0.15\"\n\n[[surface]]\nname = \"t\"\npackage = \"pypi:mcp-server-time\"\n",
    )
    .unwrap();
    assert_eq!(c.surfaces[0].source.key(), "package");
    let plan = c.capture_plan(&|_| None);
    assert_eq!(plan["surfaces"][0]["package"], "npm:postmark-mcp@1.0.15");
    assert_eq!(plan["surfaces"][0]["version"], "1.0.15");
    assert!(plan["surfaces"][0].get("of").is_none());
    assert_eq!(plan["surfaces"][1]["ecosystem"], "pypi");
    assert_eq!(plan["surfaces"][1]["version"], "latest");
    assert_eq!(Config::parse(&c.to_toml()).unwrap(), c);
    let e =
        Config::parse("[[surface]]\nname = \"x\"\npackage = \"npm:a\"\nheaders = { A = \"b\" }\n")
            .unwrap_err();
    assert!(e.to_string().contains("headers apply only to"), "{e}");
}

#[test]
fn trivial_values_are_not_secrets() {
    let c = Config::parse(
        "[[surface]]\nname = \"m\"\n[surface.mcp_stdio]\ncommand = [\"srv\"]\nenv = { DEBUG = \"false\", PORT = \"8080\", N = \"ab\", KEY = \"sk-live-1234\", T = \"${TOK}\" }\n",
    )
    .unwrap();
    let secrets = c.secret_values(&|v| (v == "TOK").then(|| "on".to_owned()));
    assert_eq!(secrets, ["sk-live-1234"]);
    assert_eq!(
        redact("{\"fails\": false, \"key\": \"sk-live-1234\"}", &secrets),
        "{\"fails\": false, \"key\": \"[redacted]\"}"
    );
}

#[test]
fn retention_defaults_to_90_days_and_accepts_forever() {
    let d = Config::parse("").unwrap();
    assert_eq!(d.watch.retention, Some(Duration::from_secs(90 * 86_400)));
    assert!(!d.to_toml().contains("retention"));
    for (text, want) in [
        ("\"1d\"", Some(Duration::from_secs(86_400))),
        ("\"400d\"", Some(Duration::from_secs(400 * 86_400))),
        ("\"forever\"", None),
    ] {
        let c = Config::parse(&format!("[watch]\nretention = {text}\n")).unwrap();
        assert_eq!(c.watch.retention, want, "{text}");
        assert_eq!(Config::parse(&c.to_toml()).unwrap(), c, "{text}");
    }
}

#[test]
fn bad_retention_is_located() {
    for (text, msg) in [
        (
            "\"23h\"",
            "\"23h\" is out of range: must be from 1d to 36500d",
        ),
        ("\"36501d\"", "is out of range"),
        ("\"never\"", "is not a duration"),
        ("90", "must be a duration string with a unit"),
    ] {
        let e = Config::parse(&format!("[watch]\nretention = {text}\n")).unwrap_err();
        assert_eq!(e.code(), "E_CONFIG", "{text}");
        let s = e.to_string();
        assert!(s.contains("watch.retention"), "{text}: {s}");
        assert!(s.contains(msg), "{text}: {s}");
        assert!(s.contains("at line 2, column 13"), "{text}: {s}");
    }
}
