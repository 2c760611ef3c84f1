//! [`IdbStore`]: the [`Store`] of `lianxin-sync` on IndexedDB, through `indexed_db_futures` 0.6.
//!
//! Schema: one database (default [`DB_NAME`]) whose version is [`SCHEMA_VERSION`], built by an
//! explicit upgrade ladder ([`upgrade_step`]) in which every step is kept forever, so a device
//! that skipped app versions still climbs one step at a time. Never edit a landed step: add one.
//!
//! Each value is kept in a small envelope `{<key>, <indexed fields>, json}` whose `json` is the
//! serde JSON of the Rust type as UTF-8 bytes (a `Uint8Array`): the key and indexed fields stay
//! visible to IndexedDB, and the Rust type (with its own optional-field evolution) stays the one
//! source of truth. It is also the fastest path measured here: bytes are structured-cloned and
//! copied into wasm by memcpy, where a string costs a UTF-16 → UTF-8 transcode each way and a
//! plain object one boundary call per field.
//!
//! Transactions: in 0.6 a transaction rolls back unless `commit().await` is called, and the
//! browser commits one by itself as soon as no IndexedDB request is pending at the end of a task,
//! so nothing but IndexedDB requests is ever awaited between opening and committing one.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::error::{DomException, Error as IdbError, OpenDbError};
use indexed_db_futures::internals::SystemRepr;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use indexed_db_futures::{KeyPath, KeyRange};
use lianxin_core::protocol::{DeviceConfig, PullResponse, RecordKind};
use lianxin_core::quiz::Campaign;
use lianxin_sync::model::meta_keys;
use lianxin_sync::paging::{
    self, record_order_key, Cursor, DraftOrder, DraftState, Page, PageQuery, SearchFields,
    SearchKey, SEARCH_CAP,
};
use lianxin_sync::plan::{
    plan_delete_draft, plan_finalize, plan_recover_sending, plan_save_draft, plan_transitions,
    receipts_to_read, record_to_check,
};
use lianxin_sync::store::{plan_pull, to_meta, PullApplied};
use lianxin_sync::{
    Draft, DraftSaved, DraftTombstone, LocalQuizAttempt, OutboxRecord, ReceiptEntry, RecordState,
    Store, StoreError, Transition, TransitionPlan, Validated,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The database name the app uses.
pub const DB_NAME: &str = "lianxin";
/// The schema version this build writes; [`upgrade_step`] knows every step up to it.
pub const SCHEMA_VERSION: u32 = 4;

/// Object store names.
pub mod stores {
    /// Drafts, key `id`.
    pub const DRAFTS: &str = "drafts";
    /// Finalized records, key `id`, index [`BY_STATE`] from v2.
    pub const OUTBOX: &str = "outbox";
    /// Receipts and status history, key `record_id`.
    pub const RECEIPTS: &str = "receipts";
    /// Quiz campaigns, key `id`.
    pub const CAMPAIGNS: &str = "campaigns";
    /// Metadata, key `key`.
    pub const META: &str = "meta";
    /// Local quiz attempts, key `id` (v2).
    pub const QUIZ_ATTEMPTS: &str = "quiz_attempts";
    /// Index of the outbox on `state` (v2).
    pub const BY_STATE: &str = "by_state";
    /// What is left of finalized and deleted drafts, key `draft_id` (v3).
    pub const TOMBSTONES: &str = "tombstones";
    /// Drafts by `order_updated`, the drafts list's default order (v4).
    pub const BY_UPDATED: &str = "by_updated";
    /// Drafts by `order_created` (v4).
    pub const BY_CREATED: &str = "by_created";
    /// Drafts by `[state, order_updated]` (v4).
    pub const BY_STATE_UPDATED: &str = "by_state_updated";
    /// Drafts by `[state, order_created]` (v4).
    pub const BY_STATE_CREATED: &str = "by_state_created";
    /// Outbox records by `[kind, order]`, the records list (v4).
    pub const BY_KIND_ORDER: &str = "by_kind_order";
    /// Outbox records by `[kind, state, order]` (v4).
    pub const BY_KIND_STATE_ORDER: &str = "by_kind_state_order";
    /// Drafts and outbox records by each of their search terms (multi-entry, v4).
    pub const BY_TERM: &str = "by_term";
}

/// One step of the ladder: what turns a database of version `to - 1` into version `to`. `vc` is
/// the running versionchange transaction, through which existing stores are reached.
pub fn upgrade_step(db: &Database, vc: &web_sys::IdbTransaction, to: u32) -> Result<(), IdbError> {
    match to {
        // v1 (first release): the five stores.
        1 => {
            for (name, key) in [
                (stores::DRAFTS, "id"),
                (stores::OUTBOX, "id"),
                (stores::RECEIPTS, "record_id"),
                (stores::CAMPAIGNS, "id"),
                (stores::META, "key"),
            ] {
                db.create_object_store(name)
                    .with_key_path(KeyPath::from(key))
                    .build()?;
            }
            Ok(())
        }
        // v2: the outbox gets an index on its state (the sync page and the engine ask "which are
        // queued?" without reading every sent record), and local quiz attempts get a store.
        // indexed_db_futures 0.6 does not hand the versionchange transaction to the callback
        // (rust-indexed-db#66), so the existing store is reached through the raw transaction.
        2 => {
            let outbox = vc.object_store(stores::OUTBOX)?;
            outbox.create_index_with_str(stores::BY_STATE, "state")?;
            db.create_object_store(stores::QUIZ_ATTEMPTS)
                .with_key_path(KeyPath::from("id"))
                .build()?;
            Ok(())
        }
        // v3: tombstones of finalized and deleted drafts, so that a tab still showing one can
        // never save it back (issue 14). The upgrade also closes every tab of an older version
        // (their `versionchange` handler), whose saves would not look for tombstones.
        3 => {
            db.create_object_store(stores::TOMBSTONES)
                .with_key_path(KeyPath::from("draft_id"))
                .build()?;
            Ok(())
        }
        // v4: lists that cost what is on screen (issue 16). Drafts and outbox records carry
        // their list order, state and search terms (`lianxin_sync::paging`) as index fields, so a
        // list reads one page through an index and a search one key range. The indexes are
        // built, then every stored entry is rewritten with its new fields in this same
        // versionchange transaction: records from before the upgrade are listed and found too.
        4 => {
            let drafts = vc.object_store(stores::DRAFTS)?;
            drafts.create_index_with_str(stores::BY_UPDATED, "order_updated")?;
            drafts.create_index_with_str(stores::BY_CREATED, "order_created")?;
            drafts.create_index_with_str_sequence(
                stores::BY_STATE_UPDATED,
                &key_path(&["state", "order_updated"]),
            )?;
            drafts.create_index_with_str_sequence(
                stores::BY_STATE_CREATED,
                &key_path(&["state", "order_created"]),
            )?;
            create_term_index(&drafts)?;
            let outbox = vc.object_store(stores::OUTBOX)?;
            outbox.create_index_with_str_sequence(
                stores::BY_KIND_ORDER,
                &key_path(&["kind", "order"]),
            )?;
            outbox.create_index_with_str_sequence(
                stores::BY_KIND_STATE_ORDER,
                &key_path(&["kind", "state", "order"]),
            )?;
            create_term_index(&outbox)?;
            rewrite_all(&drafts, |v| draft_env(&open_envelope::<Draft>(v)?))?;
            rewrite_all(&outbox, |v| outbox_env(&open_envelope::<OutboxRecord>(v)?))?;
            Ok(())
        }
        other => Err(IdbError::from(JsValue::from_str(&format!(
            "no upgrade step to schema version {other}"
        )))),
    }
}

fn key_path(fields: &[&str]) -> JsValue {
    fields
        .iter()
        .map(|f| JsValue::from_str(f))
        .collect::<js_sys::Array>()
        .into()
}

fn create_term_index(store: &web_sys::IdbObjectStore) -> Result<(), JsValue> {
    let params = web_sys::IdbIndexParameters::new();
    params.set_multi_entry(true);
    store.create_index_with_str_and_optional_parameters(stores::BY_TERM, "terms", &params)?;
    Ok(())
}

/// Rewrites every entry of `store` with `rewrite`, by a cursor in the running (versionchange)
/// transaction, which stays open until the cursor is done. An entry that cannot be decoded is
/// left as it was (readable by key as before, just not listed), and said so in the console; a
/// refused write aborts the upgrade, so the database stays at the older version, intact.
fn rewrite_all(
    store: &web_sys::IdbObjectStore,
    rewrite: fn(&JsValue) -> Result<JsValue, StoreError>,
) -> Result<(), JsValue> {
    type Handler = Closure<dyn FnMut(web_sys::Event)>;
    let request = store.open_cursor()?;
    let slot: Rc<RefCell<Option<Handler>>> = Rc::default();
    let own = slot.clone();
    let req = request.clone();
    let on_success = Handler::new(move |_e: web_sys::Event| {
        let cursor = req
            .result()
            .ok()
            .and_then(|c| c.dyn_into::<web_sys::IdbCursorWithValue>().ok());
        let Some(cursor) = cursor else {
            // Done: the handler goes once this call has returned.
            req.set_onsuccess(None);
            if let Some(handler) = own.borrow_mut().take() {
                wasm_bindgen_futures::spawn_local(async move { drop(handler) });
            }
            return;
        };
        match cursor.value().map_err(js).and_then(|v| rewrite(&v)) {
            Ok(value) => {
                if let Err(e) = cursor.update(&value) {
                    web_sys::console::error_2(
                        &"lianxin: upgrade to v4 could not rewrite".into(),
                        &e,
                    );
                }
            }
            Err(e) => web_sys::console::warn_1(
                &format!("lianxin: upgrade to v4 left an undecodable entry as it was: {e}").into(),
            ),
        }
        if let Err(e) = cursor.continue_() {
            web_sys::console::error_2(&"lianxin: upgrade to v4 stopped".into(), &e);
        }
    });
    request.set_onsuccess(Some(on_success.as_ref().unchecked_ref()));
    *slot.borrow_mut() = Some(on_success);
    Ok(())
}

/// Maps an IndexedDB failure to what the UI must say. QuotaExceededError is told apart so the
/// user learns that storage is full, not just that "something failed".
pub fn map_idb_error(e: &IdbError) -> StoreError {
    match e {
        IdbError::DomException(d) => map_dom_exception(d),
        other => StoreError::Other(other.to_string()),
    }
}

fn map_dom_exception(d: &DomException) -> StoreError {
    let sys: web_sys::DomException = d.clone().into();
    map_dom_name(&sys.name(), &sys.message())
}

fn map_dom_name(name: &str, message: &str) -> StoreError {
    let text = format!("{name}: {message}");
    match name {
        "QuotaExceededError" => StoreError::QuotaExceeded(text),
        "InvalidStateError" => StoreError::Closed(text),
        "NotFoundError" => StoreError::NotFound(text),
        "ConstraintError"
        | "DataError"
        | "DataCloneError"
        | "ReadOnlyError"
        | "UnknownError"
        | "AbortError"
        | "TransactionInactiveError" => StoreError::WriteRefused(text),
        _ => StoreError::Other(text),
    }
}

fn map_open_error(e: OpenDbError) -> StoreError {
    match e {
        OpenDbError::Base(e) => map_idb_error(&e),
        other => StoreError::Other(format!("IndexedDB is not available here: {other}")),
    }
}

fn idb(e: IdbError) -> StoreError {
    map_idb_error(&e)
}

fn js(e: JsValue) -> StoreError {
    if let Some(d) = e.dyn_ref::<web_sys::DomException>() {
        return map_dom_name(&d.name(), &d.message());
    }
    StoreError::Other(format!("{e:?}"))
}

// ---- envelopes ---------------------------------------------------------------------------

fn envelope<T: Serialize>(fields: &[(&str, &str)], value: &T) -> Result<JsValue, StoreError> {
    let json = serde_json::to_vec(value).map_err(|e| StoreError::Other(e.to_string()))?;
    let obj = js_sys::Object::new();
    for (k, v) in fields {
        js_sys::Reflect::set(&obj, &JsValue::from_str(k), &JsValue::from_str(v)).map_err(js)?;
    }
    let bytes = js_sys::Uint8Array::from(json.as_slice());
    js_sys::Reflect::set(&obj, &JsValue::from_str("json"), &bytes).map_err(js)?;
    Ok(obj.into())
}

fn open_envelope<T: DeserializeOwned>(value: &JsValue) -> Result<T, StoreError> {
    // The generic part stays this one call: every record type read from the store is decoded by
    // the same `from_slice` instance that `collect` uses, rather than by a second, `from_str` one.
    serde_json::from_slice(&envelope_json(value)?).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The UTF-8 JSON inside an envelope, whether it was written as bytes or (older entries) as text.
fn envelope_json(value: &JsValue) -> Result<Vec<u8>, StoreError> {
    let json = js_sys::Reflect::get(value, &JsValue::from_str("json"))
        .map_err(|_| StoreError::Corrupt("entry without its json field".into()))?;
    if let Some(text) = json.as_string() {
        Ok(text.into_bytes())
    } else if let Some(bytes) = json.dyn_ref::<js_sys::Uint8Array>() {
        Ok(bytes.to_vec())
    } else {
        Err(StoreError::Corrupt("entry without its json field".into()))
    }
}

fn draft_env(d: &Draft) -> Result<JsValue, StoreError> {
    let env = envelope(
        &[
            ("id", &d.id.to_string()),
            ("created_at", &d.created_at.to_rfc3339()),
            ("order_updated", &DraftOrder::Updated.key(d)),
            ("order_created", &DraftOrder::Created.key(d)),
            ("state", DraftState::of(d).as_str()),
        ],
        d,
    )?;
    set_terms(&env, &SearchFields::of_draft(d))?;
    Ok(env)
}

fn outbox_env(r: &OutboxRecord) -> Result<JsValue, StoreError> {
    let env = envelope(
        &[
            ("id", &r.id.to_string()),
            ("state", r.state.as_str()),
            ("kind", r.kind.as_str()),
            ("order", &record_order_key(r)),
        ],
        r,
    )?;
    set_terms(&env, &SearchFields::of_record(r))?;
    Ok(env)
}

/// The `terms` field of an envelope: what the multi-entry [`stores::BY_TERM`] index finds it by.
fn set_terms(env: &JsValue, fields: &SearchFields) -> Result<(), StoreError> {
    let terms: js_sys::Array = fields
        .terms()
        .iter()
        .map(|t| JsValue::from_str(t))
        .collect();
    js_sys::Reflect::set(env, &JsValue::from_str("terms"), &terms).map_err(js)?;
    Ok(())
}

fn receipt_env(r: &ReceiptEntry) -> Result<JsValue, StoreError> {
    envelope(&[("record_id", &r.record_id.to_string())], r)
}

fn tombstone_env(t: &DraftTombstone) -> Result<JsValue, StoreError> {
    envelope(&[("draft_id", &t.draft_id.to_string())], t)
}

// ---- the store ---------------------------------------------------------------------------

struct Inner {
    db: Database,
    version: u32,
    closed: Rc<Cell<bool>>,
    // Kept alive as long as the connection: closes it when another tab upgrades the schema.
    _on_versionchange: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last handle is gone: close the connection now rather than at garbage collection,
        // or it would block another tab's upgrade without our versionchange handler.
        self.db.as_sys().set_onversionchange(None);
        self.db.as_sys().close();
    }
}

/// The IndexedDB store. Open it once per page and keep the handle (clones share the connection).
#[derive(Clone)]
pub struct IdbStore {
    inner: Rc<Inner>,
}

/// What to do while another tab blocks an upgrade.
pub type OnBlocked = Box<dyn Fn()>;

impl IdbStore {
    /// Opens (creating or upgrading) the app's database [`DB_NAME`] at [`SCHEMA_VERSION`].
    pub async fn open() -> Result<IdbStore, StoreError> {
        Self::open_with(DB_NAME, SCHEMA_VERSION, None).await
    }

    /// Opens `name` at schema `version` (≤ [`SCHEMA_VERSION`]; lower versions exist for tests of
    /// the ladder). `on_blocked` runs when another tab keeps an older version open; the open then
    /// waits until that tab closes its connection (ours do so on `versionchange`).
    pub async fn open_with(
        name: &str,
        version: u32,
        on_blocked: Option<OnBlocked>,
    ) -> Result<IdbStore, StoreError> {
        if version == 0 || version > SCHEMA_VERSION {
            return Err(StoreError::Other(format!(
                "unknown schema version {version}"
            )));
        }
        // The open request is needed inside the upgrade callback (for its versionchange
        // transaction); it is put here right after the request is built, before any event runs.
        let request: Rc<RefCell<Option<web_sys::IdbOpenDbRequest>>> = Rc::default();
        let req_for_upgrade = request.clone();
        let blocked = Rc::new(Cell::new(false));
        let blocked_flag = blocked.clone();
        let open = Database::open(name)
            .with_version(version)
            .with_on_blocked(move |_event: VersionChangeEvent| {
                blocked_flag.set(true);
                if let Some(cb) = &on_blocked {
                    cb();
                }
                Ok(())
            })
            .with_on_upgrade_needed(move |event: VersionChangeEvent, db: Database| {
                let vc = req_for_upgrade
                    .borrow()
                    .as_ref()
                    .and_then(|r| r.transaction())
                    .ok_or_else(|| {
                        IdbError::from(JsValue::from_str("no versionchange transaction"))
                    })?;
                let old = event.old_version() as u32;
                let new = event.new_version().map_or(version, |v| v as u32);
                for step in old + 1..=new {
                    upgrade_step(&db, &vc, step)?;
                }
                Ok(())
            })
            .build()
            .map_err(map_open_error)?;
        *request.borrow_mut() = Some(open.as_sys().clone());
        let db = open.await.map_err(|e| {
            let err = map_open_error(e);
            if blocked.get() {
                StoreError::Blocked(err.to_string())
            } else {
                err
            }
        })?;
        let actual = db.version() as u32;
        if actual != version {
            return Err(StoreError::Other(format!(
                "database {name} is at schema {actual}, expected {version}"
            )));
        }

        let closed = Rc::new(Cell::new(false));
        let closed_flag = closed.clone();
        let raw: web_sys::IdbDatabase = db.as_sys().clone().unchecked_into();
        let raw_for_cb = raw.clone();
        let on_versionchange = Closure::<dyn FnMut(web_sys::Event)>::new(move |_e| {
            // A newer app version in another tab wants to upgrade: let it, and refuse further
            // work here with a clear "reload" message instead of blocking it forever.
            closed_flag.set(true);
            raw_for_cb.close();
        });
        raw.set_onversionchange(Some(on_versionchange.as_ref().unchecked_ref()));
        Ok(IdbStore {
            inner: Rc::new(Inner {
                db,
                version,
                closed,
                _on_versionchange: on_versionchange,
            }),
        })
    }

    /// Deletes a database (tests and "reset device").
    pub async fn delete_database(name: &str) -> Result<(), StoreError> {
        Database::delete_by_name(name)
            .map_err(map_open_error)?
            .await
            .map_err(idb)
    }

    /// The schema version of the open connection.
    pub fn version(&self) -> u32 {
        self.inner.version
    }

    /// Whether the connection was closed because another tab upgraded the database.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.get()
    }

    /// Closes the connection (a test's "reload").
    pub fn close(&self) {
        self.inner.closed.set(true);
        self.inner.db.as_sys().close();
    }

    fn tx(&self, names: &[&str], mode: TransactionMode) -> Result<Transaction<'_>, StoreError> {
        if self.is_closed() {
            return Err(StoreError::Closed("the connection was closed".into()));
        }
        self.inner
            .db
            .transaction(names)
            .with_mode(mode)
            .build()
            .map_err(idb)
    }

    fn has_state_index(&self) -> bool {
        self.inner.version >= 2
    }

    fn has_tombstones(&self) -> bool {
        self.inner.version >= 3
    }

    fn has_list_indexes(&self) -> bool {
        self.inner.version >= 4
    }

    /// The tombstones' store in `tx`, where the schema has it (`tx` was built with
    /// [`IdbStore::with_tombstones`]).
    fn tombstone_store<'a>(
        &self,
        tx: &'a Transaction<'_>,
    ) -> Result<Option<ObjectStore<'a>>, StoreError> {
        if !self.has_tombstones() {
            return Ok(None);
        }
        tx.object_store(stores::TOMBSTONES).map(Some).map_err(idb)
    }

    /// The stores a transaction over drafts needs: `names`, plus the tombstones where they exist.
    fn with_tombstones<'a>(&self, names: &[&'a str]) -> Vec<&'a str> {
        let mut all = names.to_vec();
        if self.has_tombstones() {
            all.push(stores::TOMBSTONES);
        }
        all
    }
}

