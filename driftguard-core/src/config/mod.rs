//! `driftguard.toml`: the surfaces to watch, how to capture them, the policy to judge
//! their drift by, and where to send alerts — parsed and validated by the core.
//!
//! The core reads no file and no environment. It parses the text, validates every
//! value (an error is `E_CONFIG` with the line, column, key path and JSON Pointer of the
//! offending key or value; an unknown key comes with a "did you mean"), and keeps each
//! `${VAR}` placeholder as a [`Template`]. The binding expands templates with
//! [`SurfaceConfig::resolve`] (or [`expand`]) at capture time, reads policy files
//! named by the configuration and hands their text to [`Config::load_policy_file`].
//!
//! ```
//! use driftguard_core::config::Config;
//!
//! let config = Config::parse(r#"
//! [defaults]
//! interval = "5m"
//!
//! [[surface]]
//! name = "petstore"
//! url = "https://api.example.com/openapi.json"
//! headers = { Authorization = "Bearer ${PETSTORE_TOKEN}" }
//! "#).unwrap();
//! let s = config.surface("petstore").unwrap();
//! assert_eq!(s.interval.as_secs(), 300);
//! assert_eq!(s.source.describe(), "url https://api.example.com/openapi.json");
//! assert_eq!(Config::parse(&config.to_toml()).unwrap(), config);
//!
//! let err = Config::parse("[[surface]]\nname = \"a\"\nurl = \"https://x\"\nintervall = \"5m\"\n")
//!     .unwrap_err();
//! assert_eq!(err.code(), "E_CONFIG");
//! assert_eq!(
//!     err.to_string(),
//!     "`surface[0]`: unknown key \"intervall\" (did you mean \"interval\"?) \
//!      at line 4, column 1 (/surface/0/intervall)"
//! );
//! ```
//!
//! The complete format is documented in `docs/config.md`.

mod doc;
pub(crate) mod duration;
mod package;
mod plan;
mod template;
mod write;

use std::collections::BTreeMap;
use std::ops::Range;
use std::time::Duration;

use serde_json::{Value, json};

use crate::classify::Severity;
use crate::classify::policy::Policy;
use crate::error::{Error, Location, Result};
use doc::{Node, Path, Reader, Val};
pub use package::{CommandPackage, Ecosystem, PackageSpec};
pub use template::{EnvError, REDACTED, Secret, Template, expand, redact};

/// The largest configuration accepted, in bytes.
pub const MAX_CONFIG_BYTES: usize = 1 << 20;
/// The most surfaces one configuration may list.
pub const MAX_SURFACES: usize = 10_000;
/// The shortest polling interval.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// The longest polling interval (30 days).
pub const MAX_INTERVAL: Duration = Duration::from_secs(30 * 86_400);
/// The shortest capture timeout.
pub const MIN_TIMEOUT: Duration = Duration::from_secs(1);
/// The longest capture timeout.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3_600);
/// The interval when neither the surface nor `[defaults]` gives one.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(300);
/// The timeout when neither the surface nor `[defaults]` gives one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A parsed, validated `driftguard.toml`.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Interval and timeout of surfaces that do not set their own.
    pub defaults: Defaults,
    /// The policy of surfaces that do not set their own (`[policy]`).
    pub policy: PolicyRef,
    /// Watcher settings (`[watch]`).
    pub watch: Watch,
    /// The surfaces, in document order; names are unique.
    pub surfaces: Vec<SurfaceConfig>,
    /// Alert sinks (`[alerts]`).
    pub alerts: Alerts,
}

/// `[defaults]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaults {
    /// Polling interval.
    pub interval: Duration,
    /// Capture timeout.
    pub timeout: Duration,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            interval: DEFAULT_INTERVAL,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// `[watch]`: how the watcher runs (the core only validates these).
#[derive(Clone, Debug, PartialEq)]
pub struct Watch {
    /// Where history is kept: a SQLite file path (relative to the configuration) or a
    /// `postgresql://` URL. `None`: `driftguard.db` beside the configuration. Secret
    /// (a database URL may carry a password).
    pub store: Option<Secret>,
    /// How many captures may run at once.
    pub concurrency: u32,
    /// Random delay added to each interval, as a fraction of it (0 to 0.5).
    pub jitter: f64,
    /// The longest delay between retries of a failing surface (backoff doubles up to it).
    pub max_backoff: Duration,
    /// How long the store keeps history (`retention`, [`DEFAULT_RETENTION`] unless set):
    /// older rows are pruned except those retention always keeps (docs/watch.md,
    /// Retention). `None`: `"forever"`, nothing is pruned.
    pub retention: Option<Duration>,
}

/// The default `[watch] retention`: 90 days.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(90 * 86_400);
/// The shortest `[watch] retention`: one day.
pub const MIN_RETENTION: Duration = Duration::from_secs(86_400);
/// The longest `[watch] retention` short of `"forever"`: 100 years of 365 days.
pub const MAX_RETENTION: Duration = Duration::from_secs(36_500 * 86_400);

impl Default for Watch {
    fn default() -> Self {
        Watch {
            store: None,
            concurrency: 8,
            jitter: 0.1,
            max_backoff: Duration::from_secs(3_600),
            retention: Some(DEFAULT_RETENTION),
        }
    }
}

/// `base × 2^attempt`, at most `max` (saturating: never overflows). Attempt 0 is `base`.
/// The watcher uses it for failing surfaces and for retrying alert deliveries.
pub fn backoff(base: Duration, attempt: u32, max: Duration) -> Duration {
    let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
    base.checked_mul(factor).unwrap_or(Duration::MAX).min(max)
}

impl Watch {
    /// How long to wait before polling a surface again, so every binding schedules
    /// alike. After `failures` consecutive failed captures the interval is doubled per
    /// failure ([`backoff`]) up to `max_backoff` (never below the interval itself);
    /// then up to `jitter` of that is added, scaled by `unit_random` (a uniform draw
    /// in `[0, 1)` supplied by the caller — the core has no randomness).
    ///
    /// ```
    /// use std::time::Duration;
    /// use driftguard_core::config::Watch;
    /// let w = Watch::default(); // jitter 0.1, max_backoff 1h
    /// let m = Duration::from_secs(60);
    /// assert_eq!(w.poll_delay(m, 0, 0.0), m);
    /// assert_eq!(w.poll_delay(m, 0, 0.5), Duration::from_secs(63));
    /// assert_eq!(w.poll_delay(m, 3, 0.0), Duration::from_secs(480));
    /// assert_eq!(w.poll_delay(m, 30, 0.0), Duration::from_secs(3600));
    /// ```
    pub fn poll_delay(&self, interval: Duration, failures: u32, unit_random: f64) -> Duration {
        let cap = self.max_backoff.max(interval);
        let base = backoff(interval, failures, cap);
        let r = if unit_random.is_finite() {
            unit_random.clamp(0.0, 1.0)
        } else {
            0.0
        };
        // Fields are public: a NaN or huge jitter, or a huge interval, must not panic.
        let extra = Duration::try_from_secs_f64(base.as_secs_f64() * self.jitter * r)
            .unwrap_or(Duration::ZERO);
        base.checked_add(extra).unwrap_or(Duration::MAX)
    }
}

