#!/usr/bin/env node
// Sync on mobile links (issue 13): 100 queued petitions of realistic length (a request of about
// 100 characters, facts of about 400), each different, in the release PWA in headless Chromium,
// against the release server on loopback, with Chromium's network emulation at each profile
// (CDP Network.emulateNetworkConditions). The server is stopped while the petitions are queued;
// the clock starts when it is back and "立即同步" is clicked, and stops when
// `lianxin-server petition count` says 100. Between the browser and the server a counting TCP
// relay measures the bytes on the wire both ways (headers, bodies, pulls: everything).
//
//   make pwa server && node scripts/bench-slow-sync.mjs [GPRS EDGE 3G] [--count 100]
//
// Reported per profile: time until the server holds all, requests (pushes, and all /api),
// bytes on the wire per petition (up, down), the petitions' JSON per petition (for comparison
// with the uncompressed pushes before issue 13), and what was sent twice: records carried by more
// than one push (the outbox's `attempts`) and their share of the bytes that went up.

import { createServer, connect } from 'node:net';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startServer } from './lib/server.mjs';
import { PROFILES, throttle, petitionTexts, queueCopies } from './lib/slow-sync.mjs';

const args = process.argv.slice(2);
const countAt = args.indexOf('--count');
const COUNT = countAt >= 0 ? Number(args.splice(countAt, 2)[1]) : 100;
const names = args.length ? args : Object.keys(PROFILES);
const PUSH_PATH = '/api/v1/sync/push';

