//! Normalizer stub, replaced by the real one.

use serde_json::Value;

use super::Options;
use crate::error::{Error, Result};
use crate::parse::Limits;
use crate::snapshot::Snapshot;

/// Infers a snapshot from JSON Lines or a single JSON payload.
pub(crate) fn from_bytes(bytes: &[u8], options: &Options) -> Result<Snapshot> {
    let _ = (bytes, options);
    Err(Error::unsupported("not implemented yet", ""))
}

/// Infers a snapshot from parsed payloads.
pub(crate) fn from_values(values: &[Value], limits: &Limits) -> Result<Snapshot> {
    let _ = (values, limits);
    Err(Error::unsupported("not implemented yet", ""))
}