/// A policy given inline or by file.
#[derive(Clone, Debug, PartialEq)]
pub enum PolicyRef {
    /// Written in the configuration.
    Inline(Policy),
    /// A policy file (TOML, or JSON when the path ends in `.json`), relative to the
    /// configuration. `policy` is `None` until the binding reads the file and calls
    /// [`Config::load_policy_file`].
    File {
        /// The path as written.
        path: String,
        /// The parsed policy, once loaded.
        policy: Option<Policy>,
    },
}

impl Default for PolicyRef {
    fn default() -> Self {
        PolicyRef::Inline(Policy::default())
    }
}

/// One HTTP header; its value is secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The header name as written.
    pub name: String,
    /// The value template.
    pub value: Secret,
}

/// One `[[surface]]`.
#[derive(Clone, Debug, PartialEq)]
pub struct SurfaceConfig {
    /// Unique name: a letter or digit, then letters, digits, `.`, `_` or `-` (at most 64).
    pub name: String,
    /// Where to capture it from.
    pub source: Source,
    /// Polling interval (the surface's own or the default).
    pub interval: Duration,
    /// Capture timeout (the surface's own or the default).
    pub timeout: Duration,
    /// HTTP headers (only for HTTP sources), in document order.
    pub headers: Vec<Header>,
    /// The surface's own policy; `None` uses [`Config::policy`].
    pub policy: Option<PolicyRef>,
}

/// Where a surface is captured from. Exactly one per surface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `file = "contracts/openapi.yaml"`: a file, relative to the configuration.
    File {
        /// The path as written.
        path: String,
    },
    /// `url = "https://…"`: a contract document fetched over HTTP(S).
    Url {
        /// The URL template.
        url: Template,
    },
    /// `[surface.mcp_stdio]`: an MCP server started as a child process.
    McpStdio {
        /// argv: the program, then its arguments.
        command: Vec<Template>,
        /// Extra environment variables of the child (values secret), in document order.
        env: Vec<(String, Secret)>,
        /// Working directory, relative to the configuration.
        cwd: Option<String>,
        /// Which registry package the command runs, watched as the companion surface
        /// `<name>.package`.
        package: PackageTie,
    },
    /// `mcp_http = "https://…"`: an MCP server over streamable HTTP.
    McpHttp {
        /// The URL template.
        url: Template,
    },
    /// `[surface.endpoint]`: a JSON endpoint sampled several times; its schema is
    /// inferred from the samples.
    Endpoint {
        /// The URL template.
        url: Template,
        /// How many samples per capture (1 to 1000).
        samples: u32,
        /// Delay between samples.
        sample_interval: Duration,
    },
    /// `package = "npm:NAME@RANGE"`: a published package (version, integrity, install
    /// scripts, dependencies, files and code), resolved against the registry the
    /// machine is configured with.
    Package {
        /// What to resolve.
        spec: PackageSpec,
        /// For the companion surface of an `mcp_stdio` surface, that surface's name
        /// (the binding resolves with its environment and working directory).
        of: Option<String>,
        /// A registry URL named on the MCP command line (`npx --registry`, `uvx
        /// --index-url`), used instead of the configured one.
        registry: Option<String>,
    },
}

/// How an `mcp_stdio` surface ties to the registry package its command runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PackageTie {
    /// Read off the command (`npx -y NAME`, `uvx NAME`); no companion for other commands.
    #[default]
    Auto,
    /// `package = "npm:…"`: given explicitly.
    Spec(PackageSpec),
    /// `package = false`: the package is not watched.
    Off,
}

/// The name of the companion surface that watches an MCP surface's package.
pub fn package_surface_name(surface: &str) -> String {
    format!("{surface}.package")
}

impl Source {
    /// The key naming this source in `driftguard.toml`, also the `kind` in the lock.
    pub fn key(&self) -> &'static str {
        match self {
            Source::File { .. } => "file",
            Source::Url { .. } => "url",
            Source::McpStdio { .. } => "mcp_stdio",
            Source::McpHttp { .. } => "mcp_http",
            Source::Endpoint { .. } => "endpoint",
            Source::Package { .. } => "package",
        }
    }

    /// True for sources fetched over HTTP (which may carry headers).
    pub fn is_http(&self) -> bool {
        matches!(
            self,
            Source::Url { .. } | Source::McpHttp { .. } | Source::Endpoint { .. }
        )
    }

    /// One line saying where the surface comes from, with templates unexpanded and no
    /// secret (environment values are not shown): `url https://…`,
    /// `mcp_stdio npx -y server@1.0 (env: API_KEY; cwd: servers)`,
    /// `endpoint https://… (5 samples, 1s apart)`.
    pub fn describe(&self) -> String {
        match self {
            Source::File { path } => format!("file {path}"),
            Source::Url { url } => format!("url {}", url.as_str()),
            Source::McpHttp { url } => format!("mcp_http {}", url.as_str()),
            Source::Package { spec, of, registry } => with_notes(
                format!("package {spec}"),
                [
                    of.as_ref().map(|of| format!("run by surface {of}")),
                    registry.as_ref().map(|r| format!("registry: {r}")),
                ],
            ),
            Source::McpStdio {
                command, env, cwd, ..
            } => {
                let argv: Vec<String> = command.iter().map(|t| shell_word(t.as_str())).collect();
                let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
                with_notes(
                    format!("mcp_stdio {}", argv.join(" ")),
                    [
                        (!names.is_empty()).then(|| format!("env: {}", names.join(", "))),
                        cwd.as_ref().map(|cwd| format!("cwd: {cwd}")),
                    ],
                )
            }
            Source::Endpoint {
                url,
                samples,
                sample_interval,
            } => format!(
                "endpoint {} ({samples} sample{}, {} apart)",
                url.as_str(),
                if *samples == 1 { "" } else { "s" },
                duration::format(*sample_interval)
            ),
        }
    }

    /// The source as JSON for the lock and for alert receipts: templates unexpanded,
    /// header and environment *names* only (`headers` is passed in by the surface).
    pub fn to_json(&self, headers: &[Header]) -> Value {
        let mut v = match self {
            Source::File { path } => json!({ "kind": "file", "path": path }),
            Source::Url { url } => json!({ "kind": "url", "url": url.as_str() }),
            Source::McpHttp { url } => json!({ "kind": "mcp_http", "url": url.as_str() }),
            Source::Package { spec, of, registry } => {
                let mut m = serde_json::Map::new();
                m.insert("kind".into(), json!("package"));
                m.insert("spec".into(), json!(spec.to_string()));
                if let Some(of) = of {
                    m.insert("of".into(), json!(of));
                }
                if let Some(r) = registry {
                    m.insert("registry".into(), json!(r));
                }
                Value::Object(m)
            }
            Source::McpStdio {
                command, env, cwd, ..
            } => {
                let mut m = serde_json::Map::new();
                m.insert("kind".into(), json!("mcp_stdio"));
                m.insert(
                    "command".into(),
                    json!(command.iter().map(Template::as_str).collect::<Vec<_>>()),
                );
                if !env.is_empty() {
                    m.insert(
                        "env".into(),
                        json!(env.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>()),
                    );
                }
                if let Some(cwd) = cwd {
                    m.insert("cwd".into(), json!(cwd));
                }
                Value::Object(m)
            }
            Source::Endpoint {
                url,
                samples,
                sample_interval,
            } => json!({
                "kind": "endpoint",
                "url": url.as_str(),
                "samples": samples,
                "sample_interval": duration::format(*sample_interval),
            }),
        };
        if !headers.is_empty()
            && let Some(obj) = v.as_object_mut()
        {
            obj.insert(
                "headers".to_owned(),
                json!(headers.iter().map(|h| h.name.as_str()).collect::<Vec<_>>()),
            );
        }
        crate::alert::sorted_keys(v)
    }
}

