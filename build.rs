//! Compiles the station UI (`ui/*.slint`). Debug info keeps element ids so the headless UI tests
//! can find elements (`ElementHandle::find_by_element_id`).
fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent-dark".into())
        .with_debug_info(true);
    slint_build::compile_with_config("ui/index.slint", config).expect("compiling ui/index.slint");
}
