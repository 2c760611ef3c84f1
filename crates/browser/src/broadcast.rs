//! Tells the app's other tabs (and the installed app's window) about each saved, finalized or
//! deleted draft, over a `BroadcastChannel` named [`DRAFTS_CHANNEL`]. A tab showing that draft
//! reads it again and shows the other tab's text (or that it was submitted) within one message,
//! without polling IndexedDB. The message only says which draft and which revision: the text
//! itself is always read from the store, which stays the one source of truth. A browser without
//! `BroadcastChannel` gets no channel; the store's revision check still keeps every text.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use lianxin_sync::DraftNotice;

/// The channel's name (one per origin, shared by every tab of the app).
pub const DRAFTS_CHANNEL: &str = "lianxin-drafts";

#[wasm_bindgen]
extern "C" {
    // Bound here rather than through web-sys's feature, which would add a feature flag to the
    // build for four calls.
    #[wasm_bindgen(js_name = BroadcastChannel)]
    type JsBroadcastChannel;

    #[wasm_bindgen(constructor, catch, js_class = "BroadcastChannel")]
    fn new(name: &str) -> Result<JsBroadcastChannel, JsValue>;

    #[wasm_bindgen(method, catch, js_name = postMessage)]
    fn post_message(this: &JsBroadcastChannel, message: &JsValue) -> Result<(), JsValue>;

    #[wasm_bindgen(method, setter)]
    fn set_onmessage(this: &JsBroadcastChannel, handler: Option<&js_sys::Function>);

    #[wasm_bindgen(method)]
    fn close(this: &JsBroadcastChannel);
}

/// This tab's end of the drafts channel; closed when dropped.
pub struct DraftChannel {
    channel: JsBroadcastChannel,
    _on_message: Closure<dyn FnMut(web_sys::Event)>,
}

impl DraftChannel {
    /// Opens the channel; `on_notice` hears every notice another tab sends (never this tab's
    /// own). `None` where the browser has no `BroadcastChannel`.
    pub fn open(on_notice: impl Fn(DraftNotice) + 'static) -> Option<DraftChannel> {
        let channel = JsBroadcastChannel::new(DRAFTS_CHANNEL).ok()?;
        let on_message = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let data = js_sys::Reflect::get(&e, &JsValue::from_str("data")).ok();
            // A message this version cannot read (a newer app's) is not for it.
            if let Some(notice) = data
                .and_then(|d| d.as_string())
                .and_then(|s| serde_json::from_str::<DraftNotice>(&s).ok())
            {
                on_notice(notice);
            }
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Some(DraftChannel {
            channel,
            _on_message: on_message,
        })
    }

    /// Tells the other tabs.
    pub fn announce(&self, notice: &DraftNotice) {
        if let Ok(text) = serde_json::to_string(notice) {
            // A closed channel (the page is going away) has nobody left to tell.
            let _ = self.channel.post_message(&JsValue::from_str(&text));
        }
    }
}

impl Drop for DraftChannel {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}
