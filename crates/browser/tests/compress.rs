//! Push bodies are gzipped by the browser's own `CompressionStream`.

#![cfg(target_arch = "wasm32")]

use lianxin_browser::compress::{blob_bytes, gzip};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_push_body_is_gzipped_to_well_under_its_size() {
    let records: Vec<serde_json::Value> = (0..20)
        .map(|i| {
            let mut p = lianxin_core::example::petition_json();
            p["facts"] = format!("第 {i} 件：村民反映道路多年未修，雨天无法通行。").into();
            p
        })
        .collect();
    let json = serde_json::to_string(&records).unwrap();
    let blob = gzip(&json).await.expect("Chromium has CompressionStream");
    let bytes = blob_bytes(&blob).await.unwrap();
    assert_eq!(
        &bytes[..3],
        &[0x1f, 0x8b, 0x08],
        "a gzip member with deflate"
    );
    assert!(
        bytes.len() * 4 < json.len(),
        "{} bytes of JSON became {}",
        json.len(),
        bytes.len()
    );
}
