//! The one error type of the core, with stable codes.
//!
//! Every way an input can be wrong ends here: the bindings map each variant to their
//! own exception/error type by [`Error::code`], which never changes once released.

use std::fmt;

/// Where in the input an error was found.
///
/// Parse errors know a line and column (1-based); errors found after parsing know a
/// JSON Pointer (RFC 6901) into the parsed document. Either, both or neither may be set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// 1-based line in the input text.
    pub line: Option<usize>,
    /// 1-based column in the input text.
    pub column: Option<usize>,
    /// JSON Pointer into the parsed document.
    pub pointer: Option<String>,
}

impl Location {
    /// A location known by line and column.
    pub fn at_line(line: usize, column: usize) -> Self {
        Location {
            line: Some(line),
            column: Some(column),
            pointer: None,
        }
    }

    /// A location known by JSON Pointer.
    pub fn at_pointer(pointer: impl Into<String>) -> Self {
        Location {
            line: None,
            column: None,
            pointer: Some(pointer.into()),
        }
    }

    /// True when nothing is known about the location.
    pub fn is_unknown(&self) -> bool {
        self.line.is_none() && self.pointer.is_none()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column, &self.pointer) {
            (Some(l), Some(c), Some(p)) => write!(f, "line {l}, column {c} ({})", show_pointer(p)),
            (Some(l), Some(c), None) => write!(f, "line {l}, column {c}"),
            (Some(l), None, _) => write!(f, "line {l}"),
            (None, _, Some(p)) => f.write_str(&show_pointer(p)),
            (None, _, None) => f.write_str("unknown location"),
        }
    }
}

fn show_pointer(p: &str) -> String {
    if p.is_empty() {
        "document root".to_owned()
    } else {
        p.to_owned()
    }
}

/// Everything that can go wrong in the core.
///
/// Each variant has a stable [`code`](Error::code). The set grows (hence
/// `#[non_exhaustive]`), codes never change meaning.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not well-formed JSON or YAML (or are empty or truncated).
    #[error("{message} at {location}")]
    Parse {
        /// What the parser saw.
        message: String,
        /// Where.
        location: Location,
    },
    /// The input is not valid UTF-8 text.
    #[error("input is not valid UTF-8: invalid byte sequence at byte offset {offset}")]
    Encoding {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// Nesting deeper than the configured limit.
    #[error("nesting deeper than the limit of {limit} levels at {location}")]
    TooDeep {
        /// The limit that was exceeded.
        limit: usize,
        /// Where.
        location: Location,
    },
    /// The input (or its expansion) is larger than the configured limit.
    #[error("{what} exceeds the limit of {limit} at {location}")]
    TooLarge {
        /// What grew too large (input bytes, YAML alias expansion, schema count…).
        what: String,
        /// The limit that was exceeded.
        limit: u64,
        /// Where.
        location: Location,
    },
    /// A local `$ref` points at nothing.
    #[error("$ref {reference:?} does not resolve to anything in the document, at {location}")]
    RefUnresolved {
        /// The reference as written.
        reference: String,
        /// Where the `$ref` is.
        location: Location,
    },
    /// A `$ref` to another file or a URL. The core never fetches; a binding may resolve
    /// it through an explicit, allow-listed loader.
    #[error(
        "$ref {reference:?} points outside the document; external references are not fetched \
         (resolve them with an allow-listed loader first), at {location}"
    )]
    RefExternal {
        /// The reference as written.
        reference: String,
        /// Where the `$ref` is.
        location: Location,
    },
    /// `$ref`s that only point at each other, with no schema to stand on.
    #[error("$ref cycle with no base case: {chain}, at {location}")]
    RefCycle {
        /// The chain of references, e.g. `#/a -> #/b -> #/a`.
        chain: String,
        /// Where the cycle was entered.
        location: Location,
    },
    /// The input is not a contract of any supported kind, or not of the requested kind.
    #[error("{message} at {location}")]
    UnsupportedFormat {
        /// What was expected and what was found.
        message: String,
        /// Where.
        location: Location,
    },
    /// The document is of a supported kind but violates its structure (e.g. `paths`
    /// is a string).
    #[error("{message} at {location}")]
    Invalid {
        /// What is wrong.
        message: String,
        /// Where.
        location: Location,
    },
    /// A policy or configuration document is invalid (unknown key, wrong type, bad
    /// date…). The location carries the line when the text had one.
    #[error("{message} at {location}")]
    Config {
        /// What is wrong.
        message: String,
        /// Where.
        location: Location,
    },
    /// A snapshot document of a format version this build does not know.
    #[error("snapshot format {found:?} is not supported (this build reads {supported:?})")]
    SnapshotVersion {
        /// The `format` found in the document.
        found: String,
        /// The format this build reads and writes.
        supported: String,
    },
}

