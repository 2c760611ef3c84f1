//! The lists' pages and searches on IndexedDB (schema v4, issue 16), in headless Chromium: pages
//! read through the indexes follow each other without gaps, filter by state, find by name, phone
//! and registration number; a database written by the v3 app is upgraded so that its old records
//! are listed and found too; and the in-memory store gives the same pages for the same entries.
//! Each test uses its own database name.
#![cfg(target_arch = "wasm32")]

use chrono::{Duration, Utc};
use lianxin_browser::{IdbStore, SCHEMA_VERSION};
use lianxin_core::example;
use lianxin_core::protocol::{DeviceConfig, Receipt, RecordKind};
use lianxin_sync::paging::{DraftOrder, DraftState, PageQuery, SearchKey};
use lianxin_sync::{
    validate_draft, Draft, MemoryStore, OutboxRecord, RecordState, Store, Transition,
};
use uuid::Uuid;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn fresh(name: &str, version: u32) -> IdbStore {
    IdbStore::delete_database(name).await.unwrap();
    IdbStore::open_with(name, version, None).await.unwrap()
}

/// The example petition of `name` with phone `phone`, as a draft.
fn petition(name: &str, phone: &str) -> Draft {
    let mut form = example::petition_json();
    form["petitioner"]["name"] = name.into();
    form["petitioner"]["phone"] = phone.into();
    Draft::new(RecordKind::Petition, form)
}

/// Finalizes `n` petitions into the outbox of `s`, one minute apart, and marks the even ones
/// sent with registration number `CZXF-2026-<i>`. Returns them as stored, oldest first.
async fn outbox<S: Store>(s: &S, n: u32) -> Vec<OutboxRecord> {
    let start = example::now();
    let mut out = Vec::new();
    for i in 0..n {
        let d = petition(&format!("张{i}"), &format!("1380013{i:04}"));
        s.put_draft(&d).await.unwrap();
        let stored = s.get_draft(d.id).await.unwrap().unwrap();
        let payload = validate_draft(&stored, &DeviceConfig::builtin(), Utc::now()).unwrap();
        let at = start + Duration::minutes(i.into());
        let id = Uuid::from_u128(u128::from(i) + 1);
        let r = s.finalize(d.id, id, payload, at).await.unwrap();
        if i % 2 == 0 {
            s.transition(&[Transition::Sending(r.id)], at)
                .await
                .unwrap();
            s.transition(
                &[Transition::Sent {
                    id: r.id,
                    receipt: Receipt {
                        registration_no: Some(format!("CZXF-2026-{i:06}")),
                        query_code: None,
                        received_at: at,
                    },
                }],
                at,
            )
            .await
            .unwrap();
        }
        out.push(s.get_record(r.id).await.unwrap().unwrap());
    }
    out
}

/// Every id of the list, page by page.
async fn all_pages<S: Store>(s: &S, query: PageQuery<RecordState>) -> Vec<Uuid> {
    let mut ids = Vec::new();
    let mut query = query;
    loop {
        let page = s.page_outbox(RecordKind::Petition, &query).await.unwrap();
        assert!(page.items.len() <= query.limit);
        ids.extend(page.items.iter().map(|r| r.id));
        match page.next {
            Some(next) => query.after = Some(next),
            None => return ids,
        }
    }
}

fn search(q: &str) -> PageQuery<RecordState> {
    PageQuery {
        search: SearchKey::new(q),
        ..PageQuery::first()
    }
}

#[wasm_bindgen_test]
async fn the_records_list_reads_newest_first_page_after_page_like_the_memory_store() {
    let s = fresh("p-order", SCHEMA_VERSION).await;
    let m = MemoryStore::new();
    let records = outbox(&s, 25).await;
    outbox(&m, 25).await;
    let small = PageQuery {
        limit: 7,
        ..PageQuery::first()
    };
    let ids = all_pages(&s, small.clone()).await;
    let newest_first: Vec<Uuid> = records.iter().rev().map(|r| r.id).collect();
    assert_eq!(ids, newest_first);
    assert_eq!(all_pages(&m, small).await, newest_first);
}

#[wasm_bindgen_test]
async fn a_state_filter_reads_only_that_state_through_its_index() {
    let s = fresh("p-state", SCHEMA_VERSION).await;
    let records = outbox(&s, 9).await;
    let sent = PageQuery {
        limit: 2,
        state: Some(RecordState::Sent),
        ..PageQuery::first()
    };
    let want: Vec<Uuid> = records
        .iter()
        .rev()
        .filter(|r| r.state == RecordState::Sent)
        .map(|r| r.id)
        .collect();
    assert_eq!(want.len(), 5);
    assert_eq!(all_pages(&s, sent).await, want);
}

