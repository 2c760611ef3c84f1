//! The engine's view of the server (issue 11, item 8), against a real lianxin-server: only the
//! server's explicit revocation marks a device revoked; a token the server does not know is a
//! problem shown while the records stay queued; and a `stored` answer for a petition without its
//! registration number and query code is a protocol error, never a record marked sent.

mod common;

use std::cell::Cell;
use std::rc::Rc;

use chrono::Utc;
use common::HttpTransport;
use lianxin_core::example;
use lianxin_core::protocol::{
    DeviceRole, EnrollRequest, EnrollResponse, PullResponse, PushRequest, PushResponse, RecordKind,
};
use lianxin_server::testing::TestServer;
use lianxin_sync::model::meta_keys;
use lianxin_sync::store::to_meta;
use lianxin_sync::{
    decode_response, Draft, MemoryStore, NoAnswer, RecordState, Store, SyncEngine, SyncError,
    Transport, TransportError,
};

async fn enrolled<T: Transport>(server: &TestServer, transport: T) -> SyncEngine<MemoryStore, T> {
    let engine = SyncEngine::new(MemoryStore::new(), transport);
    let code = server.enrollment_code(DeviceRole::Field, "城关镇").await;
    engine.enroll(&code, "城关镇 平板 1").await.unwrap();
    engine
}

async fn queue_one<S: Store, T: Transport>(engine: &SyncEngine<S, T>) -> uuid::Uuid {
    let d = Draft::new(RecordKind::Petition, example::petition_json());
    engine.finalize_draft(&d, Utc::now()).await.unwrap().id
}

#[tokio::test]
async fn a_token_the_server_does_not_know_is_shown_as_a_problem_not_a_revocation() {
    let server = TestServer::start().await;
    let engine = enrolled(&server, HttpTransport::new(&server.base_url)).await;
    let real = engine.store().device().await.unwrap().unwrap();
    let mut unknown = real.clone();
    unknown.token = "not-a-token-this-server-issued".into();
    engine
        .store()
        .put_meta(meta_keys::DEVICE, to_meta(&unknown))
        .await
        .unwrap();
    let id = queue_one(&engine).await;

    let err = engine.sync_once().await.unwrap_err();
    assert!(
        matches!(&err, SyncError::Rejected(e) if e.code == "unauthorized"),
        "{err:?}"
    );
    assert!(!engine.store().is_revoked().await.unwrap(), "not revoked");
    assert_eq!(
        engine.store().get_record(id).await.unwrap().unwrap().state,
        RecordState::Queued
    );

    // Once the token is right again (a restored backup, a fixed proxy), the record goes out
    // with no new enrollment code.
    engine
        .store()
        .put_meta(meta_keys::DEVICE, to_meta(&real))
        .await
        .unwrap();
    assert_eq!(engine.sync_once().await.unwrap().sent, 1);
}

#[tokio::test]
async fn the_servers_revocation_is_what_revokes() {
    let server = TestServer::start().await;
    let engine = enrolled(&server, HttpTransport::new(&server.base_url)).await;
    let device = engine.store().device().await.unwrap().unwrap();
    server.revoke_device(device.device_id).await;
    queue_one(&engine).await;
    assert!(matches!(
        engine.sync_once().await,
        Err(SyncError::Revoked(_))
    ));
    assert!(engine.store().is_revoked().await.unwrap());
}

#[test]
fn only_the_revocation_code_revokes_and_other_401_and_403_are_refusals() {
    const JSON: Option<&str> = Some("application/json");
    let answer = |status: u16, code: &str| {
        let body = format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#);
        decode_response::<PushResponse>(200, status, JSON, &body)
    };
    assert!(matches!(
        answer(401, "device_revoked"),
        Err(TransportError::Unauthorized(_))
    ));
    assert!(matches!(
        answer(403, "device_revoked"),
        Err(TransportError::Unauthorized(_))
    ));
    for (status, code) in [
        (401, "unauthorized"),
        (403, "forbidden"),
        (403, "csrf"),
        (401, "x"),
    ] {
        assert!(
            matches!(answer(status, code), Err(TransportError::Rejected { status: s, .. }) if s == status),
            "{status} {code}"
        );
    }
}

/// The real server, with the registration number and query code taken out of the receipts of
/// the next `strip` push answers: a broken or impostor server.
#[derive(Clone)]
struct StrippingReceipts {
    inner: HttpTransport,
    strip: Rc<Cell<u32>>,
}

impl Transport for StrippingReceipts {
    async fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        self.inner.enroll(req).await
    }

    async fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse, TransportError> {
        let mut answer = self.inner.push(token, req).await?;
        if self.strip.get() > 0 {
            self.strip.set(self.strip.get() - 1);
            for r in &mut answer.results {
                if let Some(receipt) = &mut r.receipt {
                    receipt.registration_no = None;
                    receipt.query_code = None;
                }
            }
        }
        Ok(answer)
    }

    async fn pull(&self, token: &str, cursor: i64) -> Result<PullResponse, TransportError> {
        self.inner.pull(token, cursor).await
    }
}

#[tokio::test]
async fn a_stored_petition_without_its_numbers_is_a_protocol_error_and_stays_queued() {
    let server = TestServer::start().await;
    let transport = StrippingReceipts {
        inner: HttpTransport::new(&server.base_url),
        strip: Rc::new(Cell::new(1)),
    };
    let engine = enrolled(&server, transport).await;
    let id = queue_one(&engine).await;

    let err = engine.sync_once().await.unwrap_err();
    assert!(
        matches!(
            &err,
            SyncError::Offline {
                reason: NoAnswer::Protocol { .. },
                ..
            }
        ),
        "{err:?}"
    );
    let record = engine.store().get_record(id).await.unwrap().unwrap();
    assert_eq!(record.state, RecordState::Queued);
    assert!(record.receipt.is_none());

    // The retry gets the original receipt (`duplicate`), numbers included.
    assert_eq!(engine.sync_once().await.unwrap().sent, 1);
    let record = engine.store().get_record(id).await.unwrap().unwrap();
    let receipt = record.receipt.expect("receipt");
    assert!(receipt.registration_no.is_some() && receipt.query_code.is_some());
    assert_eq!(server.petition_count().await, 1);
}