/// Commits, and on failure reports the transaction's own error (the QuotaExceededError of a put
/// surfaces there; the commit future alone would only say "aborted").
async fn commit(tx: Transaction<'_>) -> Result<(), StoreError> {
    let raw: web_sys::IdbTransaction = tx.as_sys().clone().unchecked_into();
    match tx.commit().await {
        Ok(()) => Ok(()),
        Err(e) => Err(match raw.error() {
            Some(d) => map_dom_name(&d.name(), &d.message()),
            None => idb(e),
        }),
    }
}

/// Sends a write request without waiting for its own answer: the commit reports its failure.
/// Dropping the future only removes its listeners; an error still aborts the transaction (no
/// handler calls `preventDefault`), so a failed write can never be committed silently.
fn fire<F>(request: indexed_db_futures::Result<F>) -> Result<(), StoreError> {
    request.map(drop).map_err(idb)
}

/// Decodes what a get found, if it found anything.
fn decode_found<T: DeserializeOwned>(v: Option<JsValue>) -> Result<Option<T>, StoreError> {
    match v {
        Some(v) if !v.is_undefined() => open_envelope(&v).map(Some),
        _ => Ok(None),
    }
}

async fn get_one<T: DeserializeOwned>(
    store: &indexed_db_futures::object_store::ObjectStore<'_>,
    key: &str,
) -> Result<Option<T>, StoreError> {
    let v: Option<JsValue> = store
        .get(key)
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?;
    match v {
        Some(v) if !v.is_undefined() => open_envelope(&v).map(Some),
        _ => Ok(None),
    }
}

