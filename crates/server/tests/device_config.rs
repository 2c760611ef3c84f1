//! The device configuration (the subject list) reaches every device through the pull feed as a
//! versioned change, published on start when it differs from the newest one published.

mod common;

use axum::http::StatusCode;
use common::{petition, record, Backend, Harness};
use lianxin_core::protocol::{DeviceConfig, DeviceRole, SubjectEntry};
use lianxin_server::{service, Config};
use serde_json::{json, Value};
use uuid::Uuid;

on_both_backends!(
    the_configuration_is_published_once_into_every_feed,
    an_unchanged_configuration_is_not_published_again_on_the_next_start,
    a_changed_subject_list_is_published_again_with_a_higher_version,
    a_device_enrolled_later_gets_the_current_configuration_in_its_first_pull,
    a_subject_of_the_published_list_is_the_one_pushes_are_validated_against,
);

fn config_with(subjects: &str) -> Config {
    Config {
        subjects: service::config::parse_subjects(subjects).expect("a subject list"),
        ..common::test_config()
    }
}

/// Publishes `config`'s subject list as `lianxin-server serve` does on start.
async fn start(h: &Harness, config: &Config) -> Option<DeviceConfig> {
    service::publish_config(&h.state.db, config, lianxin_server::now())
        .await
        .unwrap()
}

/// The `config` changes of a device's whole feed.
async fn configs_in_feed(h: &Harness, token: &str) -> Vec<Value> {
    let (status, feed) = h.get("/api/v1/sync/pull?cursor=0", Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{feed}");
    feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "config")
        .cloned()
        .collect()
}

async fn the_configuration_is_published_once_into_every_feed(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let field = h.device(DeviceRole::Field).await;
    let kiosk = h.device(DeviceRole::Kiosk).await;
    let published = start(&h, &h.state.config).await.expect("published");
    assert_eq!(published.version, 1);
    assert_eq!(published.subjects, DeviceConfig::builtin().subjects);
    for token in [&field.token, &kiosk.token] {
        let configs = configs_in_feed(&h, token).await;
        assert_eq!(configs.len(), 1, "{configs:?}");
        assert_eq!(configs[0]["config"]["version"], 1);
        assert_eq!(configs[0]["config"]["subjects"][0]["code"], "land");
        assert!(configs[0]["config"]["subjects"][0].get("label").is_none());
    }
}

async fn an_unchanged_configuration_is_not_published_again_on_the_next_start(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let config = config_with("land,mining=矿产资源");
    assert!(start(&h, &config).await.is_some());
    assert_eq!(start(&h, &config).await, None);
    assert_eq!(
        start(&h, &config_with(" land , mining=矿产资源 ")).await,
        None
    );
    let dev = h.device(DeviceRole::Field).await;
    assert_eq!(configs_in_feed(&h, &dev.token).await.len(), 1);
}

async fn a_changed_subject_list_is_published_again_with_a_higher_version(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    let dev = h.device(DeviceRole::Field).await;
    start(&h, &config_with("land,labor")).await.expect("first");
    let relabelled = start(&h, &config_with("land,labor=劳动保障")).await;
    assert_eq!(relabelled.map(|c| c.version), Some(2));
    let shorter = start(&h, &config_with("land")).await.expect("third");
    assert_eq!(shorter.version, 3);
    assert_eq!(
        shorter.subjects,
        [SubjectEntry {
            code: "land".into(),
            label: None
        }]
    );
    let configs = configs_in_feed(&h, &dev.token).await;
    let versions: Vec<_> = configs.iter().map(|c| &c["config"]["version"]).collect();
    assert_eq!(versions, [1, 2, 3], "the newest last");
    assert_eq!(
        configs[1]["config"]["subjects"][1],
        json!({"code": "labor", "label": "劳动保障"})
    );
    assert_eq!(
        h.state.db.feed.newest_config().await.unwrap(),
        Some(shorter)
    );
}

async fn a_device_enrolled_later_gets_the_current_configuration_in_its_first_pull(b: Backend) {
    let Some(h) = Harness::new(b).await else {
        return;
    };
    start(&h, &config_with("land")).await.expect("first");
    start(&h, &config_with("land,mining=矿产资源"))
        .await
        .expect("second");
    let late = h.device(DeviceRole::Kiosk).await;
    let configs = configs_in_feed(&h, &late.token).await;
    let newest = configs.last().expect("a configuration in the first pull");
    assert_eq!(newest["config"]["version"], 2);
    assert_eq!(newest["config"]["subjects"][1]["label"], "矿产资源");
}

async fn a_subject_of_the_published_list_is_the_one_pushes_are_validated_against(b: Backend) {
    let config = config_with("mining=矿产资源");
    let Some(h) = Harness::with_config(b, config.clone()).await else {
        return;
    };
    start(&h, &config).await.expect("published");
    let dev = h.device(DeviceRole::Field).await;
    let mut mining = petition("张三");
    mining["subject"] = json!("mining");
    let (_, body) = h
        .push(
            &dev.token,
            json!([
                record(Uuid::now_v7(), "petition", mining),
                record(Uuid::now_v7(), "petition", petition("李四")),
            ]),
        )
        .await;
    let results = body["results"].as_array().unwrap();
    assert_eq!(results[0]["outcome"], "stored", "{body}");
    assert_eq!(results[1]["outcome"], "invalid", "land is not configured");
    assert_eq!(results[1]["error"]["field"], "subject");
}
