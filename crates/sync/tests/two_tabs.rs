//! One draft open in two tabs (issue 14), at the store: every save names the revision it was
//! based on, a save over an older revision is merged field by field instead of overwriting, and a
//! finalized or deleted draft is never saved back nor finalized twice. Each tab is what the page
//! keeps: the draft it shows and the stored form its edits are based on.

use chrono::Utc;
use lianxin_core::example;
use lianxin_core::protocol::{ApiError, DeviceConfig, RecordKind};
use lianxin_sync::{
    validate_draft, Conflict, Draft, MemoryStore, RecordState, Store, StoreError, Transition,
};
use serde_json::Value;
use uuid::Uuid;

/// What a tab holds: the draft as typed, and the stored draft its edits are based on.
struct Tab {
    shown: Draft,
    base: Draft,
}

impl Tab {
    async fn open(store: &MemoryStore, id: Uuid) -> Tab {
        let d = store
            .get_draft(id)
            .await
            .unwrap()
            .expect("the draft is stored");
        Tab {
            shown: d.clone(),
            base: d,
        }
    }

    fn type_in(&mut self, path: &[&str], text: &str) {
        let mut at = &mut self.shown.form;
        for key in path {
            at = &mut at[*key];
        }
        *at = text.into();
    }

    /// What the autosave sends: the form as typed, based on the revision the tab last saw.
    async fn save(&mut self, store: &MemoryStore) -> Result<Vec<Conflict>, StoreError> {
        let mut draft = self.shown.clone();
        draft.revision = self.base.revision;
        let saved = store.save_draft(&draft, Some(&self.base.form)).await?;
        self.shown = saved.draft.clone();
        self.base = saved.draft;
        Ok(saved.conflicts)
    }
}

/// An empty petition form, as /petitions/new stores it.
async fn new_draft(store: &MemoryStore) -> Uuid {
    let mut form = example::petition_json();
    for key in ["request", "facts", "reasons"] {
        form[key] = "".into();
    }
    form["petitioner"]["name"] = "".into();
    form["petitioner"]["address"] = "".into();
    let d = Draft::new(RecordKind::Petition, form);
    store.put_draft(&d).await.unwrap();
    d.id
}

async fn stored_form(store: &MemoryStore, id: Uuid) -> Value {
    store.get_draft(id).await.unwrap().unwrap().form
}

#[tokio::test]
async fn every_accepted_save_gets_the_next_revision() {
    let store = MemoryStore::new();
    let id = new_draft(&store).await;
    let mut a = Tab::open(&store, id).await;
    assert_eq!(a.base.revision, 1, "created at revision 1");
    a.type_in(&["request"], "修路");
    a.save(&store).await.unwrap();
    assert_eq!(a.base.revision, 2);
    a.type_in(&["request"], "修路和路灯");
    a.save(&store).await.unwrap();
    let stored = store.get_draft(id).await.unwrap().unwrap();
    assert_eq!(stored.revision, 3);
    assert_eq!(stored.form["request"], "修路和路灯");
}

#[tokio::test]
async fn two_tabs_typing_different_fields_keep_both_the_facts_and_the_address() {
    // The scenario: A types the name and the request; B opens the draft and types the
    // facts; A, still on its older revision, types the address. Nothing may be lost.
    let store = MemoryStore::new();
    let id = new_draft(&store).await;
    let mut a = Tab::open(&store, id).await;
    a.type_in(&["petitioner", "name"], "张三");
    a.type_in(&["request"], "请求维修小区道路");
    a.save(&store).await.unwrap();

    let mut b = Tab::open(&store, id).await;
    b.type_in(&["facts"], "小区道路破损已半年");
    assert_eq!(b.save(&store).await.unwrap(), []);

    a.type_in(&["petitioner", "address"], "城关镇人民路1号");
    assert_eq!(
        a.save(&store).await.unwrap(),
        [],
        "different fields do not collide"
    );

    let form = stored_form(&store, id).await;
    assert_eq!(form["petitioner"]["name"], "张三");
    assert_eq!(form["request"], "请求维修小区道路");
    assert_eq!(form["facts"], "小区道路破损已半年");
    assert_eq!(form["petitioner"]["address"], "城关镇人民路1号");
    assert_eq!(
        a.shown.form, form,
        "the tab that merged shows the merged draft"
    );
}

#[tokio::test]
async fn the_same_field_typed_in_two_tabs_keeps_the_stored_text_and_tells_the_tab_that_lost() {
    let store = MemoryStore::new();
    let id = new_draft(&store).await;
    let mut a = Tab::open(&store, id).await;
    let mut b = Tab::open(&store, id).await;
    b.type_in(&["request"], "请求维修道路");
    b.save(&store).await.unwrap();
    a.type_in(&["request"], "请求安装路灯");
    a.type_in(&["facts"], "夜间无照明");
    let conflicts = a.save(&store).await.unwrap();
    assert_eq!(
        conflicts,
        [Conflict {
            path: "request".into(),
            mine: Some("请求安装路灯".into()),
            stored: Some("请求维修道路".into()),
        }],
        "the losing tab gets its own text back, to copy"
    );
    let form = stored_form(&store, id).await;
    assert_eq!(form["request"], "请求维修道路", "the stored text stays");
    assert_eq!(form["facts"], "夜间无照明", "the tab's other field is kept");
}

#[tokio::test]
async fn a_save_without_a_base_never_overwrites_a_newer_revision() {
    let store = MemoryStore::new();
    let id = new_draft(&store).await;
    let stale = store.get_draft(id).await.unwrap().unwrap();
    let mut a = Tab::open(&store, id).await;
    a.type_in(&["facts"], "事实");
    a.save(&store).await.unwrap();
    let mut blind = stale;
    blind.form["request"] = "盲写".into();
    let saved = store.save_draft(&blind, None).await.unwrap();
    assert_eq!(saved.draft.form["facts"], "事实");
    assert_eq!(saved.draft.form["request"], "");
    let paths: Vec<_> = saved.conflicts.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["facts", "request"]);
}

