//! Entry point of the PWA: install the panic hook and mount [`lianxin::App`]. Nothing else lives
//! here, so that everything testable sits in the library.

fn main() {
    console_error_panic_hook::set_once();
    let locale = lianxin::locale::load_choice();
    if lianxin::i18n::is_loaded(locale) {
        leptos::mount::mount_to_body(lianxin::App);
    } else {
        // A device that chose another language than the default fetches its texts first (from the
        // service worker's cache when offline), while index.html's boot shell is still showing:
        // the app then mounts in that language, with nothing shown in another. If they cannot be
        // had, it starts in the default language.
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = lianxin::i18n::load(locale).await {
                leptos::logging::warn!(
                    "the texts of {} could not be loaded: {e:?}",
                    locale.as_str()
                );
            }
            leptos::mount::mount_to_body(lianxin::App);
        });
    }
}
