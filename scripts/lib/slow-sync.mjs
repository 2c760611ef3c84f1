// Shared by tests/e2e/slow_sync.spec.ts and scripts/bench-slow-sync.mjs: the mobile link profiles
// (Chromium's network emulation through the DevTools protocol), petitions of realistic length that
// differ from each other, and queuing them in the app's own IndexedDB.

/** Down/up in kbit/s and latency in ms, as the issue measured them. */
export const PROFILES = {
  '3G': { down: 750, up: 250, latency: 300 },
  EDGE: { down: 240, up: 120, latency: 600 },
  GPRS: { down: 80, up: 40, latency: 800 },
};

/** Throttles `page`'s network (CDP Network.emulateNetworkConditions); bytes per second. */
export async function throttle(page, profile) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: profile.latency,
    downloadThroughput: (profile.down * 1000) / 8,
    uploadThroughput: (profile.up * 1000) / 8,
  });
  return cdp;
}

// What township petitions are about, in the words of the people who bring them. Each petition
// draws its own sentences, numbers and names, so no two are alike and gzip finds only what real
// petitions share (vocabulary, not whole texts).
const OPENINGS = ['请求', '恳请', '要求', '希望'];
const SUBJECTS = [
  '镇政府依法处理村道修缮资金的使用问题', '有关部门督促企业支付拖欠的工资', '核实并补发耕地地力保护补贴',
  '重新测量宅基地边界并出具书面意见', '责令养殖场停止向河道排放污水', '落实危房改造补助并尽快开工',
  '公开村集体土地流转收益的分配情况', '协调解决小区供暖不达标的问题', '依法处理邻居违法加盖房屋遮挡采光',
  '补办被错误注销的农村低保', '查处超载货车损坏乡村公路的行为', '为孩子就近入学出具证明材料',
];
const FACTS = [
  '自去年秋收以后，', '据村民反映，', '我于当年三月向村委会提出过申请，', '经多次找村干部协商无果，',
  '事情发生在村东头的水渠旁边，', '相关部门曾口头答应两周内答复，', '至今没有任何书面材料，',
  '雨季时道路积水严重，老人和孩子无法出行，', '家中老人常年卧病，生活十分困难，',
  '我们保存了当时的收据和照片，', '施工队撤场后留下大量建筑垃圾，', '工头以资金未到位为由一再拖延，',
  '村里的公示栏没有贴出过相关名单，', '镇上的答复与实际情况不符，', '邻居在未办理任何手续的情况下动工，',
  '夜间噪音影响休息，多次报警未解决，', '合同约定的期限早已届满，', '我们愿意配合调查并提供证人，',
  '附近十几户人家都受到同样的影响，', '上级检查时问题被临时掩盖，', '补贴发放名单与实际种植面积不一致，',
  '负责此事的干部已调离岗位，', '孩子上学需要绕行五公里山路，', '河水颜色发黑并有明显异味，',
];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘';
const GIVEN = '建国秀英志强桂兰海燕国华玉梅红军春花德明淑珍永福丽娟文斌小龙晓燕金凤';
const VILLAGES = ['东湖村', '西岭村', '南塘村', '北坪村', '石桥村', '柳河村', '杏花村', '青山村'];

function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** `n` different petitions' texts: name, address, a request of about 100 and facts of about 400 characters. */
export function petitionTexts(n, seed = 13) {
  const r = prng(seed);
  const pick = (list) => list[Math.floor(r() * list.length)];
  const out = [];
  for (let i = 0; i < n; i++) {
    const name = pick([...SURNAMES]) + pick([...GIVEN]) + pick([...GIVEN]);
    const village = pick(VILLAGES);
    let request = `${pick(OPENINGS)}${pick(SUBJECTS)}`;
    while (request.length < 95) request += `，并${pick(SUBJECTS)}`;
    request = request.slice(0, 110) + '。';
    let facts = `${2019 + Math.floor(r() * 7)}年${1 + Math.floor(r() * 12)}月${1 + Math.floor(r() * 28)}日，${village}${1 + Math.floor(r() * 12)}组。`;
    while (facts.length < 400) {
      facts += pick(FACTS);
      if (r() < 0.3) facts += `涉及金额约${Math.floor(r() * 90000 + 1000)}元，`;
      if (r() < 0.2) facts += `联系人${name}，电话${13000000000 + Math.floor(r() * 999999999)}，`;
    }
    facts = facts.slice(0, 410).replace(/，$/, '') + '。';
    out.push({ name, address: `城关镇${village}${1 + Math.floor(r() * 99)}号`, request, facts });
  }
  return out;
}

/**
 * Turns the app's one queued outbox entry (IndexedDB `lianxin`, store `outbox`, envelope
 * `{id, state, json}`) into `texts.length` queued petitions with fresh ids and these texts: what
 * as many finalizations through the form would leave, without typing them.
 */
export async function queueCopies(page, texts) {
  await page.evaluate(async (texts) => {
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('lianxin');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    try {
      const all = await new Promise((resolve, reject) => {
        const req = db.transaction('outbox', 'readonly').objectStore('outbox').getAll();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      if (all.length !== 1) throw new Error(`expected one outbox entry, found ${all.length}`);
      const raw = all[0].json;
      const template = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw));
      const start = Date.parse(template.finalized_at);
      const tx = db.transaction('outbox', 'readwrite');
      const store = tx.objectStore('outbox');
      store.delete(all[0].id);
      const enc = new TextEncoder();
      texts.forEach((t, i) => {
        const at = new Date(start + i).toISOString();
        const payload = structuredClone(template.payload);
        payload.petitioner.name = t.name;
        payload.petitioner.address = t.address;
        payload.request = t.request;
        payload.facts = t.facts;
        const record = {
          ...template,
          id: crypto.randomUUID(),
          draft_id: crypto.randomUUID(),
          payload,
          state: 'queued',
          finalized_at: at,
          updated_at: at,
          attempts: 0,
        };
        delete record.receipt;
        delete record.error;
        store.put({ id: record.id, state: 'queued', json: enc.encode(JSON.stringify(record)) });
      });
      await new Promise((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }, texts);
}