#[wasm_bindgen_test]
async fn a_search_finds_a_record_by_name_phone_or_registration_number() {
    let s = fresh("p-search", SCHEMA_VERSION).await;
    let records = outbox(&s, 30).await;
    let id_of = |i: usize| records[i].id;
    assert_eq!(all_pages(&s, search("张17")).await, [id_of(17)]);
    assert_eq!(all_pages(&s, search("0021")).await, [id_of(21)]);
    assert_eq!(all_pages(&s, search("czxf-2026-000004")).await, [id_of(4)]);
    // A part of the name inside it finds every record that has it, newest first.
    let both = all_pages(&s, search("张1")).await;
    assert_eq!(both.len(), 11);
    assert_eq!(both[0], id_of(19));
    assert!(all_pages(&s, search("李")).await.is_empty());
}

#[wasm_bindgen_test]
async fn drafts_are_paged_in_the_order_chosen_and_filtered_by_state() {
    let s = fresh("p-drafts", SCHEMA_VERSION).await;
    let mut made = Vec::new();
    for i in 0..12u32 {
        let mut d = petition(&format!("王{i}"), "13900000000");
        d.created_at = example::now() + Duration::minutes(i.into());
        d.updated_at = example::now() + Duration::minutes(100 - i64::from(i));
        s.put_draft(&d).await.unwrap();
        made.push(d.id);
    }
    let query = PageQuery {
        limit: 5,
        ..PageQuery::<DraftState>::first()
    };
    let mut by_created = Vec::new();
    let mut q = query.clone();
    loop {
        let page = s.page_drafts(DraftOrder::Created, &q).await.unwrap();
        by_created.extend(page.items.iter().map(|d| d.id));
        match page.next {
            Some(n) => q.after = Some(n),
            None => break,
        }
    }
    let newest_created: Vec<Uuid> = made.iter().rev().copied().collect();
    assert_eq!(by_created, newest_created);
    let first_updated = s.page_drafts(DraftOrder::Updated, &query).await.unwrap();
    assert_eq!(first_updated.items[0].id, made[0]);
    let needs_edit = PageQuery {
        state: Some(DraftState::NeedsEdit),
        ..query
    };
    let none = s
        .page_drafts(DraftOrder::Updated, &needs_edit)
        .await
        .unwrap();
    assert!(none.items.is_empty() && none.next.is_none());
}

#[wasm_bindgen_test]
async fn records_of_the_v3_app_are_listed_and_found_after_the_upgrade() {
    let name = "p-upgrade";
    let v3 = fresh(name, 3).await;
    let records = outbox(&v3, 6).await;
    let draft = petition("赵老三", "13512345678");
    v3.put_draft(&draft).await.unwrap();
    v3.close();

    let v4 = IdbStore::open_with(name, SCHEMA_VERSION, None)
        .await
        .unwrap();
    assert_eq!(v4.version(), SCHEMA_VERSION);
    let newest_first: Vec<Uuid> = records.iter().rev().map(|r| r.id).collect();
    assert_eq!(all_pages(&v4, PageQuery::first()).await, newest_first);
    assert_eq!(
        all_pages(&v4, search("CZXF-2026-000002")).await,
        [records[2].id]
    );
    let found = v4
        .page_drafts(
            DraftOrder::Updated,
            &PageQuery {
                search: SearchKey::new("5678"),
                ..PageQuery::first()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|d| d.id).collect::<Vec<_>>(),
        [draft.id]
    );
    // The upgraded records still read as they were written.
    assert_eq!(
        v4.get_record(records[3].id).await.unwrap().as_ref(),
        Some(&records[3])
    );
}

#[wasm_bindgen_test]
async fn the_indicator_counts_records_by_state_without_reading_them() {
    let s = fresh("p-count", SCHEMA_VERSION).await;
    outbox(&s, 7).await;
    assert_eq!(s.count_outbox(RecordState::Sent).await.unwrap(), 4);
    assert_eq!(s.count_outbox(RecordState::Queued).await.unwrap(), 3);
    assert_eq!(s.count_outbox(RecordState::Quarantined).await.unwrap(), 0);
}
