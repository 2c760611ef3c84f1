// Many records on a tablet, for the lists' benchmark (scripts/bench-tablet.mjs) and end-to-end test
// (tests/e2e/lists.spec.ts): rewrites the app's IndexedDB `lianxin` as the v3 app left it (schema
// version 3, entries `{id, state, json}`) holding `n` sent petitions, each with its own name,
// phone and registration number, plus the device's metadata (enrollment) copied over. The next
// start of the app climbs the upgrade ladder to v4, whose step indexes every one of them: the
// records are written in bulk from the page, and listed and searched by the app's own code.
//
// Run it in a page of the app's origin in which the app is NOT running (e.g. /healthz): the app's
// connection would keep the database open.

/** The seeded petitions' texts, the same for every run: name, phone and registration number of record `i`. */
export function seededRecord(i) {
  const surnames = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
  const given = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平';
  const name = surnames[i % 20] + given[Math.floor(i / 20) % 20] + given[Math.floor(i / 400) % 20];
  return {
    name,
    phone: `139${String(i).padStart(8, '0')}`,
    registration_no: `CZXF-2026-${String(i + 1).padStart(6, '0')}`,
  };
}

/** Browser-side: replaces the `lianxin` database by a v3 one holding `n` sent petitions. */
export async function seedV3(page, n) {
  await page.evaluate(async ({ n, src }) => {
    const seededRecord = new Function(`return (${src})`)();
    const req = (r) => new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    // Keep the device's metadata (its enrollment) across the rewrite.
    let meta = [];
    const names = (await indexedDB.databases()).map((d) => d.name);
    if (names.includes('lianxin')) {
      const old = await req(indexedDB.open('lianxin'));
      meta = await req(old.transaction('meta').objectStore('meta').getAll());
      old.close();
      await req(indexedDB.deleteDatabase('lianxin'));
    }
    const open = indexedDB.open('lianxin', 3);
    open.onupgradeneeded = () => {
      // What the v1, v2 and v3 steps of crates/browser/src/idb.rs build.
      const db = open.result;
      for (const [store, key] of [['drafts', 'id'], ['outbox', 'id'], ['receipts', 'record_id'],
        ['campaigns', 'id'], ['meta', 'key'], ['quiz_attempts', 'id'], ['tombstones', 'draft_id']]) {
        const s = db.createObjectStore(store, { keyPath: key });
        if (store === 'outbox') s.createIndex('by_state', 'state');
      }
    };
    const db = await req(open);
    const enc = new TextEncoder();
    const start = Date.parse('2026-01-05T01:00:00Z');
    const tx = db.transaction(['outbox', 'receipts', 'meta'], 'readwrite');
    for (const m of meta) tx.objectStore('meta').put(m);
    const outbox = tx.objectStore('outbox');
    const receipts = tx.objectStore('receipts');
    for (let i = 0; i < n; i++) {
      const t = seededRecord(i);
      const at = new Date(start + i * 600_000).toISOString();
      const id = crypto.randomUUID();
      const receipt = { registration_no: t.registration_no, query_code: 'K7M2P9QX', received_at: at };
      const record = {
        id,
        kind: 'petition',
        payload: {
          channel: 'visit',
          received_at: at,
          township: '城关镇',
          petitioner: { name: t.name, id_number: '', phone: t.phone, address: '城关镇人民路1号' },
          subject: 'housing',
          request: '请求维修小区道路',
          facts: '小区道路破损已半年，雨天积水，居民出行困难。',
        },
        draft_id: crypto.randomUUID(),
        state: 'sent',
        finalized_at: at,
        updated_at: at,
        attempts: 1,
        receipt,
        draft_revision: 1,
      };
      outbox.put({ id, state: 'sent', json: enc.encode(JSON.stringify(record)) });
      receipts.put({
        record_id: id,
        json: enc.encode(JSON.stringify({ record_id: id, registration_no: t.registration_no, receipt, history: [] })),
      });
    }
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    db.close();
  }, { n, src: seededRecord.toString() });
}
