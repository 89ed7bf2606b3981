//! WebAssembly build of DriftGuard. The browser issue adds `parse`, `diff`, `render`
//! and the diff viewer; today it exposes the snapshot format so the build is exercised.

/// The snapshot format this build reads and writes.
pub fn snapshot_format() -> &'static str {
    driftguard_core::SNAPSHOT_FORMAT
}

#[cfg(target_arch = "wasm32")]
mod bindings {
    use wasm_bindgen::prelude::*;

    /// The snapshot format this build reads and writes.
    #[wasm_bindgen(js_name = snapshotFormat)]
    pub fn snapshot_format() -> String {
        super::snapshot_format().to_owned()
    }
}