/** A TCP relay on a free loopback port to `target` (host:port) that counts bytes each way. */
async function countingRelay(target) {
  const [host, port] = target.split(':');
  const bytes = { up: 0, down: 0 };
  const relay = createServer((client) => {
    const upstream = connect(Number(port), host);
    client.on('data', (c) => (bytes.up += c.length));
    upstream.on('data', (c) => (bytes.down += c.length));
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise((done) => relay.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${relay.address().port}`, bytes, close: () => relay.close() };
}

async function finalizeOne(page, base) {
  await page.goto(`${base}/petitions/new`);
  await page.waitForSelector('[data-testid=app-ready]');
  await page.waitForURL(/\/petitions\/[0-9a-f-]{36}$/);
  await page.getByTestId('field-name').fill('张三');
  await page.getByTestId('field-address').fill('城关镇人民路1号');
  await page.getByTestId('field-subject').selectOption('housing');
  await page.getByTestId('field-request').fill('请求维修小区道路');
  await page.getByTestId('field-facts').fill('小区道路破损已半年，雨天积水');
  await page.waitForSelector('[data-testid=autosave-status][data-state=saved]');
  await page.getByTestId('finalize').click();
  // The record page confirms the submission; the outbox is one tap away.
  await page.waitForURL(/\/records\/[0-9a-f-]{36}\?submitted=1$/);
  await page.getByTestId('nav-sync').click();
  await page.waitForURL(/\/sync$/);
  await page.waitForSelector('[data-testid=outbox-item][data-state=queued]');
}

async function run(name) {
  const profile = PROFILES[name];
  const server = await startServer();
  const relay = await countingRelay(server.baseURL.replace('http://', ''));
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const base = relay.url;
    await page.goto(`${base}/`);
    await page.waitForSelector('[data-testid=app-ready]');
    await page.waitForFunction(async () => {
      await navigator.serviceWorker.ready;
      return navigator.serviceWorker.controller !== null;
    });
    const code = server.run(['enroll', '--role', 'field', '--township', '城关镇']).trim().split(/\s+/).pop();
    await page.goto(`${base}/enroll`);
    await page.getByTestId('enroll-code').fill(code);
    await page.getByTestId('enroll-label').fill('bench 平板');
    await page.getByTestId('enroll-submit').click();
    await page.waitForSelector('[data-testid=enroll-done]');

    await server.stop();
    await finalizeOne(page, base);
    const texts = petitionTexts(COUNT);
    await queueCopies(page, texts);
    await page.reload();
    await page.waitForSelector('[data-testid=app-ready]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=outbox-item]').length === n, COUNT);
    const json = await page.evaluate(async () => {
      const db = await new Promise((ok) => (indexedDB.open('lianxin').onsuccess = (e) => ok(e.target.result)));
      const all = await new Promise((ok) => (db.transaction('outbox').objectStore('outbox').getAll().onsuccess = (e) => ok(e.target.result)));
      db.close();
      const dec = new TextDecoder();
      const enc = new TextEncoder();
      return all.map((e) => enc.encode(JSON.stringify(JSON.parse(typeof e.json === 'string' ? e.json : dec.decode(e.json)).payload)).length);
    });
    const jsonBytes = json.reduce((a, b) => a + b, 0);

    let t0 = Date.now();
    await throttle(page, profile);
    await server.start();
    // Requests from now on (earlier ones met the stopped server).
    const requests = { push: 0, api: 0 };
    const unanswered = [];
    const ours = new Set();
    page.on('request', (r) => {
      if (!r.url().includes('/api/')) return;
      ours.add(r);
      requests.api += 1;
      if (r.url().endsWith(PUSH_PATH)) requests.push += 1;
    });
    if (process.env.DEBUG) {
      page.on('response', (r) => ours.has(r.request()) && console.log(`response ${r.status()} ${r.url()} after ${Date.now() - t0} ms`));
      page.on('requestfinished', (r) => ours.has(r) && console.log(`finished ${r.url()} after ${Date.now() - t0} ms`));
    }
    page.on('requestfailed', async (r) => {
      if (ours.has(r) && r.url().endsWith(PUSH_PATH)) {
        if (process.env.DEBUG) console.log(`push failed after ${Date.now() - t0} ms: ${r.failure()?.errorText}`);
        unanswered.push(Number((await r.allHeaders())['content-length'] ?? 0));
      }
    });
    relay.bytes.up = 0;
    relay.bytes.down = 0;
    t0 = Date.now();
    await page.getByTestId('sync-now').click();
    let held = 0;
    while (held < COUNT) {
      if (Date.now() - t0 > 300_000) throw new Error(`${name}: only ${held} of ${COUNT} after 300 s`);
      await new Promise((r) => setTimeout(r, 200));
      held = Number(server.run(['petition', 'count']).trim());
    }
    const seconds = (Date.now() - t0) / 1000;
    // The answers of the last push (and the pull after it) are still on their way; count them.
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=outbox-item][data-state=sent]').length === n,
      COUNT,
      { timeout: 60_000 },
    );
    await new Promise((r) => setTimeout(r, 3_000));
    // How many pushes carried each record (the outbox's `attempts`): more than one means it went twice.
    const attempts = await page.evaluate(async () => {
      const db = await new Promise((ok) => (indexedDB.open('lianxin').onsuccess = (e) => ok(e.target.result)));
      const all = await new Promise((ok) => (db.transaction('outbox').objectStore('outbox').getAll().onsuccess = (e) => ok(e.target.result)));
      db.close();
      const dec = new TextDecoder();
      return all.map((e) => JSON.parse(typeof e.json === 'string' ? e.json : dec.decode(e.json)).attempts ?? 0);
    });
    const carried = attempts.reduce((a, b) => a + b, 0);
    return {
      extra: carried - COUNT,
      maxAttempts: Math.max(...attempts),
      // The extra records' share of what went up.
      twiceBytes: Math.round(((carried - COUNT) * relay.bytes.up) / Math.max(carried, 1)),
      name,
      seconds,
      pushes: requests.push,
      api: requests.api,
      wirePer: (relay.bytes.up + relay.bytes.down) / COUNT,
      upPer: relay.bytes.up / COUNT,
      downPer: relay.bytes.down / COUNT,
      jsonPer: jsonBytes / COUNT,
      unanswered: unanswered.length,
    };
  } finally {
    await browser.close();
    relay.close();
    await server.dispose();
  }
}

const rows = [];
for (const name of names) {
  const r = await run(name);
  rows.push(r);
  console.log(
    `${r.name}: ${COUNT} on the server after ${r.seconds.toFixed(1)} s; ${r.pushes} pushes (${r.api} /api requests); ` +
      `${r.wirePer.toFixed(0)} B/petition on the wire (up ${r.upPer.toFixed(0)}, down ${r.downPer.toFixed(0)}); ` +
      `JSON ${r.jsonPer.toFixed(0)} B/petition; ${r.extra} records sent again (at most ${r.maxAttempts} pushes each), ` +
      `≈ ${r.twiceBytes} B sent twice; Playwright saw ${r.unanswered} pushes fail`,
  );
}
console.log('\n| profile | all on the server | pushes | /api requests | wire B/petition (up + down) | up B/petition | JSON B/petition | records sent again | most pushes of one record | bytes sent twice |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.seconds.toFixed(1)} s | ${r.pushes} | ${r.api} | ${r.wirePer.toFixed(0)} | ${r.upPer.toFixed(0)} | ${r.jsonPer.toFixed(0)} | ${r.extra} | ${r.maxAttempts} | ${r.twiceBytes} |`);
}