/// `head (note; note)` with the notes that are present, or just `head`.
fn with_notes<const N: usize>(head: String, notes: [Option<String>; N]) -> String {
    let notes: Vec<String> = notes.into_iter().flatten().collect();
    if notes.is_empty() {
        head
    } else {
        format!("{head} ({})", notes.join("; "))
    }
}

/// A word of an argv as a POSIX shell would need it written (for display only).
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '-' | '_' | '.' | '/' | '@' | ':' | '=' | ',' | '+' | '$' | '{' | '}'
                )
        });
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// A surface with every template expanded: what the binding captures with.
#[derive(Clone, PartialEq, Eq)]
pub struct ResolvedSurface {
    /// The surface's name.
    pub name: String,
    /// The source, expanded.
    pub source: ResolvedSource,
    /// Headers, expanded (secret values).
    pub headers: Vec<(String, String)>,
    /// Capture timeout.
    pub timeout: Duration,
}

impl std::fmt::Debug for ResolvedSurface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolvedSurface")
            .field("name", &self.name)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A [`Source`] with its templates expanded.
#[derive(Clone, PartialEq, Eq)]
pub enum ResolvedSource {
    /// A file path.
    File {
        /// The path as written.
        path: String,
    },
    /// A contract URL.
    Url {
        /// The URL.
        url: String,
    },
    /// An MCP server process.
    McpStdio {
        /// argv.
        command: Vec<String>,
        /// Extra environment (secret values).
        env: Vec<(String, String)>,
        /// Working directory.
        cwd: Option<String>,
    },
    /// An MCP server over HTTP.
    McpHttp {
        /// The URL.
        url: String,
    },
    /// A sampled endpoint.
    Endpoint {
        /// The URL.
        url: String,
        /// Samples per capture.
        samples: u32,
        /// Delay between samples.
        sample_interval: Duration,
    },
    /// A registry package (nothing to expand: specs hold no placeholders).
    Package {
        /// What to resolve.
        spec: PackageSpec,
        /// A registry URL from the MCP command line, if any.
        registry: Option<String>,
    },
}

impl std::fmt::Debug for ResolvedSource {
    /// Shows URLs and argv (the binding's own logs redact expanded values), never
    /// environment values.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolvedSource::File { path } => f.debug_struct("File").field("path", path).finish(),
            ResolvedSource::Url { url } => f.debug_struct("Url").field("url", url).finish(),
            ResolvedSource::McpHttp { url } => f.debug_struct("McpHttp").field("url", url).finish(),
            ResolvedSource::Endpoint {
                url,
                samples,
                sample_interval,
            } => f
                .debug_struct("Endpoint")
                .field("url", url)
                .field("samples", samples)
                .field("sample_interval", sample_interval)
                .finish(),
            ResolvedSource::Package { spec, registry } => f
                .debug_struct("Package")
                .field("spec", &spec.to_string())
                .field("registry", registry)
                .finish(),
            ResolvedSource::McpStdio { command, env, cwd } => f
                .debug_struct("McpStdio")
                .field("command", command)
                .field("env", &env.iter().map(|(k, _)| k).collect::<Vec<_>>())
                .field("cwd", cwd)
                .finish(),
        }
    }
}

impl SurfaceConfig {
    /// Expands every template with `lookup`; an unset variable is an [`EnvError`]
    /// naming it and the key that needs it.
    pub fn resolve(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> std::result::Result<ResolvedSurface, EnvError> {
        let key = |k: &str| format!("surface {:?} {k}", self.name);
        let url = |t: &Template, k: &str| t.expand(lookup).map_err(|e| e.at(&key(k)));
        let source = match &self.source {
            Source::File { path } => ResolvedSource::File { path: path.clone() },
            Source::Url { url: t } => ResolvedSource::Url {
                url: url(t, "url")?,
            },
            Source::McpHttp { url: t } => ResolvedSource::McpHttp {
                url: url(t, "mcp_http")?,
            },
            Source::Endpoint {
                url: t,
                samples,
                sample_interval,
            } => ResolvedSource::Endpoint {
                url: url(t, "endpoint.url")?,
                samples: *samples,
                sample_interval: *sample_interval,
            },
            Source::Package { spec, registry, .. } => ResolvedSource::Package {
                spec: spec.clone(),
                registry: registry.clone(),
            },
            Source::McpStdio {
                command, env, cwd, ..
            } => ResolvedSource::McpStdio {
                command: command
                    .iter()
                    .enumerate()
                    .map(|(i, t)| url(t, &format!("mcp_stdio.command[{i}]")))
                    .collect::<std::result::Result<_, _>>()?,
                env: env
                    .iter()
                    .map(|(k, v)| {
                        v.expand(lookup)
                            .map(|v| (k.clone(), v))
                            .map_err(|e| e.at(&key(&format!("mcp_stdio.env.{k}"))))
                    })
                    .collect::<std::result::Result<_, _>>()?,
                cwd: cwd.clone(),
            },
        };
        let headers = self
            .headers
            .iter()
            .map(|h| {
                h.value
                    .expand(lookup)
                    .map(|v| (h.name.clone(), v))
                    .map_err(|e| e.at(&key(&format!("headers.{}", h.name))))
            })
            .collect::<std::result::Result<_, _>>()?;
        Ok(ResolvedSurface {
            name: self.name.clone(),
            source,
            headers,
            timeout: self.timeout,
        })
    }
}

/// `[alerts]`: where drift is reported.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Alerts {
    /// `[[alerts.webhook]]`: JSON receipts, HMAC-signed.
    pub webhooks: Vec<WebhookSink>,
    /// `[[alerts.slack]]`: Slack-compatible incoming webhooks.
    pub slack: Vec<SlackSink>,
    /// `[[alerts.email]]`: email over SMTP.
    pub email: Vec<EmailSink>,
}

/// A generic webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookSink {
    /// Unique sink name (default `webhook-N`, 1-based).
    pub name: String,
    /// The URL template.
    pub url: Template,
    /// The HMAC-SHA256 key for the `X-DriftGuard-Signature` header; unsigned if `None`.
    pub secret: Option<Secret>,
    /// Extra request headers (values secret).
    pub headers: Vec<Header>,
    /// The least severity that triggers this sink.
    pub on: Severity,
}

