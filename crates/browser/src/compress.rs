//! gzip in the browser, by the browser: `CompressionStream` (Chromium 80+, Firefox 113+,
//! Safari 16.4+). No compressor is compiled into the wasm; where the API is missing the caller
//! sends the body as it is.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

// web-sys 0.3.107 has `CompressionStream` only behind `--cfg=web_sys_unstable_apis`, which would
// have to be set for every wasm build of the workspace (and rebuild web-sys for all of it); the
// constructor is all this needs, so it is bound here, the way web-sys itself binds it.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = CompressionStream)]
    type CompressionStream;

    #[wasm_bindgen(constructor, catch, js_class = "CompressionStream")]
    fn new(format: &str) -> Result<CompressionStream, JsValue>;
}

/// `text` as UTF-8, gzipped, as a `Blob` that `fetch` sends with its length known. `None` when
/// the browser has no `CompressionStream` or it fails; then send `text` uncompressed.
pub async fn gzip(text: &str) -> Option<web_sys::Blob> {
    let parts = Array::of1(&JsValue::from_str(text));
    let blob = web_sys::Blob::new_with_str_sequence(&parts).ok()?;
    let gzip = CompressionStream::new("gzip").ok()?;
    // A CompressionStream is a { readable, writable } pair, which is what pipeThrough takes.
    let stream = blob.stream().pipe_through(gzip.unchecked_ref());
    let response = web_sys::Response::new_with_opt_readable_stream(Some(&stream)).ok()?;
    let compressed = JsFuture::from(response.blob().ok()?).await.ok()?;
    compressed.dyn_into().ok()
}

/// The bytes of a `Blob` (tests, and callers that want to look at what goes on the wire).
pub async fn blob_bytes(blob: &web_sys::Blob) -> Result<Vec<u8>, JsValue> {
    let buffer = JsFuture::from(blob.array_buffer()).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