#[tokio::test]
async fn a_save_after_finalize_is_refused_in_the_store_and_the_draft_never_comes_back() {
    let store = MemoryStore::new();
    let id = new_draft(&store).await;
    let mut b = Tab::open(&store, id).await;
    // Tab A fills the draft and finalizes it.
    store
        .put_draft(&Draft {
            form: example::petition_json(),
            ..b.base.clone()
        })
        .await
        .unwrap();
    let stored = store.get_draft(id).await.unwrap().unwrap();
    let payload = validate_draft(&stored, &DeviceConfig::builtin(), Utc::now()).unwrap();
    let record = store
        .finalize(id, Uuid::now_v7(), payload, Utc::now())
        .await
        .unwrap();

    // Tab B still shows it and types on.
    b.type_in(&["facts"], "B 继续输入的事实");
    match b.save(&store).await {
        Err(StoreError::Gone(t)) => {
            assert_eq!(
                t.record_id,
                Some(record.id),
                "the tab can link to the record"
            );
            assert!(t.finalized());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        StoreError::Gone(store.draft_tombstone(id).await.unwrap().unwrap()).code(),
        "draft_finalized"
    );
    assert!(store.get_draft(id).await.unwrap().is_none());
    assert!(store.list_drafts().await.unwrap().is_empty());
    let outbox = store.list_outbox(None).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].payload, example::petition_json());

    // Nor can it be finalized a second time.
    let again = validate_draft(&stored, &DeviceConfig::builtin(), Utc::now()).unwrap();
    let err = store
        .finalize(id, Uuid::now_v7(), again, Utc::now())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "draft_finalized", "{err}");
    assert_eq!(store.list_outbox(None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_save_after_delete_is_refused_and_a_deleted_draft_stays_deleted() {
    let store = MemoryStore::new();
    let id = new_draft(&store).await;
    let mut b = Tab::open(&store, id).await;
    store.delete_draft(id).await.unwrap();
    b.type_in(&["facts"], "事实");
    let err = b.save(&store).await.unwrap_err();
    assert_eq!(err.code(), "draft_deleted", "{err}");
    assert!(store.get_draft(id).await.unwrap().is_none());
    // Deleting it again keeps the tombstone (and is no error).
    store.delete_draft(id).await.unwrap();
    assert!(store.draft_tombstone(id).await.unwrap().is_some());
}

#[tokio::test]
async fn a_finalize_validated_at_an_older_revision_is_refused() {
    let store = MemoryStore::new();
    let d = Draft::new(RecordKind::Petition, example::petition_json());
    store.put_draft(&d).await.unwrap();
    let old = store.get_draft(d.id).await.unwrap().unwrap();
    let payload = validate_draft(&old, &DeviceConfig::builtin(), Utc::now()).unwrap();
    // Another tab saves in between.
    let mut other = old.clone();
    other.form["facts"] = "另一个标签页的事实".into();
    store.put_draft(&other).await.unwrap();
    let err = store
        .finalize(d.id, Uuid::now_v7(), payload, Utc::now())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_state", "{err}");
    assert!(store.list_outbox(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_draft_written_before_revisions_existed_is_read_and_saved() {
    // As the previous app version stored it: no `revision`.
    let mut old: Value =
        serde_json::to_value(Draft::new(RecordKind::Petition, example::petition_json())).unwrap();
    old.as_object_mut().unwrap().remove("revision");
    let draft: Draft = serde_json::from_value(old).unwrap();
    assert_eq!(draft.revision, 0);
    let store = MemoryStore::new();
    store.put_draft(&draft).await.unwrap();
    let mut tab = Tab::open(&store, draft.id).await;
    tab.type_in(&["facts"], "补充");
    tab.save(&store).await.unwrap();
    assert_eq!(stored_form(&store, draft.id).await["facts"], "补充");
}

#[tokio::test]
async fn a_draft_restored_by_the_server_is_not_overwritten_by_a_tab_that_showed_it_before() {
    let store = MemoryStore::new();
    let d = Draft::new(RecordKind::Petition, example::petition_json());
    store.put_draft(&d).await.unwrap();
    let mut stale = Tab::open(&store, d.id).await;
    let stored = store.get_draft(d.id).await.unwrap().unwrap();
    let payload = validate_draft(&stored, &DeviceConfig::builtin(), Utc::now()).unwrap();
    let record = store
        .finalize(d.id, Uuid::now_v7(), payload, Utc::now())
        .await
        .unwrap();
    let error = ApiError::new("phone_format", "bad phone").with_field("petitioner.phone");
    store
        .transition(&[Transition::Sending(record.id)], Utc::now())
        .await
        .unwrap();
    store
        .transition(
            &[Transition::NeedsEdit {
                id: record.id,
                error,
            }],
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.list_outbox(None).await.unwrap()[0].state,
        RecordState::NeedsEdit
    );
    let restored = store.get_draft(d.id).await.unwrap().unwrap();
    assert!(restored.revision > stored.revision);
    // The tab that showed the draft before it was finalized saves its facts: they are merged into
    // the restored draft, whose problem and record id stay.
    stale.type_in(&["facts"], "旧标签页的事实");
    stale.save(&store).await.unwrap();
    let now = store.get_draft(d.id).await.unwrap().unwrap();
    assert_eq!(now.form["facts"], "旧标签页的事实");
    assert_eq!(now.record_id, Some(record.id));
    assert!(now.problem.is_some());
}
