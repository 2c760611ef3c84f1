//! The app frame mounted in a real browser (headless Chromium through wasm-bindgen-test): the
//! shell renders, the language switch reaches the DOM, `<html lang>` and localStorage, the
//! connectivity indicator follows the browser's events, and a deep link renders its page.
//!
//! Run with `cargo test -p lianxin --target wasm32-unknown-unknown`. Debug builds never register
//! the service worker, so these tests touch no cache.
#![cfg(target_arch = "wasm32")]

use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use lianxin::locale::STORAGE_KEY;
use lianxin::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts a fresh app at `path` with `stored` as the remembered language, and lets it render.
async fn mount_at(path: &str, stored: Option<&str>) -> impl Drop {
    let storage = window().local_storage().unwrap().unwrap();
    match stored {
        Some(tag) => storage.set_item(STORAGE_KEY, tag).unwrap(),
        None => storage.remove_item(STORAGE_KEY).unwrap(),
    }
    window()
        .history()
        .unwrap()
        .push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
        .unwrap();
    let container: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&container).unwrap();
    let handle = mount_to(container.clone(), App);
    settle().await;
    Mounted {
        handle: Some(handle),
        container,
    }
}

/// Unmounts and removes the app on drop, so that each test starts from a page without it (the
/// rest of the body belongs to the test runner, which reads its results from there).
struct Mounted<T> {
    handle: Option<T>,
    container: HtmlElement,
}

impl<T> Drop for Mounted<T> {
    fn drop(&mut self) {
        drop(self.handle.take());
        self.container.remove();
    }
}

/// Lets effects and the router run.
async fn settle() {
    for _ in 0..5 {
        tick().await;
    }
}

fn find(selector: &str) -> Element {
    document()
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
}

fn text(selector: &str) -> String {
    find(selector).text_content().unwrap_or_default()
}

fn html_lang() -> String {
    document()
        .document_element()
        .unwrap()
        .get_attribute("lang")
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn a_fresh_device_shows_the_home_page_in_simplified_chinese() {
    let _app = mount_at("/", None).await;

    find("[data-testid=app-ready]");
    find("[data-testid=page-home]");
    assert_eq!(document().query_selector_all("h1").unwrap().length(), 1);
    assert_eq!(text("h1"), "连心信访");
    assert_eq!(html_lang(), "zh-Hans");
    assert_eq!(
        find("[data-testid=nav-home]")
            .get_attribute("aria-current")
            .as_deref(),
        Some("page")
    );
    assert_eq!(
        find("[data-testid=nav-quiz]").get_attribute("aria-current"),
        None
    );
    // Not enrolled yet; the waiting count (hidden while zero) follows the words.
    assert!(text("[data-testid=sync-indicator]")
        .trim()
        .starts_with("同步状态: 未激活设备"));
}

#[wasm_bindgen_test]
async fn choosing_a_language_translates_the_page_and_is_remembered() {
    let app = mount_at("/", None).await;

    let select: HtmlSelectElement = find("[data-testid=header-language]").unchecked_into();
    select.set_value("en");
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    settle().await;

    assert_eq!(text("h1"), "Lianxin Petitions");
    assert_eq!(html_lang(), "en");
    let storage = window().local_storage().unwrap().unwrap();
    assert_eq!(
        storage.get_item(STORAGE_KEY).unwrap().as_deref(),
        Some("en")
    );

    // A reload is a fresh mount that reads the stored choice.
    drop(app);
    let _app = mount_at("/settings", Some("en")).await;
    assert_eq!(text("h1"), "Settings");
    assert_eq!(html_lang(), "en");
    for switcher in ["header-language", "settings-language-select"] {
        let select: HtmlSelectElement = find(&format!("[data-testid={switcher}]")).unchecked_into();
        assert_eq!(select.value(), "en", "{switcher}");
    }
}

#[wasm_bindgen_test]
async fn both_language_switchers_show_a_choice_made_in_either() {
    let _app = mount_at("/settings", Some("zh-Hans")).await;

    let settings: HtmlSelectElement =
        find("[data-testid=settings-language-select]").unchecked_into();
    settings.set_value("zh-Hant");
    settings
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    settle().await;

    let header: HtmlSelectElement = find("[data-testid=header-language]").unchecked_into();
    assert_eq!(header.value(), "zh-Hant");
    assert_eq!(text("h1"), "設定");
}

#[wasm_bindgen_test]
async fn the_connectivity_indicator_follows_the_offline_and_online_events() {
    let _app = mount_at("/", Some("zh-Hans")).await;

    window()
        .dispatch_event(&web_sys::Event::new("offline").unwrap())
        .unwrap();
    settle().await;
    let indicator = find("[data-testid=connectivity]");
    assert_eq!(
        indicator.get_attribute("data-state").as_deref(),
        Some("offline")
    );
    assert_eq!(text("[data-testid=connectivity]").trim(), "离线");

    window()
        .dispatch_event(&web_sys::Event::new("online").unwrap())
        .unwrap();
    settle().await;
    assert_eq!(
        indicator.get_attribute("data-state").as_deref(),
        Some("online")
    );
    assert_eq!(text("[data-testid=connectivity]").trim(), "在线");
}

#[wasm_bindgen_test]
async fn a_deep_link_renders_its_page_and_marks_its_section_current() {
    let _app = mount_at("/petitions/new", Some("zh-Hans")).await;

    find("[data-testid=page-petition-new]");
    assert_eq!(text("h1"), "新建信访登记");
    assert_eq!(document().title(), "新建信访登记 · 连心信访");
    assert_eq!(
        find("[data-testid=nav-petitions]")
            .get_attribute("aria-current")
            .as_deref(),
        Some("page")
    );
    assert_eq!(
        find("[data-testid=nav-home]").get_attribute("aria-current"),
        None
    );
}

#[wasm_bindgen_test]
async fn an_unknown_path_renders_the_not_found_page() {
    let _app = mount_at("/no/such/page", Some("zh-Hans")).await;

    find("[data-testid=page-not-found]");
    assert_eq!(text("h1"), "页面不存在");
}

#[wasm_bindgen_test]
async fn a_petition_link_without_a_valid_id_says_so() {
    let _app = mount_at("/petitions/not-a-uuid", Some("zh-Hans")).await;

    find("[data-testid=page-petition-detail]");
    assert!(document()
        .query_selector("[data-testid=petition-id]")
        .unwrap()
        .is_none());
}

#[wasm_bindgen_test]
async fn following_a_nav_link_renders_the_page_and_moves_focus_to_main() {
    let _app = mount_at("/", Some("zh-Hans")).await;

    let link: HtmlElement = find("[data-testid=nav-sync]").unchecked_into();
    link.click();
    settle().await;

    find("[data-testid=page-sync]");
    assert_eq!(window().location().pathname().unwrap(), "/sync");
    let focused = document().active_element().map(|e| e.id());
    assert_eq!(focused.as_deref(), Some("main"));
}
