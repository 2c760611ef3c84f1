//! Single-flight across tabs with the Web Locks API: `navigator.locks.request(name,
//! {ifAvailable: true}, cb)`. The lock is held while the caller's future runs and released when it
//! finishes (or is dropped); a tab that finds the lock taken skips its run instead of queueing,
//! because the other tab's run will push the same outbox.
//!
//! web-sys exposes `LockManager` only behind `web_sys_unstable_apis`, so the two calls needed are
//! bound here directly.

use std::future::Future;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The lock every sync run takes.
pub const SYNC_LOCK: &str = "lianxin-sync";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = LockManager)]
    type LockManagerJs;

    #[wasm_bindgen(method, catch, js_name = request)]
    fn request_with_options(
        this: &LockManagerJs,
        name: &str,
        options: &JsValue,
        callback: &JsValue,
    ) -> Result<js_sys::Promise, JsValue>;
}

/// Why the lock could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    /// This browser has no Web Locks (very old, or an insecure origin).
    #[error("Web Locks are not available here")]
    Unsupported,
    /// The lock request itself failed.
    #[error("lock request failed: {0}")]
    Failed(String),
}

fn lock_manager() -> Option<LockManagerJs> {
    let global = js_sys::global();
    let navigator = js_sys::Reflect::get(&global, &JsValue::from_str("navigator")).ok()?;
    let locks = js_sys::Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    if locks.is_undefined() || locks.is_null() {
        return None;
    }
    Some(locks.unchecked_into())
}

/// Resolves the promise that keeps the lock held when dropped, however the work ends.
struct Release(js_sys::Function);

impl Drop for Release {
    fn drop(&mut self) {
        let _ = self.0.call0(&JsValue::NULL);
    }
}

/// Runs `work` while holding the exclusive lock `name`, if no other tab (or this one) holds it.
/// Returns `Ok(None)` without running `work` when the lock is taken.
pub async fn with_lock_if_available<F, Fut, T>(name: &str, work: F) -> Result<Option<T>, LockError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T>,
{
    let manager = lock_manager().ok_or(LockError::Unsupported)?;

    // `granted` resolves with the lock (or null) when the callback runs; `held` is what the
    // callback returns, so the lock lasts until `release` resolves it.
    let mut grant: Option<js_sys::Function> = None;
    let granted = js_sys::Promise::new(&mut |resolve, _| grant = Some(resolve));
    let mut release: Option<js_sys::Function> = None;
    let held = js_sys::Promise::new(&mut |resolve, _| release = Some(resolve));
    let (Some(grant), Some(release)) = (grant, release) else {
        return Err(LockError::Failed("promise executor did not run".into()));
    };
    let release = Release(release);
    let held_for_cb = held.clone();
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let _ = grant.call1(&JsValue::NULL, &lock);
        if lock.is_null() {
            JsValue::UNDEFINED
        } else {
            held_for_cb.into()
        }
    });
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &JsValue::from_str("ifAvailable"), &JsValue::TRUE)
        .map_err(|e| LockError::Failed(format!("{e:?}")))?;
    let request = manager
        .request_with_options(name, &options, &callback)
        .map_err(|e| LockError::Failed(format!("{e:?}")))?;

    let lock = JsFuture::from(granted)
        .await
        .map_err(|e| LockError::Failed(format!("{e:?}")))?;
    if lock.is_null() {
        let _ = JsFuture::from(request).await;
        return Ok(None);
    }
    let out = work().await;
    drop(release);
    JsFuture::from(request)
        .await
        .map_err(|e| LockError::Failed(format!("{e:?}")))?;
    Ok(Some(out))
}

/// [`with_lock_if_available`] on [`SYNC_LOCK`]: wrap every `SyncEngine::sync_once` in it.
pub async fn with_sync_lock<F, Fut, T>(work: F) -> Result<Option<T>, LockError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T>,
{
    with_lock_if_available(SYNC_LOCK, work).await
}
