//! Errors as JavaScript sees them: a thrown `Error` whose `code` is a stable code.
//!
//! Every core error keeps its code ([`driftguard_core::Error::code`], exhaustive in the
//! core) and its message; the addon's own failures (a value that is not JSON, a report
//! document that does not parse) use the core's codes too, so JavaScript only ever
//! sees codes of [`driftguard_core::Error::CODES`].

/// A JavaScript error whose `code` property is the stable code.
pub type NodeError = napi::Error<String>;

/// The core's error, with its code and message.
pub fn from_core(e: &driftguard_core::Error) -> NodeError {
    napi::Error::new(e.code().to_owned(), e.to_string())
}

/// `E_INVALID`: an argument is not what the function takes.
pub fn invalid(message: impl Into<String>) -> NodeError {
    napi::Error::new("E_INVALID".to_owned(), message.into())
}

/// A failure of Node-API itself while reading a value, reported as `E_INVALID`.
pub fn from_napi(e: &napi::Error) -> NodeError {
    invalid(format!("cannot read the JavaScript value: {}", e.reason))
}
