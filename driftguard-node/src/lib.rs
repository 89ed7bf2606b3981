//! Node.js bindings for DriftGuard: the native addon behind the npm package
//! `driftguard`.
//!
//! Thin by design: conversions and error mapping only; every behaviour lives in
//! `driftguard-core`. The Node package issue makes this addon complete.
#![allow(unsafe_code)] // the napi macros generate FFI glue

use napi_derive::napi;

/// The snapshot format this build reads and writes.
#[napi]
pub fn snapshot_format() -> &'static str {
    driftguard_core::SNAPSHOT_FORMAT
}
