//! Sets up linking for the Node-API addon.
fn main() {
    napi_build::setup();
}
