//! Conformance runner for the Rust core (filled in by the conformance work).