#[wasm_bindgen(inline_js = r#"
export function join_json(entries) {
  const enc = new TextEncoder();
  const parts = new Array(entries.length);
  let total = 2 + Math.max(0, entries.length - 1);
  for (let i = 0; i < entries.length; i++) {
    let j = entries[i].json;
    if (typeof j === 'string') j = enc.encode(j);
    parts[i] = j;
    total += j.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  out[o++] = 91;
  for (let i = 0; i < parts.length; i++) {
    if (i) out[o++] = 44;
    out.set(parts[i], o);
    o += parts[i].length;
  }
  out[o] = 93;
  return out;
}
"#)]
extern "C" {
    /// Concatenates the envelopes' UTF-8 JSON into one JSON array in JS, so a list crosses into
    /// wasm as one memcpy and is decoded by one serde parse, instead of one of each per entry.
    /// (Envelopes written as strings are accepted too.)
    fn join_json(entries: Vec<JsValue>) -> js_sys::Uint8Array;
}

fn collect<T: DeserializeOwned>(
    it: impl Iterator<Item = indexed_db_futures::Result<JsValue>>,
) -> Result<Vec<T>, StoreError> {
    let entries = it
        .collect::<indexed_db_futures::Result<Vec<JsValue>>>()
        .map_err(idb)?;
    let json = join_json(entries).to_vec();
    serde_json::from_slice(&json).map_err(|e| StoreError::Corrupt(e.to_string()))
}

type ObjectStore<'a> = indexed_db_futures::object_store::ObjectStore<'a>;

/// Reads up to `limit + 1` entries of `index` whose key starts with `prefix` (the fields before
/// the order key: state, kind), after `after`, in one `getAll`: the extra entry only says whether
/// there is a next page.
async fn read_page<T: DeserializeOwned>(
    store: &ObjectStore<'_>,
    index: &str,
    prefix: &[&str],
    after: Option<&Cursor>,
    limit: usize,
) -> Result<Vec<T>, StoreError> {
    let key = |last: JsValue| -> JsValue {
        if prefix.is_empty() {
            return last;
        }
        let key: js_sys::Array = prefix.iter().map(|p| JsValue::from_str(p)).collect();
        key.push(&last);
        key.into()
    };
    let lower = key(JsValue::from_str(after.map_or("", Cursor::as_str)));
    // Every order key is a string, and an array sorts after every string.
    let upper = key(js_sys::Array::new().into());
    let range = KeyRange::Bound(lower, after.is_some(), upper, false);
    let fetch = u32::try_from(limit.saturating_add(1)).unwrap_or(u32::MAX);
    let it = store
        .index(index)
        .map_err(idb)?
        .get_all::<JsValue>()
        .with_query::<JsValue, _>(range)
        .with_limit(fetch)
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?;
    collect(it)
}

/// A page from the `limit + 1` entries [`read_page`] read, in order.
fn page_after_read<T>(
    mut items: Vec<T>,
    limit: usize,
    order_key: impl Fn(&T) -> String,
) -> Page<T> {
    let more = items.len() > limit;
    items.truncate(limit);
    let next = if more {
        items.last().map(|t| Cursor::after(order_key(t)))
    } else {
        None
    };
    Page {
        items,
        next,
        capped: false,
    }
}

/// The entries a search finds, through the term index: the keys of every term in the key's range
/// (one `getAllKeys`), then those entries (one get each, all sent at once). At most
/// [`SEARCH_CAP`] entries are read; `true` when more matched.
async fn search<T: DeserializeOwned>(
    store: &ObjectStore<'_>,
    key: &SearchKey,
) -> Result<(Vec<T>, bool), StoreError> {
    let (lo, hi) = key.range();
    // An entry has one term per suffix, so several of its terms can be in the range: read a few
    // times the cap in keys, which are short.
    let fetch = u32::try_from(SEARCH_CAP * 4).unwrap_or(u32::MAX);
    let keys = store
        .index(stores::BY_TERM)
        .map_err(idb)?
        .get_all_keys::<JsValue>()
        .with_query::<JsValue, _>(KeyRange::Bound(
            JsValue::from_str(&lo),
            false,
            JsValue::from_str(&hi),
            false,
        ))
        .with_limit(fetch)
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?;
    let mut ids: Vec<Uuid> = Vec::new();
    let mut read = 0usize;
    for k in keys {
        read += 1;
        let id = k
            .map_err(idb)?
            .as_string()
            .and_then(|s| Uuid::parse_str(&s).ok());
        if let Some(id) = id {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let capped = ids.len() > SEARCH_CAP || read >= SEARCH_CAP * 4;
    ids.truncate(SEARCH_CAP);
    let reads = get_many(store, &ids)?;
    let found: BTreeMap<Uuid, T> = await_many(&ids, reads).await?;
    Ok((found.into_values().collect(), capped))
}

/// Sends one get per key at once (no await between them, so the transaction stays active).
fn get_many(
    store: &ObjectStore<'_>,
    ids: &[Uuid],
) -> Result<
    Vec<impl std::future::Future<Output = indexed_db_futures::Result<Option<JsValue>>>>,
    StoreError,
> {
    ids.iter()
        .map(|id| {
            store
                .get::<JsValue, _, _>(id.to_string().as_str())
                .primitive()
                .map_err(idb)
        })
        .collect()
}

/// Awaits what [`get_many`] sent: the entries that exist, by id.
async fn await_many<T: DeserializeOwned>(
    ids: &[Uuid],
    reads: Vec<impl std::future::Future<Output = indexed_db_futures::Result<Option<JsValue>>>>,
) -> Result<BTreeMap<Uuid, T>, StoreError> {
    let mut found = BTreeMap::new();
    for (id, read) in ids.iter().zip(reads) {
        if let Some(v) = read.await.map_err(idb)? {
            if !v.is_undefined() {
                found.insert(*id, open_envelope(&v)?);
            }
        }
    }
    Ok(found)
}

/// Writes what a planner decided, in the caller's transaction; nothing here decides. `receipts`
/// is `None` for a transaction without that store (a finalize writes no receipt), `tombstones`
/// for one without tombstones (a push answer, or a database below v3).
fn write_plan(
    plan: &TransitionPlan,
    outbox: &ObjectStore<'_>,
    receipts: Option<&ObjectStore<'_>>,
    drafts: &ObjectStore<'_>,
    tombstones: Option<&ObjectStore<'_>>,
) -> Result<(), StoreError> {
    for r in &plan.records {
        fire(outbox.put(outbox_env(r)?).primitive())?;
    }
    if !plan.receipts.is_empty() {
        let receipts = receipts.ok_or_else(|| {
            StoreError::Other("a plan with receipts in a transaction without them".into())
        })?;
        for e in &plan.receipts {
            fire(receipts.put(receipt_env(e)?).primitive())?;
        }
    }
    for id in &plan.deleted_drafts {
        fire(drafts.delete(id.to_string().as_str()).primitive())?;
    }
    for d in &plan.drafts {
        fire(drafts.put(draft_env(d)?).primitive())?;
    }
    write_tombstones(plan, tombstones)
}

fn write_tombstones(
    plan: &TransitionPlan,
    tombstones: Option<&ObjectStore<'_>>,
) -> Result<(), StoreError> {
    // A database below v3 has no tombstones to keep; every other plan with some has the store.
    if let Some(store) = tombstones {
        for t in &plan.tombstones {
            fire(store.put(tombstone_env(t)?).primitive())?;
        }
    }
    Ok(())
}

impl IdbStore {
    async fn read_all<T: DeserializeOwned>(&self, name: &str) -> Result<Vec<T>, StoreError> {
        let tx = self.tx(&[name], TransactionMode::Readonly)?;
        let store = tx.object_store(name).map_err(idb)?;
        let it = store
            .get_all::<JsValue>()
            .primitive()
            .map_err(idb)?
            .await
            .map_err(idb)?;
        collect(it)
    }

    async fn read_one<T: DeserializeOwned>(
        &self,
        name: &str,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        let tx = self.tx(&[name], TransactionMode::Readonly)?;
        let store = tx.object_store(name).map_err(idb)?;
        get_one(&store, key).await
    }

    async fn put_one(&self, name: &str, value: JsValue) -> Result<(), StoreError> {
        let tx = self.tx(&[name], TransactionMode::Readwrite)?;
        let store = tx.object_store(name).map_err(idb)?;
        // The request is sent when built; its failure aborts the transaction and surfaces at
        // commit with the real cause.
        fire(store.put(value).primitive())?;
        commit(tx).await
    }

    async fn delete_one(&self, name: &str, key: &str) -> Result<(), StoreError> {
        let tx = self.tx(&[name], TransactionMode::Readwrite)?;
        let store = tx.object_store(name).map_err(idb)?;
        fire(store.delete(key).primitive())?;
        commit(tx).await
    }
}

impl Store for IdbStore {
    async fn save_draft(
        &self,
        draft: &Draft,
        base: Option<&serde_json::Value>,
    ) -> Result<DraftSaved, StoreError> {
        // Read, plan and write in one readwrite transaction over the draft and its tombstone, so
        // that no other tab's save or finalize falls in between.
        let names = self.with_tombstones(&[stores::DRAFTS]);
        let tx = self.tx(&names, TransactionMode::Readwrite)?;
        let drafts = tx.object_store(stores::DRAFTS).map_err(idb)?;
        let key = draft.id.to_string();
        let stored = drafts
            .get::<JsValue, _, _>(key.as_str())
            .primitive()
            .map_err(idb)?;
        let tombstones = self.tombstone_store(&tx)?;
        let gone = match &tombstones {
            Some(t) => Some(
                t.get::<JsValue, _, _>(key.as_str())
                    .primitive()
                    .map_err(idb)?,
            ),
            None => None,
        };
        let stored: Option<Draft> = decode_found(stored.await.map_err(idb)?)?;
        let gone: Option<DraftTombstone> = match gone {
            Some(read) => decode_found(read.await.map_err(idb)?)?,
            None => None,
        };
        let plan = plan_save_draft(draft, base, stored.as_ref(), gone.as_ref(), Utc::now())?;
        if !plan.write {
            return Ok(plan.saved);
        }
        fire(drafts.put(draft_env(&plan.saved.draft)?).primitive())?;
        commit(tx).await?;
        Ok(plan.saved)
    }

    async fn get_draft(&self, id: Uuid) -> Result<Option<Draft>, StoreError> {
        self.read_one(stores::DRAFTS, &id.to_string()).await
    }

    async fn draft_tombstone(&self, id: Uuid) -> Result<Option<DraftTombstone>, StoreError> {
        if !self.has_tombstones() {
            return Ok(None);
        }
        self.read_one(stores::TOMBSTONES, &id.to_string()).await
    }

    async fn list_drafts(&self) -> Result<Vec<Draft>, StoreError> {
        let mut drafts: Vec<Draft> = self.read_all(stores::DRAFTS).await?;
        drafts.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(drafts)
    }

    async fn page_drafts(
        &self,
        order: DraftOrder,
        query: &PageQuery<DraftState>,
    ) -> Result<Page<Draft>, StoreError> {
        if !self.has_list_indexes() {
            let all: Vec<Draft> = self.read_all(stores::DRAFTS).await?;
            return Ok(paging::page_drafts(&all, order, query));
        }
        let tx = self.tx(&[stores::DRAFTS], TransactionMode::Readonly)?;
        let store = tx.object_store(stores::DRAFTS).map_err(idb)?;
        if let Some(key) = &query.search {
            let (found, capped) = search(&store, key).await?;
            let mut page = paging::page_drafts(&found, order, query);
            page.capped = capped;
            return Ok(page);
        }
        let index = match (order, query.state) {
            (DraftOrder::Updated, None) => stores::BY_UPDATED,
            (DraftOrder::Created, None) => stores::BY_CREATED,
            (DraftOrder::Updated, Some(_)) => stores::BY_STATE_UPDATED,
            (DraftOrder::Created, Some(_)) => stores::BY_STATE_CREATED,
        };
        let prefix: Vec<&str> = query.state.map(DraftState::as_str).into_iter().collect();
        let items: Vec<Draft> =
            read_page(&store, index, &prefix, query.after.as_ref(), query.limit).await?;
        Ok(page_after_read(items, query.limit, |d| order.key(d)))
    }

    async fn delete_draft(&self, id: Uuid) -> Result<(), StoreError> {
        let names = self.with_tombstones(&[stores::DRAFTS]);
        let tx = self.tx(&names, TransactionMode::Readwrite)?;
        let drafts = tx.object_store(stores::DRAFTS).map_err(idb)?;
        let stored: Option<Draft> = get_one(&drafts, &id.to_string()).await?;
        let plan = plan_delete_draft(stored.as_ref(), Utc::now());
        for id in &plan.deleted_drafts {
            fire(drafts.delete(id.to_string().as_str()).primitive())?;
        }
        let tombstones = self.tombstone_store(&tx)?;
        write_tombstones(&plan, tombstones.as_ref())?;
        commit(tx).await
    }

    async fn finalize(
        &self,
        draft_id: Uuid,
        new_id: Uuid,
        payload: Validated,
        now: DateTime<Utc>,
    ) -> Result<OutboxRecord, StoreError> {
        // One readwrite transaction over drafts, outbox and tombstones: the browser commits the
        // delete, the put and the tombstone together or none of them.
        let names = self.with_tombstones(&[stores::DRAFTS, stores::OUTBOX]);
        let tx = self.tx(&names, TransactionMode::Readwrite)?;
        let drafts = tx.object_store(stores::DRAFTS).map_err(idb)?;
        let outbox = tx.object_store(stores::OUTBOX).map_err(idb)?;
        let tombstones = self.tombstone_store(&tx)?;
        let draft: Option<Draft> = get_one(&drafts, &draft_id.to_string()).await?;
        let gone: Option<DraftTombstone> = match (&draft, &tombstones) {
            (None, Some(t)) => get_one(t, &draft_id.to_string()).await?,
            _ => None,
        };
        let existing: Option<OutboxRecord> = match draft.as_ref().and_then(record_to_check) {
            Some(id) => get_one(&outbox, &id.to_string()).await?,
            None => None,
        };
        let plan = plan_finalize(
            draft_id,
            draft.as_ref(),
            gone.as_ref(),
            existing.as_ref(),
            new_id,
            payload,
            now,
        )?;
        let record = plan.records[0].clone();
        write_plan(&plan, &outbox, None, &drafts, tombstones.as_ref())?;
        commit(tx).await?;
        Ok(record)
    }

    async fn list_outbox(
        &self,
        state: Option<RecordState>,
    ) -> Result<Vec<OutboxRecord>, StoreError> {
        let tx = self.tx(&[stores::OUTBOX], TransactionMode::Readonly)?;
        let store = tx.object_store(stores::OUTBOX).map_err(idb)?;
        let mut records: Vec<OutboxRecord> = match state {
            Some(s) if self.has_state_index() => {
                let index = store.index(stores::BY_STATE).map_err(idb)?;
                let it = index
                    .get_all::<JsValue>()
                    .with_query(s.as_str())
                    .primitive()
                    .map_err(idb)?
                    .await
                    .map_err(idb)?;
                collect(it)?
            }
            _ => {
                let it = store
                    .get_all::<JsValue>()
                    .primitive()
                    .map_err(idb)?
                    .await
                    .map_err(idb)?;
                let all: Vec<OutboxRecord> = collect(it)?;
                all.into_iter()
                    .filter(|r| state.is_none_or(|s| r.state == s))
                    .collect()
            }
        };
        records.sort_by(|a, b| a.finalized_at.cmp(&b.finalized_at).then(a.id.cmp(&b.id)));
        Ok(records)
    }

    async fn page_outbox(
        &self,
        kind: RecordKind,
        query: &PageQuery<RecordState>,
    ) -> Result<Page<OutboxRecord>, StoreError> {
        if !self.has_list_indexes() {
            let all: Vec<OutboxRecord> = self.read_all(stores::OUTBOX).await?;
            return Ok(paging::page_records(&all, kind, query));
        }
        let tx = self.tx(&[stores::OUTBOX], TransactionMode::Readonly)?;
        let store = tx.object_store(stores::OUTBOX).map_err(idb)?;
        if let Some(key) = &query.search {
            let (found, capped) = search(&store, key).await?;
            let mut page = paging::page_records(&found, kind, query);
            page.capped = capped;
            return Ok(page);
        }
        let mut prefix = vec![kind.as_str()];
        let index = match query.state {
            Some(s) => {
                prefix.push(s.as_str());
                stores::BY_KIND_STATE_ORDER
            }
            None => stores::BY_KIND_ORDER,
        };
        let items: Vec<OutboxRecord> =
            read_page(&store, index, &prefix, query.after.as_ref(), query.limit).await?;
        Ok(page_after_read(items, query.limit, record_order_key))
    }

    async fn count_outbox(&self, state: RecordState) -> Result<usize, StoreError> {
        if !self.has_state_index() {
            return Ok(self.list_outbox(Some(state)).await?.len());
        }
        let tx = self.tx(&[stores::OUTBOX], TransactionMode::Readonly)?;
        let store = tx.object_store(stores::OUTBOX).map_err(idb)?;
        let n = store
            .index(stores::BY_STATE)
            .map_err(idb)?
            .count()
            .with_query::<JsValue, _>(KeyRange::Only(JsValue::from_str(state.as_str())))
            .primitive()
            .map_err(idb)?
            .await
            .map_err(idb)?;
        Ok(n as usize)
    }

    async fn get_record(&self, id: Uuid) -> Result<Option<OutboxRecord>, StoreError> {
        self.read_one(stores::OUTBOX, &id.to_string()).await
    }

    async fn transition(
        &self,
        changes: &[Transition],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        let tx = self.tx(
            &[stores::OUTBOX, stores::RECEIPTS, stores::DRAFTS],
            TransactionMode::Readwrite,
        )?;
        let outbox = tx.object_store(stores::OUTBOX).map_err(idb)?;
        let receipts = tx.object_store(stores::RECEIPTS).map_err(idb)?;
        let drafts = tx.object_store(stores::DRAFTS).map_err(idb)?;
        // Read everything the plan needs first (all gets go out at once), then plan; a refusal
        // returns before a single write, and dropping `tx` rolls back.
        let mut ids: Vec<Uuid> = Vec::with_capacity(changes.len());
        for t in changes {
            if !ids.contains(&t.id()) {
                ids.push(t.id());
            }
        }
        let record_reads = get_many(&outbox, &ids)?;
        let receipt_ids = receipts_to_read(changes);
        let receipt_reads = get_many(&receipts, &receipt_ids)?;
        let records: BTreeMap<Uuid, OutboxRecord> = await_many(&ids, record_reads).await?;
        let known: BTreeMap<Uuid, ReceiptEntry> = await_many(&receipt_ids, receipt_reads).await?;
        let plan = plan_transitions(
            changes,
            |id| records.get(&id).cloned(),
            |id| known.get(&id).cloned(),
            now,
        )?;
        write_plan(&plan, &outbox, Some(&receipts), &drafts, None)?;
        commit(tx).await
    }

    async fn recover_sending(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let tx = self.tx(
            &[stores::OUTBOX, stores::RECEIPTS, stores::DRAFTS],
            TransactionMode::Readwrite,
        )?;
        let outbox = tx.object_store(stores::OUTBOX).map_err(idb)?;
        let receipts = tx.object_store(stores::RECEIPTS).map_err(idb)?;
        let drafts = tx.object_store(stores::DRAFTS).map_err(idb)?;
        // Read and write in one transaction, so no other tab's change falls in between.
        let it = if self.has_state_index() {
            outbox
                .index(stores::BY_STATE)
                .map_err(idb)?
                .get_all::<JsValue>()
                .with_query(RecordState::Sending.as_str())
                .primitive()
                .map_err(idb)?
                .await
                .map_err(idb)?
        } else {
            outbox
                .get_all::<JsValue>()
                .primitive()
                .map_err(idb)?
                .await
                .map_err(idb)?
        };
        let held: Vec<OutboxRecord> = collect(it)?;
        let plan = plan_recover_sending(&held, now)?;
        let n = plan.records.len();
        if n == 0 {
            return Ok(0);
        }
        write_plan(&plan, &outbox, Some(&receipts), &drafts, None)?;
        commit(tx).await?;
        Ok(n)
    }

    async fn get_receipt(&self, record_id: Uuid) -> Result<Option<ReceiptEntry>, StoreError> {
        self.read_one(stores::RECEIPTS, &record_id.to_string())
            .await
    }

    async fn list_campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        self.read_all(stores::CAMPAIGNS).await
    }

    async fn apply_pull(&self, page: &PullResponse) -> Result<PullApplied, StoreError> {
        let plan = plan_pull(page);
        let tx = self.tx(
            &[stores::CAMPAIGNS, stores::RECEIPTS, stores::META],
            TransactionMode::Readwrite,
        )?;
        let campaigns = tx.object_store(stores::CAMPAIGNS).map_err(idb)?;
        let receipts = tx.object_store(stores::RECEIPTS).map_err(idb)?;
        let meta = tx.object_store(stores::META).map_err(idb)?;
        // Read before the first write: a refusal (a damaged entry) leaves the page unapplied.
        let stored: Option<serde_json::Value> = get_one(&meta, meta_keys::CONFIG).await?;
        let stored: Option<DeviceConfig> = stored
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("meta config: {e}")))?;
        let mut applied = PullApplied {
            campaigns: plan.campaigns.len(),
            ..Default::default()
        };
        for c in &plan.campaigns {
            fire(campaigns.put(envelope(&[("id", &c.id)], c)?).primitive())?;
        }
        // Status events of one record may repeat within a page: read-modify-write in order.
        let mut entries: Vec<ReceiptEntry> = Vec::new();
        for (record_id, reg_no, event) in &plan.statuses {
            let pos = match entries.iter().position(|e| e.record_id == *record_id) {
                Some(p) => p,
                None => {
                    let e = get_one::<ReceiptEntry>(&receipts, &record_id.to_string())
                        .await?
                        .unwrap_or_else(|| ReceiptEntry::empty(*record_id));
                    entries.push(e);
                    entries.len() - 1
                }
            };
            if entries[pos].add_status(reg_no, event) {
                applied.statuses += 1;
            }
        }
        for e in &entries {
            fire(receipts.put(receipt_env(e)?).primitive())?;
        }
        if plan.revoked {
            applied.revoked = true;
            fire(
                meta.put(envelope(&[("key", meta_keys::REVOKED)], &true)?)
                    .primitive(),
            )?;
        }
        if let Some(config) = plan.config_to_store(stored.as_ref()) {
            applied.config = true;
            // As `put_meta` stores it: the meta store's values are JSON values.
            fire(
                meta.put(envelope(&[("key", meta_keys::CONFIG)], &to_meta(config))?)
                    .primitive(),
            )?;
        }
        fire(
            meta.put(envelope(&[("key", meta_keys::PULL_CURSOR)], &plan.cursor)?)
                .primitive(),
        )?;
        commit(tx).await?;
        Ok(applied)
    }

    async fn put_quiz_attempt(&self, attempt: &LocalQuizAttempt) -> Result<(), StoreError> {
        if !self.has_state_index() {
            return Err(StoreError::Other(
                "quiz attempts need schema version 2".into(),
            ));
        }
        self.put_one(
            stores::QUIZ_ATTEMPTS,
            envelope(&[("id", &attempt.id.to_string())], attempt)?,
        )
        .await
    }

    async fn list_quiz_attempts(&self) -> Result<Vec<LocalQuizAttempt>, StoreError> {
        if !self.has_state_index() {
            return Ok(Vec::new());
        }
        let mut v: Vec<LocalQuizAttempt> = self.read_all(stores::QUIZ_ATTEMPTS).await?;
        v.sort_by(|a, b| a.saved_at.cmp(&b.saved_at).then(a.id.cmp(&b.id)));
        Ok(v)
    }

    async fn get_meta(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        self.read_one(stores::META, key).await
    }

    async fn put_meta(&self, key: &str, value: serde_json::Value) -> Result<(), StoreError> {
        self.put_one(stores::META, envelope(&[("key", key)], &value)?)
            .await
    }

    async fn delete_meta(&self, key: &str) -> Result<(), StoreError> {
        self.delete_one(stores::META, key).await
    }
}
