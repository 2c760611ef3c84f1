//! Entry point of the PWA: install the panic hook and mount [`lianxin::App`]. Nothing else lives
//! here, so that everything testable sits in the library.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(lianxin::App);
}