/// A Slack-compatible incoming webhook. The whole URL is secret (it embeds the token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlackSink {
    /// Unique sink name (default `slack-N`).
    pub name: String,
    /// The webhook URL.
    pub url: Secret,
    /// The least severity that triggers this sink.
    pub on: Severity,
}

/// Email over SMTP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailSink {
    /// Unique sink name (default `email-N`).
    pub name: String,
    /// SMTP server host.
    pub host: String,
    /// SMTP port (default 587).
    pub port: u16,
    /// Sender address.
    pub from: String,
    /// Recipients (at least one).
    pub to: Vec<String>,
    /// Upgrade the connection with STARTTLS (default true).
    pub starttls: bool,
    /// SMTP user name, if the server needs authentication.
    pub username: Option<Template>,
    /// SMTP password (requires `username`).
    pub password: Option<Secret>,
    /// The least severity that triggers this sink.
    pub on: Severity,
}

const TOP_KEYS: &[&str] = &["defaults", "policy", "watch", "surface", "alerts"];
const DEFAULTS_KEYS: &[&str] = &["interval", "timeout"];
const WATCH_KEYS: &[&str] = &["store", "concurrency", "jitter", "max_backoff", "retention"];
const SOURCE_KEYS: &[&str] = &[
    "file",
    "url",
    "mcp_stdio",
    "mcp_http",
    "endpoint",
    "package",
];
const SURFACE_KEYS: &[&str] = &[
    "name",
    "file",
    "url",
    "mcp_stdio",
    "mcp_http",
    "endpoint",
    "package",
    "interval",
    "timeout",
    "headers",
    "policy",
];
const MCP_STDIO_KEYS: &[&str] = &["command", "env", "cwd", "package"];
const ENDPOINT_KEYS: &[&str] = &["url", "samples", "sample_interval"];
const ALERTS_KEYS: &[&str] = &["webhook", "slack", "email"];
const WEBHOOK_KEYS: &[&str] = &["name", "url", "secret", "headers", "on"];
const SLACK_KEYS: &[&str] = &["name", "url", "on"];
const EMAIL_KEYS: &[&str] = &[
    "name", "host", "port", "from", "to", "starttls", "username", "password", "on",
];
const POLICY_KEYS: &[&str] = &[
    "profile",
    "fail_on",
    "schema_position",
    "overrides",
    "ignore",
];
const IGNORE_KEYS: &[&str] = &["rule", "location", "reason", "expires"];

impl Config {
    /// Parses and validates `driftguard.toml`. Every error is `E_CONFIG` with the line
    /// and column of the offending key or value, its key path in the message and its
    /// JSON Pointer in the location. Nothing is read from the environment or disk.
    pub fn parse(text: &str) -> Result<Config> {
        if text.len() > MAX_CONFIG_BYTES {
            return Err(Error::Config {
                message: format!(
                    "driftguard.toml is {} bytes, over the limit of {MAX_CONFIG_BYTES} bytes",
                    text.len()
                ),
                location: doc::line_location(text, MAX_CONFIG_BYTES, None),
            });
        }
        let root = doc::parse(text)?;
        Parser { r: Reader { text } }.config(&root)
    }

    /// Writes the configuration back as TOML. `Config::parse(&c.to_toml()) == c`, and
    /// the output depends only on the configuration (deterministic). Secret templates
    /// are written as they are: this is the user's own file.
    pub fn to_toml(&self) -> String {
        write::config(self)
    }

    /// The surface with this name.
    pub fn surface(&self, name: &str) -> Option<&SurfaceConfig> {
        self.surfaces.iter().find(|s| s.name == name)
    }

    /// The distinct policy file paths the configuration names, in document order.
    pub fn policy_files(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let refs = std::iter::once(&self.policy)
            .chain(self.surfaces.iter().filter_map(|s| s.policy.as_ref()));
        for r in refs {
            if let PolicyRef::File { path, .. } = r
                && !out.contains(path)
            {
                out.push(path.clone());
            }
        }
        out
    }

    /// Parses the text of a policy file the configuration names (TOML, or JSON when
    /// the path ends in `.json`) and attaches it to every reference to that path.
    /// Errors are `E_CONFIG` (or `E_TOO_LARGE`) naming the file; a path the
    /// configuration does not name is `E_CONFIG`.
    pub fn load_policy_file(&mut self, path: &str, text: &str) -> Result<()> {
        if !self.policy_files().iter().any(|p| p == path) {
            return Err(Error::Config {
                message: format!("driftguard.toml names no policy file {path:?}"),
                location: Location::default(),
            });
        }
        let parsed = if path.ends_with(".json") {
            Policy::from_json(text)
        } else {
            Policy::from_toml(text)
        };
        let policy = parsed.map_err(|e| match e {
            Error::Config { message, location } => Error::Config {
                message: format!("policy file {path:?}: {message}"),
                location,
            },
            other => other,
        })?;
        let refs = std::iter::once(&mut self.policy)
            .chain(self.surfaces.iter_mut().filter_map(|s| s.policy.as_mut()));
        for r in refs {
            if let PolicyRef::File {
                path: p,
                policy: slot,
            } = r
                && p == path
            {
                *slot = Some(policy.clone());
            }
        }
        Ok(())
    }

    /// The policy a surface is judged by: its own, else the default. A policy file not
    /// loaded yet is `E_CONFIG`.
    pub fn policy_for<'a>(&'a self, surface: &'a SurfaceConfig) -> Result<&'a Policy> {
        match surface.policy.as_ref().unwrap_or(&self.policy) {
            PolicyRef::Inline(p)
            | PolicyRef::File {
                policy: Some(p), ..
            } => Ok(p),
            PolicyRef::File { path, policy: None } => Err(Error::Config {
                message: format!(
                    "policy file {path:?} of surface {:?} was not loaded (read it and pass its text to load_policy_file)",
                    surface.name
                ),
                location: Location::default(),
            }),
        }
    }

    /// Every value that must never be shown: each secret field expanded with
    /// `lookup` (header values, MCP environment values, webhook secrets, Slack URLs,
    /// SMTP passwords, the store URL), and the value of every variable the
    /// configuration names anywhere. Unset variables are skipped, and so are trivial
    /// values (under 4 characters, booleans and numbers: no secret looks like `false`,
    /// and redacting it would blank unrelated output). Sorted, each once. Pass the
    /// result to [`redact`].
    pub fn secret_values(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
        let mut secrets: Vec<&Secret> = Vec::new();
        let mut templates: Vec<&Template> = Vec::new();
        // A store URL may carry a password; a plain SQLite path is no secret (and
        // redacting it would blank every log line that names the database).
        if let Some(s) = &self.watch.store {
            if s.template().as_str().contains("://") {
                secrets.push(s);
            } else {
                templates.push(s.template());
            }
        }
        for s in &self.surfaces {
            secrets.extend(s.headers.iter().map(|h| &h.value));
            match &s.source {
                Source::File { .. } | Source::Package { .. } => {}
                Source::Url { url } | Source::McpHttp { url } | Source::Endpoint { url, .. } => {
                    templates.push(url);
                }
                Source::McpStdio { command, env, .. } => {
                    templates.extend(command.iter());
                    secrets.extend(env.iter().map(|(_, v)| v));
                }
            }
        }
        for w in &self.alerts.webhooks {
            templates.push(&w.url);
            secrets.extend(w.secret.iter());
            secrets.extend(w.headers.iter().map(|h| &h.value));
        }
        secrets.extend(self.alerts.slack.iter().map(|s| &s.url));
        for e in &self.alerts.email {
            templates.extend(e.username.iter());
            secrets.extend(e.password.iter());
        }
        let mut out: Vec<String> = Vec::new();
        for s in &secrets {
            if let Ok(v) = s.expand(lookup) {
                out.push(v);
            }
        }
        for t in secrets.iter().map(|s| s.template()).chain(templates) {
            for var in t.variables() {
                if let Some(v) = lookup(&var) {
                    out.push(v);
                }
            }
        }
        out.retain(|v| !is_trivial(v));
        out.sort();
        out.dedup();
        out
    }
}

