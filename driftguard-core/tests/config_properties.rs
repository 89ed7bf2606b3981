//! Properties of `driftguard.toml` handling: any configuration the types can hold
//! survives `to_toml` → `parse` unchanged and rewrites to the same bytes; no text makes
//! the parser panic or return anything but `E_CONFIG`; templates and redaction hold.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Duration;

use driftguard_core::classify::Severity;
use driftguard_core::classify::policy::{Policy, Threshold};
use driftguard_core::config::{
    Alerts, Config, Defaults, EmailSink, Header, PackageSpec, PackageTie, PolicyRef, REDACTED,
    Secret, SlackSink, Source, SurfaceConfig, Template, Watch, WebhookSink, redact,
};
use proptest::prelude::*;

/// Any text, including quotes, backslashes, controls (not NUL), `$`, emoji.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 \"'\\\\$\\{\\}\t\n\u{7f}\u{85}é🙂._/-]{1,24}"
        .prop_filter("no blank", |s| !s.trim().is_empty())
}

fn template() -> impl Strategy<Value = Template> {
    prop_oneof![
        text().prop_map(|s| Template::literal(&s)),
        ("[A-Z_][A-Z0-9_]{0,8}", text()).prop_map(|(v, s)| Template::new(format!(
            "{}${{{v}}}",
            Template::literal(&s).as_str()
        ))
        .unwrap()),
    ]
}

fn url() -> impl Strategy<Value = Template> {
    (
        "[a-z]{1,8}",
        "[a-z0-9/]{0,12}",
        proptest::option::of("[A-Z]{1,6}"),
    )
        .prop_map(|(host, path, var)| {
            let q = var.map(|v| format!("?k=${{{v}}}")).unwrap_or_default();
            Template::new(format!("https://{host}.test/{path}{q}")).unwrap()
        })
}

fn header_value() -> impl Strategy<Value = Secret> {
    template()
        .prop_filter("no CR/LF", |t| !t.as_str().contains(['\r', '\n']))
        .prop_map(Secret::new)
}

fn duration(min_s: u64, max_s: u64) -> impl Strategy<Value = Duration> {
    (min_s..=max_s).prop_map(Duration::from_secs)
}

fn source() -> impl Strategy<Value = Source> {
    prop_oneof![
        text().prop_map(|path| Source::File { path }),
        url().prop_map(|url| Source::Url { url }),
        url().prop_map(|url| Source::McpHttp { url }),
        (url(), 1u32..=1000, duration(0, 3600)).prop_map(|(url, samples, sample_interval)| {
            Source::Endpoint {
                url,
                samples,
                sample_interval,
            }
        }),
        (
            proptest::collection::vec(template(), 1..5),
            proptest::collection::btree_map("[A-Za-z_ .]{1,8}", header_value(), 0..3),
            proptest::option::of(text()),
            any::<bool>(),
        )
            .prop_map(|(command, env, cwd, off)| Source::McpStdio {
                command,
                env: env.into_iter().collect(),
                cwd,
                // A random argv runs no registry package, so no companion surface
                // appears; `Spec` ties are covered by the example tests.
                package: if off {
                    PackageTie::Off
                } else {
                    PackageTie::Auto
                },
            }),
        (
            "[a-z][a-z0-9-]{0,12}",
            "[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,2}|latest",
            any::<bool>()
        )
            .prop_map(|(name, version, npm)| Source::Package {
                spec: PackageSpec::parse(&if npm {
                    format!("npm:{name}@{version}")
                } else if version == "latest" {
                    format!("pypi:{name}x")
                } else {
                    format!("pypi:{name}x=={version}")
                })
                .unwrap(),
                of: None,
                registry: None,
            }),
    ]
}

fn headers() -> impl Strategy<Value = Vec<Header>> {
    proptest::collection::btree_map("[a-z][a-z0-9-]{0,10}", header_value(), 0..4).prop_map(|m| {
        m.into_iter()
            .map(|(name, value)| Header { name, value })
            .collect()
    })
}

fn policy() -> impl Strategy<Value = Policy> {
    (0..3usize, 0..4usize).prop_map(|(p, f)| Policy {
        profile: [
            driftguard_core::classify::Profile::Strict,
            driftguard_core::classify::Profile::Standard,
            driftguard_core::classify::Profile::Lenient,
        ][p],
        fail_on: [
            Threshold::Breaking,
            Threshold::Dangerous,
            Threshold::Safe,
            Threshold::Never,
        ][f],
        ..Policy::default()
    })
}

