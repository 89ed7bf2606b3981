//! Python bindings for DriftGuard: the private native module `driftguard._driftguard`.
//!
//! Thin by design: conversions and error mapping only; every behaviour lives in
//! `driftguard-core`. The Python package issue makes this module complete.
#![allow(unsafe_code)] // the PyO3 macros generate FFI glue

use pyo3::prelude::*;

/// The version of the core this module was built from.
#[pyfunction]
fn core_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The snapshot format this build reads and writes.
#[pyfunction]
fn snapshot_format() -> &'static str {
    driftguard_core::SNAPSHOT_FORMAT
}

/// The native module.
#[pymodule]
fn _driftguard(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(core_version, m)?)?;
    m.add_function(wrap_pyfunction!(snapshot_format, m)?)?;
    Ok(())
}