/// True for a value too short or too common to be a secret — under 4 characters, or a
/// boolean or number word such as `false`, `yes`, `8080`, `0.5`. An MCP server's
/// `env = { DEBUG = "false" }` is configuration, and redacting every `false` would
/// blank unrelated output (`"fails": false`) without protecting anything.
fn is_trivial(v: &str) -> bool {
    let t = v.trim();
    t.chars().count() < 4
        || matches!(
            t.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "none"
        )
        || t.parse::<f64>().is_ok()
}

/// Parses a duration as `driftguard.toml` writes them (`"90s"`, `"5m"`, `"1h30m"`,
/// `"500ms"`, `"1d"`): one or more `<integer><unit>` groups, largest unit first. A
/// malformed duration is `E_CONFIG`.
///
/// ```
/// use driftguard_core::config::{format_duration, parse_duration};
/// let d = parse_duration("1h30m").unwrap();
/// assert_eq!(d.as_secs(), 5400);
/// assert_eq!(format_duration(std::time::Duration::from_secs(90)), "1m30s");
/// assert_eq!(parse_duration("90").unwrap_err().code(), "E_CONFIG");
/// ```
pub fn parse_duration(text: &str) -> Result<Duration> {
    duration::parse(text).map_err(|message| Error::Config {
        message,
        location: Location::default(),
    })
}

/// Writes a duration in the shortest form [`parse_duration`] reads back (`"0s"` for
/// zero; below a millisecond is dropped).
pub fn format_duration(d: Duration) -> String {
    duration::format(d)
}

/// The companion surface watching the registry package an `mcp_stdio` surface runs:
/// `<name>.package`, with the surface's interval, timeout and policy.
fn companion(surface: &SurfaceConfig) -> Option<SurfaceConfig> {
    let Source::McpStdio {
        command, package, ..
    } = &surface.source
    else {
        return None;
    };
    let (spec, registry) = match package {
        PackageTie::Off => return None,
        PackageTie::Spec(spec) => (
            spec.clone(),
            command_package(command).and_then(|c| c.registry),
        ),
        PackageTie::Auto => {
            let found = command_package(command)?;
            (found.spec, found.registry)
        }
    };
    Some(SurfaceConfig {
        name: package_surface_name(&surface.name),
        source: Source::Package {
            spec,
            of: Some(surface.name.clone()),
            registry,
        },
        interval: surface.interval,
        timeout: surface.timeout,
        headers: Vec::new(),
        policy: surface.policy.clone(),
    })
}

fn command_package(command: &[Template]) -> Option<CommandPackage> {
    let argv: Vec<String> = command.iter().map(|t| t.as_str().to_owned()).collect();
    PackageSpec::from_command(&argv)
}

/// The validating reader.
struct Parser<'t> {
    r: Reader<'t>,
}

