//! `${VAR}` templates, secrets, and redaction.
//!
//! A value in `driftguard.toml` may name environment variables as `${NAME}` (`NAME` is
//! `[A-Za-z_][A-Za-z0-9_]*`); `$$` is a literal `$`; a `$` followed by anything else is
//! literal too. The core never reads the environment: it keeps the template as written,
//! and the binding expands it at capture time with [`expand`], passing its own lookup.
//!
//! ```
//! use driftguard_core::config::{Template, expand};
//!
//! let t = Template::new("Bearer ${API_TOKEN}").unwrap();
//! assert_eq!(t.variables(), vec!["API_TOKEN".to_owned()]);
//! let env = |name: &str| (name == "API_TOKEN").then(|| "s3cr3t".to_owned());
//! assert_eq!(expand(&t, &env).unwrap(), "Bearer s3cr3t");
//! let err = expand(&t, &|_: &str| None).unwrap_err();
//! assert_eq!(err.code(), "E_ENV");
//! assert_eq!(err.variable, "API_TOKEN");
//! ```

use std::fmt;

use crate::error::{Error, Location, Result};

/// A string that may contain `${VAR}` placeholders, validated at construction.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Template {
    text: String,
}

/// One piece of a template.
enum Part<'a> {
    Literal(&'a str),
    Var(&'a str),
}

/// Splits a template into parts; `Err((byte offset, message))` on a malformed `${`.
fn parts(text: &str) -> std::result::Result<Vec<Part<'_>>, (usize, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(i) = rest.find('$') {
        let (lit, tail) = rest.split_at(i);
        if !lit.is_empty() {
            out.push(Part::Literal(lit));
        }
        let after = tail.get(1..).unwrap_or("");
        if let Some(more) = after.strip_prefix('$') {
            out.push(Part::Literal("$"));
            offset += i + 2;
            rest = more;
        } else if let Some(body) = after.strip_prefix('{') {
            let Some(end) = body.find('}') else {
                return Err((offset + i, "`${` has no closing `}`".to_owned()));
            };
            let name = body.get(..end).unwrap_or("");
            if !is_var_name(name) {
                return Err((
                    offset + i,
                    format!(
                        "`${{{}}}` is not a variable reference: a name is a letter or `_` \
                         followed by letters, digits or `_` (write `$$` for a literal `$`)",
                        show_name(name)
                    ),
                ));
            }
            out.push(Part::Var(name));
            offset += i + 2 + end + 1;
            rest = body.get(end + 1..).unwrap_or("");
        } else {
            out.push(Part::Literal("$"));
            offset += i + 1;
            rest = after;
        }
    }
    if !rest.is_empty() {
        out.push(Part::Literal(rest));
    }
    Ok(out)
}

/// A variable name as shown in an error: short names as written, long ones cut (the
/// text between `${` and `}` may be anything, even a pasted secret).
fn show_name(name: &str) -> String {
    if name.chars().count() <= 32 && is_var_name(name) {
        name.to_owned()
    } else {
        "…".to_owned()
    }
}

/// True for `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Template {
    /// Validates a template. A malformed placeholder is `E_CONFIG`; the message never
    /// repeats the value (it may be a secret).
    pub fn new(text: impl Into<String>) -> Result<Template> {
        let text = text.into();
        match parts(&text) {
            Ok(_) => Ok(Template { text }),
            Err((_, message)) => Err(Error::Config {
                message,
                location: Location::default(),
            }),
        }
    }

    /// Validates, returning the byte offset of a malformed placeholder on error.
    pub(crate) fn parse_at(text: &str) -> std::result::Result<Template, (usize, String)> {
        parts(text).map(|_| Template {
            text: text.to_owned(),
        })
    }

    /// The template as written (placeholders unexpanded). Safe to show for values
    /// that are not secret; see [`Secret`].
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The variables the template names, in order of first use, each once.
    pub fn variables(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for part in parts(&self.text).unwrap_or_default() {
            if let Part::Var(name) = part
                && !out.iter().any(|v| v == name)
            {
                out.push(name.to_owned());
            }
        }
        out
    }

    /// True when the template names no variable.
    pub fn is_literal(&self) -> bool {
        self.variables().is_empty()
    }

    /// Substitutes every `${VAR}` with `lookup(VAR)`; an unset variable is an
    /// [`EnvError`] naming it. Values are inserted as they are (not expanded again).
    pub fn expand(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, EnvError> {
        let mut out = String::with_capacity(self.text.len());
        for part in parts(&self.text).unwrap_or_default() {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Var(name) => match lookup(name) {
                    Some(v) => out.push_str(&v),
                    None => {
                        return Err(EnvError {
                            variable: name.to_owned(),
                            key: String::new(),
                        });
                    }
                },
            }
        }
        Ok(out)
    }

    /// The template with `$` written as `$$` where needed so that it reads back as a
    /// literal string: for values built from text that must not be expanded.
    pub fn literal(text: &str) -> Template {
        Template {
            text: text.replace('$', "$$"),
        }
    }
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Template({:?})", self.text)
    }
}

