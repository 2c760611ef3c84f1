//! index.html paints a boot shell before the wasm arrives. Its introduction must be the home
//! page's own, word for word: the real page then replaces it without a layout shift, and the
//! browser keeps the early paint as the largest contentful one. These tests keep the two in step.

const INDEX_HTML: &str = include_str!("../index.html");
const ZH_HANS: &str = include_str!("../locales/zh-Hans.json");

fn home_intro() -> String {
    let locale: serde_json::Value = serde_json::from_str(ZH_HANS).expect("zh-Hans.json is JSON");
    locale["home"]["intro"]
        .as_str()
        .expect("zh-Hans.json has home.intro")
        .to_owned()
}

fn boot_lead() -> String {
    let start = INDEX_HTML
        .find(r#"<p class="lead">"#)
        .expect("index.html's boot shell has a p.lead");
    let rest = &INDEX_HTML[start + r#"<p class="lead">"#.len()..];
    let end = rest.find("</p>").expect("the p.lead is closed");
    rest[..end].trim().to_owned()
}

#[test]
fn the_boot_shell_introduces_the_app_in_the_home_pages_own_words() {
    assert_eq!(boot_lead(), home_intro());
}