impl Parser<'_> {
    fn config(&self, root: &Val) -> Result<Config> {
        let top = Path::default();
        let t = self.r.table(&top, root, TOP_KEYS)?;
        let defaults = match t.get("defaults") {
            Some(v) => self.defaults(&top.key("defaults"), v)?,
            None => Defaults::default(),
        };
        let policy = match t.get("policy") {
            Some(v) => self.policy(&top.key("policy"), v)?,
            None => PolicyRef::default(),
        };
        let watch = match t.get("watch") {
            Some(v) => self.watch(&top.key("watch"), v)?,
            None => Watch::default(),
        };
        let mut surfaces: Vec<SurfaceConfig> = Vec::new();
        let mut first_seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        if let Some(v) = t.get("surface") {
            let path = top.key("surface");
            let items = self.r.array(&path, v).map_err(|_| {
                self.r.error(
                    &path,
                    format!(
                        "must be an array of tables (write each surface under `[[surface]]`), found {}",
                        v.node.kind()
                    ),
                    &v.span,
                )
            })?;
            if items.len() > MAX_SURFACES {
                return Err(self.r.error(
                    &path,
                    format!(
                        "lists {} surfaces, over the limit of {MAX_SURFACES}",
                        items.len()
                    ),
                    &v.span,
                ));
            }
            for (i, item) in items.iter().enumerate() {
                let p = path.index(i);
                let (surface, name_span) = self.surface(&p, item, &defaults)?;
                let line_of = |span: &Range<usize>| {
                    doc::line_location(self.r.text, span.start, None)
                        .line
                        .unwrap_or(0)
                };
                if let Some(first) = first_seen.get(&surface.name) {
                    let line = line_of(first);
                    return Err(self.r.error(
                        &p.key("name"),
                        format!(
                            "duplicate surface name {:?} (first used on line {line}); names must be unique",
                            surface.name
                        ),
                        &name_span,
                    ));
                }
                let companion = companion(&surface);
                first_seen.insert(surface.name.clone(), name_span.clone());
                surfaces.push(surface);
                if let Some(c) = companion {
                    if let Some(first) = first_seen.get(&c.name) {
                        let line = line_of(first);
                        return Err(self.r.error(
                            &p.key("name"),
                            format!(
                                "the package this surface runs is watched as {:?}, a name already used on line {line}; rename that surface or set `package = false` under mcp_stdio",
                                c.name
                            ),
                            &name_span,
                        ));
                    }
                    first_seen.insert(c.name.clone(), name_span);
                    surfaces.push(c);
                }
            }
        }
        let alerts = match t.get("alerts") {
            Some(v) => self.alerts(&top.key("alerts"), v)?,
            None => Alerts::default(),
        };
        Ok(Config {
            defaults,
            policy,
            watch,
            surfaces,
            alerts,
        })
    }

    fn duration(&self, path: &Path, val: &Val, min: Duration, max: Duration) -> Result<Duration> {
        let text = match &val.node {
            Node::Str(s) => s,
            Node::Int(_) | Node::Float(_) => {
                return Err(self.r.error(
                    path,
                    "must be a duration string with a unit, e.g. \"60s\", \"5m\" or \"1h\"",
                    &val.span,
                ));
            }
            _ => {
                return Err(self.r.error(
                    path,
                    format!(
                        "must be a duration such as \"5m\", found {}",
                        val.node.kind()
                    ),
                    &val.span,
                ));
            }
        };
        let d = duration::parse(text).map_err(|m| self.r.error(path, m, &val.span))?;
        if d < min || d > max {
            return Err(self.r.error(
                path,
                format!(
                    "{text:?} is out of range: must be from {} to {}",
                    duration::format(min),
                    duration::format(max)
                ),
                &val.span,
            ));
        }
        Ok(d)
    }

    fn defaults(&self, path: &Path, val: &Val) -> Result<Defaults> {
        let t = self.r.table(path, val, DEFAULTS_KEYS)?;
        let mut d = Defaults::default();
        if let Some(v) = t.get("interval") {
            d.interval = self.duration(&path.key("interval"), v, MIN_INTERVAL, MAX_INTERVAL)?;
        }
        if let Some(v) = t.get("timeout") {
            d.timeout = self.duration(&path.key("timeout"), v, MIN_TIMEOUT, MAX_TIMEOUT)?;
        }
        if d.timeout > d.interval {
            let span = t.get("timeout").map_or(&t.span, |v| &v.span);
            return Err(self.r.error(
                &path.key("timeout"),
                format!(
                    "the timeout ({}) must not exceed the interval ({})",
                    duration::format(d.timeout),
                    duration::format(d.interval)
                ),
                span,
            ));
        }
        Ok(d)
    }

    fn watch(&self, path: &Path, val: &Val) -> Result<Watch> {
        let t = self.r.table(path, val, WATCH_KEYS)?;
        let mut w = Watch::default();
        if let Some(v) = t.get("store") {
            let p = path.key("store");
            let s = self.nonempty(&p, v)?;
            w.store = Some(Secret::new(self.template(&p, v, s)?));
        }
        if let Some(v) = t.get("concurrency") {
            w.concurrency =
                u32::try_from(self.r.int(&path.key("concurrency"), v, 1, 1024)?).unwrap_or(1);
        }
        if let Some(v) = t.get("jitter") {
            let p = path.key("jitter");
            let j = match &v.node {
                Node::Float(f) => *f,
                Node::Int(Some(0)) => 0.0,
                _ => {
                    return Err(self.r.error(
                        &p,
                        format!(
                            "must be a fraction of the interval from 0.0 to 0.5, found {}",
                            v.node.kind()
                        ),
                        &v.span,
                    ));
                }
            };
            if !(0.0..=0.5).contains(&j) {
                return Err(self.r.error(
                    &p,
                    "must be a fraction of the interval from 0.0 to 0.5",
                    &v.span,
                ));
            }
            w.jitter = j;
        }
        if let Some(v) = t.get("max_backoff") {
            w.max_backoff =
                self.duration(&path.key("max_backoff"), v, MIN_TIMEOUT, MAX_INTERVAL)?;
        }
        if let Some(v) = t.get("retention") {
            w.retention = match &v.node {
                Node::Str(s) if s == "forever" => None,
                _ => {
                    Some(self.duration(&path.key("retention"), v, MIN_RETENTION, MAX_RETENTION)?)
                }
            };
        }
        Ok(w)
    }

    fn nonempty<'v>(&self, path: &Path, val: &'v Val) -> Result<&'v str> {
        let s = self.r.str(path, val)?;
        if s.trim().is_empty() {
            return Err(self.r.error(path, "must not be empty", &val.span));
        }
        if s.contains('\0') {
            return Err(self
                .r
                .error(path, "must not contain a NUL character", &val.span));
        }
        Ok(s)
    }

    /// A template; a malformed placeholder is located inside the string when the
    /// string is written without escapes.
    fn template(&self, path: &Path, val: &Val, text: &str) -> Result<Template> {
        Template::parse_at(text).map_err(|(offset, message)| {
            let raw = self.r.text.get(val.span.clone()).unwrap_or("");
            // A basic or literal string starts with one quote; a multi-line one with three.
            let quote = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
                3
            } else {
                1
            };
            let inside = raw.get(quote..).unwrap_or("");
            let at = if inside.starts_with(text) {
                val.span.start + quote + offset
            } else {
                val.span.start
            };
            Error::Config {
                message: format!("`{}`: {message}", path.dotted),
                location: doc::line_location(self.r.text, at, Some(&path.pointer)),
            }
        })
    }

    fn http_url(&self, path: &Path, val: &Val) -> Result<Template> {
        let s = self.nonempty(path, val)?;
        let t = self.template(path, val, s)?;
        let lower = s.to_ascii_lowercase();
        let ok =
            lower.starts_with("http://") || lower.starts_with("https://") || s.starts_with("${");
        if !ok || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(self.r.error(
                path,
                "must be an http:// or https:// URL without spaces (or start with a ${VAR} holding one)",
                &val.span,
            ));
        }
        Ok(t)
    }

    fn surface(
        &self,
        path: &Path,
        val: &Val,
        defaults: &Defaults,
    ) -> Result<(SurfaceConfig, Range<usize>)> {
        let t = self.r.table(path, val, SURFACE_KEYS)?;
        let Some(name_val) = t.get("name") else {
            return Err(self.r.error(path, "has no `name`", &t.span));
        };
        let name = self.name(&path.key("name"), name_val)?;
        let given: Vec<&str> = SOURCE_KEYS.iter().copied().filter(|k| t.has(k)).collect();
        let source_key = match given.as_slice() {
            [one] => *one,
            [] => {
                return Err(self.r.error(
                    path,
                    format!(
                        "surface {name:?} has no source: give exactly one of {}",
                        SOURCE_KEYS.join(", ")
                    ),
                    &t.span,
                ));
            }
            [_, second, ..] => {
                let span = t.get(second).map_or(&t.span, |v| &v.span);
                return Err(self.r.error(
                    &path.key(second),
                    format!(
                        "surface {name:?} has more than one source ({}): give exactly one",
                        given.join(", ")
                    ),
                    span,
                ));
            }
        };
        let sp = path.key(source_key);
        let sv = t.get(source_key).unwrap_or(val);
        let source = match source_key {
            "file" => Source::File {
                path: self.nonempty(&sp, sv)?.to_owned(),
            },
            "url" => Source::Url {
                url: self.http_url(&sp, sv)?,
            },
            "mcp_http" => Source::McpHttp {
                url: self.http_url(&sp, sv)?,
            },
            "endpoint" => self.endpoint(&sp, sv)?,
            "package" => Source::Package {
                spec: self.package_spec(&sp, sv)?,
                of: None,
                registry: None,
            },
            _ => self.mcp_stdio(&sp, sv)?,
        };
        let interval = match t.get("interval") {
            Some(v) => self.duration(&path.key("interval"), v, MIN_INTERVAL, MAX_INTERVAL)?,
            None => defaults.interval,
        };
        let timeout = match t.get("timeout") {
            Some(v) => self.duration(&path.key("timeout"), v, MIN_TIMEOUT, MAX_TIMEOUT)?,
            None => defaults.timeout,
        };
        if timeout > interval {
            let (key, span) = match (t.get("timeout"), t.get("interval")) {
                (Some(v), _) => ("timeout", &v.span),
                (None, Some(v)) => ("interval", &v.span),
                (None, None) => ("timeout", &t.span),
            };
            return Err(self.r.error(
                &path.key(key),
                format!(
                    "the timeout ({}) must not exceed the interval ({})",
                    duration::format(timeout),
                    duration::format(interval)
                ),
                span,
            ));
        }
        let headers = match t.get("headers") {
            Some(v) => {
                let hp = path.key("headers");
                if !source.is_http() {
                    return Err(self.r.error(
                        &hp,
                        format!(
                            "headers apply only to url, mcp_http and endpoint sources, not to {source_key}"
                        ),
                        &v.span,
                    ));
                }
                self.headers(&hp, v)?
            }
            None => Vec::new(),
        };
        let policy = match t.get("policy") {
            Some(v) => Some(self.policy(&path.key("policy"), v)?),
            None => None,
        };
        Ok((
            SurfaceConfig {
                name,
                source,
                interval,
                timeout,
                headers,
                policy,
            },
            name_val.span.clone(),
        ))
    }

    fn name(&self, path: &Path, val: &Val) -> Result<String> {
        let s = self.r.str(path, val)?;
        let mut chars = s.chars();
        let ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            && s.len() <= 64;
        if !ok {
            return Err(self.r.error(
                path,
                "a name is 1 to 64 characters: a letter or digit, then letters, digits, `.`, `_` or `-`",
                &val.span,
            ));
        }
        Ok(s.to_owned())
    }

    fn endpoint(&self, path: &Path, val: &Val) -> Result<Source> {
        if let Node::Str(_) = val.node {
            return Ok(Source::Endpoint {
                url: self.http_url(path, val)?,
                samples: 5,
                sample_interval: Duration::from_secs(1),
            });
        }
        let t = self.r.table(path, val, ENDPOINT_KEYS)?;
        let Some(u) = t.get("url") else {
            return Err(self.r.error(path, "has no `url`", &t.span));
        };
        let url = self.http_url(&path.key("url"), u)?;
        let samples = match t.get("samples") {
            Some(v) => u32::try_from(self.r.int(&path.key("samples"), v, 1, 1000)?).unwrap_or(1),
            None => 5,
        };
        let sample_interval = match t.get("sample_interval") {
            Some(v) => self.duration(
                &path.key("sample_interval"),
                v,
                Duration::ZERO,
                Duration::from_secs(3_600),
            )?,
            None => Duration::from_secs(1),
        };
        Ok(Source::Endpoint {
            url,
            samples,
            sample_interval,
        })
    }

    fn mcp_stdio(&self, path: &Path, val: &Val) -> Result<Source> {
        let t = self.r.table(path, val, MCP_STDIO_KEYS)?;
        let Some(c) = t.get("command") else {
            return Err(self.r.error(
                path,
                "has no `command` (the server's argv, e.g. [\"npx\", \"-y\", \"server@1.0.0\"])",
                &t.span,
            ));
        };
        let cp = path.key("command");
        let items = self.r.array(&cp, c)?;
        if items.is_empty() || items.len() > 1000 {
            return Err(self.r.error(
                &cp,
                "must list the program and its arguments (1 to 1000 strings)",
                &c.span,
            ));
        }
        let mut command = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let ip = cp.index(i);
            let s = self.r.str(&ip, item)?;
            if s.contains('\0') || (i == 0 && s.trim().is_empty()) {
                return Err(self.r.error(
                    &ip,
                    "must be a non-empty string without NUL characters",
                    &item.span,
                ));
            }
            command.push(self.template(&ip, item, s)?);
        }
        let mut env = Vec::new();
        if let Some(e) = t.get("env") {
            let ep = path.key("env");
            for (k, kspan, v) in self.r.map(&ep, e)? {
                let vp = ep.key(k);
                if k.is_empty() || k.contains('=') || k.contains('\0') {
                    return Err(self.r.error(
                        &vp,
                        "an environment variable name must be non-empty, without `=` or NUL",
                        kspan,
                    ));
                }
                let s = self.r.str(&vp, v)?;
                if s.contains('\0') {
                    return Err(self
                        .r
                        .error(&vp, "must not contain a NUL character", &v.span));
                }
                env.push((k.clone(), Secret::new(self.template(&vp, v, s)?)));
            }
        }
        let cwd = match t.get("cwd") {
            Some(v) => Some(self.nonempty(&path.key("cwd"), v)?.to_owned()),
            None => None,
        };
        let package = match t.get("package") {
            None => PackageTie::Auto,
            Some(v) if matches!(v.node, Node::Bool(false)) => PackageTie::Off,
            Some(v) if matches!(v.node, Node::Bool(true)) => {
                return Err(self.r.error(
                    &path.key("package"),
                    "must be a package spec (\"npm:NAME@RANGE\", \"pypi:NAME==VERSION\") or false; the package of an npx/uvx command is watched without it",
                    &v.span,
                ));
            }
            Some(v) => PackageTie::Spec(self.package_spec(&path.key("package"), v)?),
        };
        Ok(Source::McpStdio {
            command,
            env,
            cwd,
            package,
        })
    }

    fn package_spec(&self, path: &Path, val: &Val) -> Result<PackageSpec> {
        let s = self.r.str(path, val)?;
        PackageSpec::parse(s).map_err(|m| self.r.error(path, m, &val.span))
    }

    fn headers(&self, path: &Path, val: &Val) -> Result<Vec<Header>> {
        let entries = self.r.map(path, val)?;
        if entries.len() > 100 {
            return Err(self.r.error(path, "more than 100 headers", &val.span));
        }
        let mut out: Vec<Header> = Vec::new();
        for (k, kspan, v) in entries {
            let hp = path.key(k);
            let token = !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
            if !token {
                return Err(self.r.error(&hp, "is not a valid HTTP header name", kspan));
            }
            if out.iter().any(|h| h.name.eq_ignore_ascii_case(k)) {
                return Err(self.r.error(
                    &hp,
                    format!("header {k:?} is given twice (names are case-insensitive)"),
                    kspan,
                ));
            }
            let s = self.r.str(&hp, v)?;
            if s.chars().any(|c| c == '\r' || c == '\n' || c == '\0') {
                return Err(self.r.error(
                    &hp,
                    "a header value must not contain CR, LF or NUL",
                    &v.span,
                ));
            }
            out.push(Header {
                name: k.clone(),
                value: Secret::new(self.template(&hp, v, s)?),
            });
        }
        Ok(out)
    }

    fn policy(&self, path: &Path, val: &Val) -> Result<PolicyRef> {
        if let Node::Str(_) = val.node {
            return Ok(PolicyRef::File {
                path: self.nonempty(path, val)?.to_owned(),
                policy: None,
            });
        }
        if !matches!(val.node, Node::Table(_)) {
            return Err(self.r.error(
                path,
                format!(
                    "must be a policy table or the path of a policy file, found {}",
                    val.node.kind()
                ),
                &val.span,
            ));
        }
        // Unknown keys get a suggestion here; the values are checked by the policy parser.
        let t = self.r.table(path, val, POLICY_KEYS)?;
        if let Some(Val {
            node: Node::Array(items),
            ..
        }) = t.get("ignore")
        {
            for (i, item) in items.iter().enumerate() {
                if let Node::Table(_) = item.node {
                    self.r
                        .table(&path.key("ignore").index(i), item, IGNORE_KEYS)?;
                }
            }
        }
        let json = doc::to_json(val).to_string();
        let policy = Policy::from_json(&json).map_err(|e| {
            let (message, pointer) = match &e {
                Error::Config { message, location } => (
                    message.clone(),
                    location.pointer.clone().unwrap_or_default(),
                ),
                other => (other.to_string(), String::new()),
            };
            let span = doc::span_at(val, &pointer);
            Error::Config {
                message: format!("`{}`: {message}", path.dotted),
                location: doc::line_location(
                    self.r.text,
                    span.start,
                    Some(&format!("{}{pointer}", path.pointer)),
                ),
            }
        })?;
        Ok(PolicyRef::Inline(policy))
    }

    fn on(&self, path: &Path, t: &doc::Table<'_>) -> Result<Severity> {
        match t.get("on") {
            None => Ok(Severity::Safe),
            Some(v) => {
                let p = path.key("on");
                let s = self.r.str(&p, v)?;
                Severity::from_name(s).ok_or_else(|| {
                    self.r.error(
                        &p,
                        format!("must be \"breaking\", \"dangerous\" or \"safe\", found {s:?}"),
                        &v.span,
                    )
                })
            }
        }
    }

    fn sink_name(
        &self,
        path: &Path,
        t: &doc::Table<'_>,
        kind: &str,
        i: usize,
        seen: &mut Vec<String>,
    ) -> Result<String> {
        let (name, span) = match t.get("name") {
            Some(v) => (self.name(&path.key("name"), v)?, v.span.clone()),
            None => (format!("{kind}-{}", i + 1), t.span.clone()),
        };
        if seen.contains(&name) {
            return Err(self.r.error(
                &path.key("name"),
                format!("duplicate alert sink name {name:?}"),
                &span,
            ));
        }
        seen.push(name.clone());
        Ok(name)
    }

    fn sinks<'v>(&self, path: &Path, t: &doc::Table<'v>, key: &str) -> Result<&'v [Val]> {
        match t.get(key) {
            None => Ok(&[]),
            Some(v) => self.r.array(&path.key(key), v).map_err(|_| {
                self.r.error(
                    &path.key(key),
                    format!(
                        "must be an array of tables (write `[[alerts.{key}]]`), found {}",
                        v.node.kind()
                    ),
                    &v.span,
                )
            }),
        }
    }

    fn alerts(&self, path: &Path, val: &Val) -> Result<Alerts> {
        let t = self.r.table(path, val, ALERTS_KEYS)?;
        let mut alerts = Alerts::default();
        let mut seen = Vec::new();
        for (i, item) in self.sinks(path, &t, "webhook")?.iter().enumerate() {
            let p = path.key("webhook").index(i);
            let w = self.r.table(&p, item, WEBHOOK_KEYS)?;
            let name = self.sink_name(&p, &w, "webhook", i, &mut seen)?;
            let Some(u) = w.get("url") else {
                return Err(self.r.error(&p, "has no `url`", &w.span));
            };
            let url = self.http_url(&p.key("url"), u)?;
            let secret = match w.get("secret") {
                Some(v) => {
                    let sp = p.key("secret");
                    let s = self.nonempty(&sp, v)?;
                    Some(Secret::new(self.template(&sp, v, s)?))
                }
                None => None,
            };
            let headers = match w.get("headers") {
                Some(v) => self.headers(&p.key("headers"), v)?,
                None => Vec::new(),
            };
            let on = self.on(&p, &w)?;
            alerts.webhooks.push(WebhookSink {
                name,
                url,
                secret,
                headers,
                on,
            });
        }
        for (i, item) in self.sinks(path, &t, "slack")?.iter().enumerate() {
            let p = path.key("slack").index(i);
            let s = self.r.table(&p, item, SLACK_KEYS)?;
            let name = self.sink_name(&p, &s, "slack", i, &mut seen)?;
            let Some(u) = s.get("url") else {
                return Err(self.r.error(&p, "has no `url`", &s.span));
            };
            let url = Secret::new(self.http_url(&p.key("url"), u)?);
            let on = self.on(&p, &s)?;
            alerts.slack.push(SlackSink { name, url, on });
        }
        for (i, item) in self.sinks(path, &t, "email")?.iter().enumerate() {
            let p = path.key("email").index(i);
            alerts.email.push(self.email(&p, item, i, &mut seen)?);
        }
        Ok(alerts)
    }

    fn address(&self, path: &Path, val: &Val) -> Result<String> {
        let s = self.nonempty(path, val)?;
        let ok = s.len() <= 254
            && s.split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
            && !s.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
            });
        if !ok {
            return Err(self.r.error(
                path,
                "must be one email address such as ops@example.com",
                &val.span,
            ));
        }
        Ok(s.to_owned())
    }

    fn email(&self, path: &Path, val: &Val, i: usize, seen: &mut Vec<String>) -> Result<EmailSink> {
        let t = self.r.table(path, val, EMAIL_KEYS)?;
        let name = self.sink_name(path, &t, "email", i, seen)?;
        let required = |key: &str| {
            t.get(key)
                .ok_or_else(|| self.r.error(path, format!("has no `{key}`"), &t.span))
        };
        let hv = required("host")?;
        let host = self.nonempty(&path.key("host"), hv)?;
        if host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
        {
            return Err(self.r.error(
                &path.key("host"),
                "must be a host name or address",
                &hv.span,
            ));
        }
        let port = match t.get("port") {
            Some(v) => u16::try_from(self.r.int(&path.key("port"), v, 1, 65_535)?).unwrap_or(587),
            None => 587,
        };
        let from = self.address(&path.key("from"), required("from")?)?;
        let tv = required("to")?;
        let tp = path.key("to");
        let items = self.r.array(&tp, tv)?;
        if items.is_empty() || items.len() > 100 {
            return Err(self.r.error(&tp, "must list 1 to 100 recipients", &tv.span));
        }
        let to = items
            .iter()
            .enumerate()
            .map(|(n, v)| self.address(&tp.index(n), v))
            .collect::<Result<Vec<_>>>()?;
        let starttls = match t.get("starttls") {
            Some(v) => self.r.bool(&path.key("starttls"), v)?,
            None => true,
        };
        let username = match t.get("username") {
            Some(v) => {
                let p = path.key("username");
                let s = self.nonempty(&p, v)?;
                Some(self.template(&p, v, s)?)
            }
            None => None,
        };
        let password = match t.get("password") {
            Some(v) => {
                let p = path.key("password");
                if username.is_none() {
                    return Err(self.r.error(&p, "a password needs a `username`", &v.span));
                }
                let s = self.nonempty(&p, v)?;
                Some(Secret::new(self.template(&p, v, s)?))
            }
            None => None,
        };
        let on = self.on(path, &t)?;
        Ok(EmailSink {
            name,
            host: host.to_owned(),
            port,
            from,
            to,
            starttls,
            username,
            password,
            on,
        })
    }
}

#[cfg(test)]
mod tests;
