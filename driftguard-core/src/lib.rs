//! # driftguard-core
//!
//! The pure core of DriftGuard: it turns a contract — an OpenAPI 3.x or Swagger 2.0
//! description, a JSON Schema, an MCP server's catalog, or sampled JSON payloads — into a
//! canonical [`Snapshot`] with a stable digest. Equivalent spellings (key order, JSON vs
//! YAML, tool order, the three spellings of `nullable`…) give the same digest.
//!
//! ```
//! use driftguard_core::{snapshot_from_bytes, Options};
//!
//! let json = br#"{"type": "object", "properties": {"id": {"type": ["integer", "null"]}}}"#;
//! let yaml = b"properties:\n  id:\n    anyOf: [{type: integer}, {type: 'null'}]\ntype: object\n";
//! let a = snapshot_from_bytes(json, &Options::default()).unwrap();
//! let b = snapshot_from_bytes(yaml, &Options::default()).unwrap();
//! assert_eq!(a.digest(), b.digest());
//! ```
//!
//! The core does no I/O: no files, network, processes, environment or clock. It never
//! fetches an external `$ref` (that is `E_REF_EXTERNAL`), and it never panics on input:
//! every malformed, hostile or oversized document ends in an [`Error`] with a stable
//! [`code`](Error::code).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod alert;
pub mod capture;
pub mod classify;
pub mod cli;
pub mod config;
pub mod error;
pub mod lock;
pub mod normalize;
pub mod parse;
pub mod render;
pub mod shape;
pub mod snapshot;
pub mod surface;

pub use error::{Error, Location, Result};
pub use normalize::{
    Format, Options, snapshot_from_bytes, snapshot_from_samples, snapshot_from_value,
};
pub use parse::Limits;
pub use shape::{JsonType, Node, Shape};
pub use snapshot::{Kind, SNAPSHOT_FORMAT, Snapshot};
pub use surface::Surface;
