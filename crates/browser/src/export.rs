//! "Export unsent records": the JSON file an administrator receives when a device can no longer
//! reach the server, offered as a download.

use lianxin_sync::{export_unsent, Store, StoreError};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The file: its suggested name and the JSON Blob.
pub struct ExportFile {
    /// e.g. `lianxin-unsent-20261130-214500.json`.
    pub filename: String,
    /// `application/json` UTF-8 Blob.
    pub blob: web_sys::Blob,
    /// How many records it holds.
    pub records: usize,
}

/// Builds the export of every unsent record (queued, sending, needs_edit, quarantined).
pub async fn unsent_export_file<S: Store + ?Sized>(store: &S) -> Result<ExportFile, StoreError> {
    let export = export_unsent(store).await?;
    let json =
        serde_json::to_string_pretty(&export).map_err(|e| StoreError::Other(e.to_string()))?;
    let parts = js_sys::Array::of1(&JsValue::from_str(&json));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| StoreError::Other(format!("{e:?}")))?;
    Ok(ExportFile {
        filename: export_filename(export.exported_at),
        blob,
        records: export.records.len(),
    })
}

/// `lianxin-unsent-20261201-093005.json`. Written out rather than with chrono's `format`, whose
/// strftime interpreter would add about 10 kB to the wasm for this one name.
fn export_filename(at: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "lianxin-unsent-{:04}{:02}{:02}-{:02}{:02}{:02}.json",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Offers `file` as a download (an `<a download>` click on an object URL).
pub fn download(file: &ExportFile) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let url = web_sys::Url::create_object_url_with_blob(&file.blob)?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(&file.filename);
    a.click();
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}
