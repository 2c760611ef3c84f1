//! Numbers for BENCHMARKS.md: IdbStore next to raw IndexedDB JavaScript doing the same work in
//! the same page (the physical limit). Runs only when built with `LIANXIN_BENCH=1`:
//!
//! ```text
//! cd crates/browser && LIANXIN_BENCH=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!   CHROMEDRIVER=/usr/bin/chromedriver cargo test --release -p lianxin-browser \
//!   --target wasm32-unknown-unknown --test bench -- --nocapture
//! ```
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use chrono::Utc;
use lianxin_browser::{Autosave, IdbStore, SCHEMA_VERSION};
use lianxin_core::example;
use lianxin_core::protocol::{DeviceConfig, RecordKind};
use lianxin_sync::{validate_draft, Draft, Store};
use uuid::Uuid;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ENABLED: bool = option_env!("LIANXIN_BENCH").is_some();

// The baseline: what a hand-written page would do with IndexedDB directly, same stores, same
// transactions per operation, plain objects, no serde.
#[wasm_bindgen(inline_js = r#"
function open(name) {
  return new Promise((resolve, reject) => {
    const del = indexedDB.deleteDatabase(name);
    del.onsuccess = del.onerror = () => {
      const r = indexedDB.open(name, 1);
      r.onupgradeneeded = () => {
        r.result.createObjectStore('drafts', { keyPath: 'id' });
        r.result.createObjectStore('outbox', { keyPath: 'id' }).createIndex('by_state', 'state');
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    };
  });
}
function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}
function draft(form) {
  const now = new Date().toISOString();
  return { id: crypto.randomUUID(), kind: 'petition', form, created_at: now, updated_at: now };
}
export function now() { return performance.now(); }
export async function raw_finalize(name, n, formJson) {
  const db = await open(name);
  const form = JSON.parse(formJson);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const d = draft(form);
    let tx = db.transaction('drafts', 'readwrite');
    tx.objectStore('drafts').put(d);
    await done(tx);
    tx = db.transaction(['drafts', 'outbox'], 'readwrite');
    const drafts = tx.objectStore('drafts');
    const outbox = tx.objectStore('outbox');
    const get = drafts.get(d.id);
    get.onsuccess = () => {
      const g = get.result;
      const at = new Date().toISOString();
      outbox.put({ id: crypto.randomUUID(), kind: g.kind, payload: g.form, draft_id: g.id,
                   state: 'queued', finalized_at: at, updated_at: at, attempts: 0 });
      drafts.delete(g.id);
    };
    await done(tx);
  }
  const ms = performance.now() - t0;
  db.close();
  return ms;
}
let listDb = null;
export async function raw_fill(name, n, formJson) {
  listDb = await open(name);
  const form = JSON.parse(formJson);
  const tx = listDb.transaction('drafts', 'readwrite');
  for (let i = 0; i < n; i++) tx.objectStore('drafts').put(draft(form));
  await done(tx);
}
export async function raw_list() {
  const t0 = performance.now();
  const all = await new Promise((resolve, reject) => {
    const r = listDb.transaction('drafts').objectStore('drafts').getAll();
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  all.sort((a, b) => a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0);
  const ms = performance.now() - t0;
  if (all.length === 0) throw new Error('raw list saw nothing');
  return ms;
}
export async function raw_put_one(name, formJson, n) {
  const db = await open(name);
  const d = draft(JSON.parse(formJson));
  const times = [];
  for (let i = 0; i < n; i++) {
    d.form.facts = d.form.facts + '。';
    const t0 = performance.now();
    const tx = db.transaction('drafts', 'readwrite');
    tx.objectStore('drafts').put(d);
    await done(tx);
    times.push(performance.now() - t0);
  }
  db.close();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
"#)]
extern "C" {
    fn now() -> f64;
    #[wasm_bindgen(catch)]
    async fn raw_finalize(name: &str, n: u32, form: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn raw_fill(name: &str, n: u32, form: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn raw_list() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn raw_put_one(name: &str, form: &str, n: u32) -> Result<JsValue, JsValue>;
}

/// A realistic petition form (about 1 kB of JSON, mostly Chinese text): the shared example
/// petition with long texts.
fn form() -> serde_json::Value {
    let mut f = example::petition_json();
    f["petitioner"]["address"] = "城关镇幸福村三组 12 号".into();
    f["request"] = "请求尽快修复幸福村通往镇中心的村道，雨天无法通行，学生上学困难。".into();
    f["facts"] = "该村道自去年七月暴雨后多处塌陷，村委会已多次向镇政府反映，至今未修复。今年雨季又有两处新塌方，车辆无法通行，村民只能绕行十余公里。".into();
    f["reasons"] = "依据《信访工作条例》第三十一条，申诉求决类事项应依法处理。".into();
    f
}

async fn fresh(name: &str) -> IdbStore {
    IdbStore::delete_database(name).await.unwrap();
    IdbStore::open_with(name, SCHEMA_VERSION, None)
        .await
        .unwrap()
}

fn report(what: &str, ours: f64, raw: f64) {
    web_sys::console::log_1(
        &format!(
            "BENCH {what}: IdbStore {ours:.1} ms, raw IndexedDB JS {raw:.1} ms, ratio {:.2}",
            ours / raw
        )
        .into(),
    );
}

#[wasm_bindgen_test]
async fn finalize_and_store_1000_petitions() {
    if !ENABLED {
        return;
    }
    let n = 1_000;
    let f = form();
    let raw = raw_finalize("b-raw-finalize", n, &f.to_string())
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    let s = fresh("b-finalize").await;
    // Validation is pure Rust and not what this compares with raw IndexedDB: done beforehand.
    let drafts: Vec<_> = (0..n)
        .map(|_| {
            let d = Draft::new(RecordKind::Petition, f.clone());
            // As the store holds it after the put below: at revision 1.
            let stored = Draft {
                revision: 1,
                ..d.clone()
            };
            let payload = validate_draft(&stored, &DeviceConfig::builtin(), Utc::now()).unwrap();
            (d, payload)
        })
        .collect();
    let t0 = now();
    for (d, payload) in drafts {
        s.put_draft(&d).await.unwrap();
        s.finalize(d.id, Uuid::now_v7(), payload, Utc::now())
            .await
            .unwrap();
    }
    let ours = now() - t0;
    assert_eq!(s.list_outbox(None).await.unwrap().len(), n as usize);
    report(
        "finalize+store 1000 petitions (2 transactions each)",
        ours,
        raw,
    );
}

#[wasm_bindgen_test]
async fn list_10000_drafts() {
    if !ENABLED {
        return;
    }
    let n = 10_000;
    let f = form();
    raw_fill("b-raw-list", n, &f.to_string()).await.unwrap();
    let s = fresh("b-list").await;
    let t_fill = now();
    for _ in 0..n {
        s.put_draft(&Draft::new(RecordKind::Petition, f.clone()))
            .await
            .unwrap();
    }
    let fill = now() - t_fill;
    // Alternate the two, so a busy machine slows both alike; report medians of 7.
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        raw.push(raw_list().await.unwrap().as_f64().unwrap());
        let t0 = now();
        let all = s.list_drafts().await.unwrap();
        ours.push(now() - t0);
        assert_eq!(all.len(), n as usize);
    }
    let (ours, raw) = (median(ours), median(raw));
    report(
        "list 10000 drafts (getAll + decode + sort, median of 7)",
        ours,
        raw,
    );
    web_sys::console::log_1(
        &format!(
            "BENCH fill 10000 drafts one put_draft each: {fill:.0} ms ({:.2} ms/draft)",
            fill / n as f64
        )
        .into(),
    );
}

#[wasm_bindgen_test]
async fn autosave_of_one_edit_until_durable() {
    if !ENABLED {
        return;
    }
    let f = form();
    let raw = raw_put_one("b-raw-autosave", &f.to_string(), 200)
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    let s = fresh("b-autosave").await;
    let mut d = Draft::new(RecordKind::Petition, f.clone());
    let mut times = Vec::new();
    for _ in 0..200 {
        d.form["facts"] = format!("{}。", d.form["facts"].as_str().unwrap()).into();
        let t0 = now();
        s.put_draft(&d).await.unwrap();
        times.push(now() - t0);
        d.revision += 1; // the next edit is based on the revision just stored
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    report(
        "one edit written (put_draft, median of 200)",
        times[100],
        raw,
    );

    // Through the debouncer, with the app's own delay: keystroke → committed, ten times. The issue
    // allows 300 ms from the edit to durable.
    let mut totals = Vec::new();
    for _ in 0..10 {
        let saved: Rc<RefCell<Option<f64>>> = Rc::default();
        let saved_at = saved.clone();
        let base = s.get_draft(d.id).await.unwrap().unwrap();
        let auto = Autosave::new(
            s.clone(),
            lianxin_browser::AUTOSAVE_DELAY,
            base,
            move |_, r| {
                r.unwrap();
                *saved_at.borrow_mut() = Some(now());
            },
        );
        d.form["facts"] = format!("{}。", d.form["facts"].as_str().unwrap()).into();
        let t0 = now();
        auto.edit(d.clone());
        while saved.borrow().is_none() {
            sleep(5).await;
        }
        totals.push(saved.borrow().unwrap() - t0);
    }
    totals.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let (median, worst) = (totals[5], totals[9]);
    web_sys::console::log_1(
        &format!(
            "BENCH autosave edit → durable through Autosave({} ms): median {median:.1} ms, worst of 10 {worst:.1} ms",
            lianxin_browser::AUTOSAVE_DELAY.as_millis()
        )
        .into(),
    );
    assert!(worst <= 300.0, "an edit took {worst} ms to become durable");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}
