//! Storage health: ask the browser to keep our data (`navigator.storage.persist()`), and read how
//! much is used and available (`estimate()`), for the sync page.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Used and available bytes of this origin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StorageEstimate {
    /// Bytes used.
    pub usage: f64,
    /// Bytes the browser allows this origin.
    pub quota: f64,
}

impl StorageEstimate {
    /// Fraction used, 0 to 1.
    pub fn used_fraction(&self) -> f64 {
        if self.quota > 0.0 {
            (self.usage / self.quota).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

fn manager() -> Option<web_sys::StorageManager> {
    let navigator = web_sys::window()?.navigator();
    let storage = js_sys::Reflect::get(&navigator, &JsValue::from_str("storage")).ok()?;
    storage.dyn_into().ok()
}

/// Asks the browser not to evict our data under storage pressure. `Ok(true)` when granted (the
/// answer may depend on engagement or an installed PWA); `Err` when the API is missing.
pub async fn request_persistent() -> Result<bool, String> {
    let m = manager().ok_or("navigator.storage is not available")?;
    let p = m.persist().map_err(|e| format!("{e:?}"))?;
    Ok(JsFuture::from(p)
        .await
        .map_err(|e| format!("{e:?}"))?
        .as_bool()
        .unwrap_or(false))
}

/// Whether storage is already persistent.
pub async fn is_persistent() -> Result<bool, String> {
    let m = manager().ok_or("navigator.storage is not available")?;
    let p = m.persisted().map_err(|e| format!("{e:?}"))?;
    Ok(JsFuture::from(p)
        .await
        .map_err(|e| format!("{e:?}"))?
        .as_bool()
        .unwrap_or(false))
}

/// Used and available space.
pub async fn estimate() -> Result<StorageEstimate, String> {
    let m = manager().ok_or("navigator.storage is not available")?;
    let p = m.estimate().map_err(|e| format!("{e:?}"))?;
    let e: web_sys::StorageEstimate = JsFuture::from(p)
        .await
        .map_err(|e| format!("{e:?}"))?
        .unchecked_into();
    Ok(StorageEstimate {
        usage: e.get_usage().unwrap_or(0.0),
        quota: e.get_quota().unwrap_or(0.0),
    })
}