/// Expands a template with the caller's lookup (the binding passes the environment).
/// Same as [`Template::expand`].
pub fn expand(
    template: &Template,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, EnvError> {
    template.expand(lookup)
}

/// A template whose value is secret: header values, environment values of MCP
/// servers, webhook signing secrets, Slack webhook URLs, SMTP passwords, store URLs.
///
/// Its `Debug` never shows the text, and nothing the core writes (locks, source
/// descriptions, payloads, errors) contains it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Secret(Template);

impl Secret {
    /// Wraps a template as a secret.
    pub fn new(template: Template) -> Secret {
        Secret(template)
    }

    /// The template as written. Handle with care: it may hold a literal secret.
    pub fn template(&self) -> &Template {
        &self.0
    }

    /// Expands the secret; see [`Template::expand`].
    pub fn expand(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, EnvError> {
        self.0.expand(lookup)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A `${VAR}` the lookup did not know. Its code is `E_ENV`, the fetch-layer code the
/// bindings use for an unset variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvError {
    /// The variable that is not set.
    pub variable: String,
    /// The configuration key that needs it (`surface[0].headers.Authorization`),
    /// empty when expanded outside a configuration.
    pub key: String,
}

impl EnvError {
    /// Always `E_ENV`.
    pub fn code(&self) -> &'static str {
        "E_ENV"
    }

    pub(crate) fn at(mut self, key: &str) -> EnvError {
        self.key = key.to_owned();
        self
    }
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "environment variable {} is not set", self.variable)?;
        if !self.key.is_empty() {
            write!(f, " (needed by `{}`)", self.key)?;
        }
        Ok(())
    }
}

impl std::error::Error for EnvError {}

/// What [`redact`] writes in place of a secret.
pub const REDACTED: &str = "[redacted]";

/// Replaces every occurrence of each secret value in `text` with [`REDACTED`],
/// longest secrets first (so a secret containing another is removed whole). Empty
/// values are skipped. Bindings pass the values from
/// [`Config::secret_values`](crate::config::Config::secret_values) and run every log line, error message and
/// captured stderr through this before showing or storing it.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut sorted: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    sorted.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    sorted.dedup();
    let mut out = text.to_owned();
    for secret in sorted {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), REDACTED);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "A" => Some("1".into()),
            "TOKEN" => Some("t-${A}".into()),
            _ => None,
        }
    }

    #[test]
    fn expands_and_escapes() {
        let t = Template::new("x${A}y$${A}z$ ${TOKEN}").unwrap();
        assert_eq!(t.expand(&env).unwrap(), "x1y${A}z$ t-${A}");
        assert_eq!(t.variables(), vec!["A".to_owned(), "TOKEN".to_owned()]);
        assert!(Template::new("plain $5").unwrap().is_literal());
    }

    #[test]
    fn malformed_placeholders() {
        for bad in ["${", "${}", "${1A}", "a ${B C}", "${A-B}"] {
            let e = Template::new(bad).unwrap_err();
            assert_eq!(e.code(), "E_CONFIG", "{bad}");
        }
        let e = Template::new("${hunter2 secret}").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert_eq!(Template::parse_at("ab ${").unwrap_err().0, 3);
        assert_eq!(Template::parse_at("$$ ${x y}").unwrap_err().0, 3);
    }

    #[test]
    fn missing_variable_is_named() {
        let t = Template::new("${A}${NOPE}").unwrap();
        let e = t.expand(&env).unwrap_err().at("surface[0].url");
        assert_eq!(e.code(), "E_ENV");
        assert_eq!(
            e.to_string(),
            "environment variable NOPE is not set (needed by `surface[0].url`)"
        );
    }

    #[test]
    fn literal_round_trips() {
        let t = Template::literal("a$b${C}");
        assert_eq!(t.expand(&|_: &str| None).unwrap(), "a$b${C}");
    }

    #[test]
    fn redacts_longest_first() {
        let secrets = vec!["abc".to_owned(), "abcdef".to_owned(), String::new()];
        assert_eq!(redact("x abcdef abc", &secrets), "x [redacted] [redacted]");
        assert_eq!(
            format!("{:?}", Secret::new(Template::new("pw").unwrap())),
            "Secret(<redacted>)"
        );
    }
}
