//! Compiles the Slint UI (`ui/app.slint`, every window) with the English
//! translation bundled, so the binary needs no files at run time.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("ui/translations")
        // One msgid, one translation, wherever the string appears.
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        // Element names for UI tests (ElementHandle); not needed in releases.
        .with_debug_info(std::env::var("PROFILE").as_deref() == Ok("debug"));
    if let Err(err) = slint_build::compile_with_config("ui/app.slint", config) {
        eprintln!("{err}");
        std::process::exit(1);
    }
}
