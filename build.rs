//! Compiles the station UI (`ui/*.slint`) when the `ui` feature is on; a server-only build
//! (`--no-default-features`) has no Slint and nothing to compile. Debug info keeps element ids
//! so the headless UI tests can find elements (`ElementHandle::find_by_element_id`).
fn main() {
    // Cargo builds this script with the package's features (`CARGO_FEATURE_UI` at run time);
    // the cfg is the compile-time side, needed because slint-build is absent without `ui`.
    #[cfg(feature = "ui")]
    {
        let config = slint_build::CompilerConfiguration::new()
            .with_style("fluent-dark".into())
            .with_debug_info(true);
        slint_build::compile_with_config("ui/index.slint", config)
            .expect("compiling ui/index.slint");
    }
}