impl Error {
    /// The stable machine-readable code of this error, e.g. `E_PARSE`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Parse { .. } => "E_PARSE",
            Error::Encoding { .. } => "E_ENCODING",
            Error::TooDeep { .. } => "E_TOO_DEEP",
            Error::TooLarge { .. } => "E_TOO_LARGE",
            Error::RefUnresolved { .. } => "E_REF_UNRESOLVED",
            Error::RefExternal { .. } => "E_REF_EXTERNAL",
            Error::RefCycle { .. } => "E_REF_CYCLE",
            Error::UnsupportedFormat { .. } => "E_UNSUPPORTED_FORMAT",
            Error::Invalid { .. } => "E_INVALID",
            Error::SnapshotVersion { .. } => "E_SNAPSHOT_VERSION",
            Error::Config { .. } => "E_CONFIG",
        }
    }

    /// Every code the core can return, in a stable order. Bindings test that their
    /// own list of codes equals this one.
    pub const CODES: &'static [&'static str] = &[
        "E_PARSE",
        "E_ENCODING",
        "E_TOO_DEEP",
        "E_TOO_LARGE",
        "E_REF_UNRESOLVED",
        "E_REF_EXTERNAL",
        "E_REF_CYCLE",
        "E_UNSUPPORTED_FORMAT",
        "E_INVALID",
        "E_SNAPSHOT_VERSION",
        "E_CONFIG",
    ];

    /// The location of the error, when it has one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Parse { location, .. }
            | Error::TooDeep { location, .. }
            | Error::TooLarge { location, .. }
            | Error::RefUnresolved { location, .. }
            | Error::RefExternal { location, .. }
            | Error::RefCycle { location, .. }
            | Error::UnsupportedFormat { location, .. }
            | Error::Invalid { location, .. }
            | Error::Config { location, .. } => Some(location),
            Error::Encoding { .. } | Error::SnapshotVersion { .. } => None,
        }
    }

    /// Shorthand for an [`Error::Invalid`] at a pointer.
    pub fn invalid(message: impl Into<String>, pointer: &str) -> Self {
        Error::Invalid {
            message: message.into(),
            location: Location::at_pointer(pointer),
        }
    }

    /// Shorthand for an [`Error::UnsupportedFormat`] at a pointer.
    pub fn unsupported(message: impl Into<String>, pointer: &str) -> Self {
        Error::UnsupportedFormat {
            message: message.into(),
            location: Location::at_pointer(pointer),
        }
    }
}

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_code_is_listed_once() {
        let samples = [
            Error::Parse {
                message: String::new(),
                location: Location::default(),
            },
            Error::Encoding { offset: 0 },
            Error::TooDeep {
                limit: 1,
                location: Location::default(),
            },
            Error::TooLarge {
                what: String::new(),
                limit: 1,
                location: Location::default(),
            },
            Error::RefUnresolved {
                reference: String::new(),
                location: Location::default(),
            },
            Error::RefExternal {
                reference: String::new(),
                location: Location::default(),
            },
            Error::RefCycle {
                chain: String::new(),
                location: Location::default(),
            },
            Error::unsupported("x", ""),
            Error::invalid("x", ""),
            Error::SnapshotVersion {
                found: String::new(),
                supported: String::new(),
            },
            Error::Config {
                message: String::new(),
                location: Location::default(),
            },
        ];
        let codes: Vec<&str> = samples.iter().map(Error::code).collect();
        assert_eq!(codes, Error::CODES);
    }

    #[test]
    fn message_points_at_location() {
        let e = Error::invalid("`paths` must be an object", "/paths");
        assert_eq!(e.to_string(), "`paths` must be an object at /paths");
        let e = Error::Parse {
            message: "expected `:`".into(),
            location: Location::at_line(3, 7),
        };
        assert_eq!(e.to_string(), "expected `:` at line 3, column 7");
    }
}