fn policy_ref() -> impl Strategy<Value = PolicyRef> {
    prop_oneof![
        policy().prop_map(PolicyRef::Inline),
        "[a-z/]{1,10}\\.toml".prop_map(|path| PolicyRef::File { path, policy: None }),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    (
        duration(10, 86_400),
        proptest::collection::vec(
            (
                source(),
                duration(10, 86_400),
                headers(),
                proptest::option::of(policy_ref()),
            ),
            0..5,
        ),
        policy_ref(),
        (1u32..=1024, 0u32..=50, proptest::option::of(url())),
        proptest::collection::vec(
            (url(), proptest::option::of(header_value()), headers()),
            0..3,
        ),
        proptest::collection::vec(url(), 0..3),
        proptest::collection::vec(
            (
                1u16..=65535,
                any::<bool>(),
                proptest::option::of(template()),
                any::<bool>(),
            ),
            0..3,
        ),
    )
        .prop_map(
            |(
                default_interval,
                surfaces,
                policy,
                (concurrency, jitter, store),
                hooks,
                slacks,
                emails,
            )| {
                let defaults = Defaults {
                    interval: default_interval,
                    timeout: Duration::from_secs(10),
                };
                let surfaces = surfaces
                    .into_iter()
                    .enumerate()
                    .map(|(i, (source, interval, headers, policy))| SurfaceConfig {
                        name: format!("s{i}"),
                        headers: if source.is_http() {
                            headers
                        } else {
                            Vec::new()
                        },
                        source,
                        interval,
                        timeout: Duration::from_secs(10),
                        policy,
                    })
                    .collect();
                let sev =
                    |i: usize| [Severity::Safe, Severity::Dangerous, Severity::Breaking][i % 3];
                let alerts = Alerts {
                    webhooks: hooks
                        .into_iter()
                        .enumerate()
                        .map(|(i, (url, secret, headers))| WebhookSink {
                            name: format!("hook{i}"),
                            url,
                            secret,
                            headers,
                            on: sev(i),
                        })
                        .collect(),
                    slack: slacks
                        .into_iter()
                        .enumerate()
                        .map(|(i, u)| SlackSink {
                            name: format!("slack{i}"),
                            url: Secret::new(u),
                            on: sev(i + 1),
                        })
                        .collect(),
                    email: emails
                        .into_iter()
                        .enumerate()
                        .map(|(i, (port, starttls, username, with_password))| EmailSink {
                            name: format!("mail{i}"),
                            host: "smtp.test".into(),
                            port,
                            from: "a@x.test".into(),
                            to: vec!["b@x.test".into(), format!("c{i}@x.test")],
                            starttls,
                            password: (with_password && username.is_some())
                                .then(|| Secret::new(Template::new("${SMTP_PW}").unwrap())),
                            username,
                            on: sev(i + 2),
                        })
                        .collect(),
                };
                Config {
                    defaults,
                    policy,
                    watch: Watch {
                        store: store.map(Secret::new),
                        concurrency,
                        jitter: f64::from(jitter) / 100.0,
                        max_backoff: Duration::from_secs(3600),
                        // "forever" and 1 to 1024 days: all round-trip through to_toml.
                        retention: (concurrency % 2 == 1)
                            .then(|| Duration::from_secs(86_400 * u64::from(concurrency))),
                    },
                    surfaces,
                    alerts,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn to_toml_round_trips(c in config()) {
        let out = c.to_toml();
        let again = Config::parse(&out).map_err(|e| TestCaseError::fail(format!("{e}\n{out}")))?;
        prop_assert_eq!(&again, &c);
        prop_assert_eq!(again.to_toml(), out);
    }

    #[test]
    fn any_text_is_a_config_or_a_located_config_error(s in "(\\[\\[?[a-z.]{0,12}\\]\\]?\n|[a-z_]{1,10} = (\"[^\"\\\\]{0,10}\"|[0-9]{1,3}|\\[|\\{|true)\n|\\PC{0,20}){0,12}") {
        if let Err(e) = Config::parse(&s) {
            prop_assert_eq!(e.code(), "E_CONFIG");
            prop_assert!(e.location().is_some_and(|l| l.line.is_some()), "{}", e);
        }
    }

    #[test]
    fn literal_templates_expand_to_themselves(s in "\\PC{0,40}") {
        prop_assert_eq!(Template::literal(&s).expand(&|_: &str| None).unwrap(), s);
    }

    #[test]
    fn redact_removes_every_secret(prefix in "\\PC{0,20}", secret in "[a-zA-Z0-9]{1,20}", suffix in "\\PC{0,20}") {
        let text = format!("{prefix}{secret}{suffix}{secret}");
        // The marker itself may contain a short secret ("c" in "[redacted]"): look
        // between markers only.
        let out = redact(&text, std::slice::from_ref(&secret)).replace(REDACTED, "\u{1}");
        prop_assert!(!out.contains(&secret), "{}", out);
    }
}
