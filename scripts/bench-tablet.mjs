#!/usr/bin/env node
// Fast on a cheap tablet (issue 16): the release PWA in headless Chromium at 1280×800, installed
// (service worker in control, device enrolled as a field tablet), then started OFFLINE from its
// cache, measured unthrottled and with the CPU slowed 6× (CDP Emulation.setCPUThrottlingRate),
// side by side in one run:
//
//   start-up   navigation → home page's 新建登记 link usable → tap → the form's first field focused
//              (performance.now() in the page, from the navigation's start; median of --runs);
//              with where the time goes: the main wasm's fetch (resource timing), and the marks
//              index.html sets around `init()` (compile + instantiate + first render);
//   typing     200 Chinese characters into the facts field, one every 120 ms (an IME commit rate),
//              latency per keystroke from the Event Timing API (`input` events; those under the
//              API's 16 ms floor count as 16): p95 and max;
//   save       last key → the autosave status says saved (the draft is in IndexedDB);
//   lists      with 500, 5,000 and 20,000 sent petitions (seeded straight into IndexedDB as the v3
//              app kept them, scripts/lib/seed-records.mjs; the app's v4 upgrade indexes them at
//              the next start, timed once, unthrottled): tap on 已提交 → the first row drawn, and a
//              search by phone and by registration number for a record far down the list → the
//              list showing just that record.
//
//   make pwa server && node scripts/bench-tablet.mjs [--runs 3] [--list-runs 3] [--sizes 500,5000,20000]
//   LIANXIN_STATIC_DIR=<other dist> node scripts/bench-tablet.mjs   (e.g. a build of an older commit)

import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH, median, startServer } from './lib/server.mjs';
import { seedV3, seededRecord } from './lib/seed-records.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : dflt;
};
const RUNS = Number(opt('--runs', 3));
const SIZES = opt('--sizes', '500,5000,20000').split(',').map(Number);
// A list that draws every row (before issue 16) takes minutes at 20,000: fewer runs for those.
const LIST_RUNS = Number(opt('--list-runs', RUNS));
const RATES = [1, 6];
const TYPED = '小区道路破损已半年雨天积水居民出行困难多次向村委会反映未果请求镇政府协调维修'.repeat(6).slice(0, 200);

const ms = (n) => (n === undefined || n === null || Number.isNaN(n) ? 'n/a' : `${Math.round(n)}`);
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1];

async function throttle(cdp, rate) {
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
}

/** Marks the first time each selector matches, in performance.now() time; survives navigations. */
async function watch(context) {
  await context.addInitScript(() => {
    window.__seen = {};
    const probes = {
      ready: '[data-testid="app-ready"]',
      link: '[data-testid="page-home"] a[href="/petitions/new"]',
      field: '[data-testid="page-petition-detail"] input, [data-testid="page-petition-detail"] select, [data-testid="page-petition-detail"] textarea',
      row: '[data-testid="record-item"]',
    };
    const mark = () => {
      for (const [k, sel] of Object.entries(probes)) {
        if (window.__seen[k] === undefined && document.querySelector(sel)) window.__seen[k] = performance.now();
      }
    };
    new MutationObserver(mark).observe(document, { childList: true, subtree: true, attributes: true });
  });
}

async function startUp(page, base) {
  await page.goto(`${base}/`);
  await page.waitForFunction(() => window.__seen.link !== undefined, undefined, { timeout: 60_000 });
  // The tap, as soon as the link is there.
  const tapAt = await page.evaluate(() => performance.now());
  await page.locator('[data-testid="page-home"] a[href="/petitions/new"]').first().click();
  await page.waitForFunction(() => window.__seen.field !== undefined, undefined, { timeout: 60_000 });
  const focused = await page.evaluate(() => {
    const el = document.querySelector(
      '[data-testid="page-petition-detail"] input, [data-testid="page-petition-detail"] select, [data-testid="page-petition-detail"] textarea',
    );
    el.focus();
    return performance.now();
  });
  const detail = await page.evaluate(() => {
    const wasm = performance.getEntriesByType('resource').find((e) => /lianxin_bg.*\.wasm$/.test(e.name));
    const mark = (n) => performance.getEntriesByName(n)[0]?.startTime;
    return {
      wasmFetched: wasm?.responseEnd,
      initStart: mark('lianxin:init-start'),
      initDone: mark('lianxin:init-done'),
      ready: window.__seen.ready,
      link: window.__seen.link,
    };
  });
  return { ...detail, tapAt, focused, tapToField: focused - tapAt };
}

async function typing(page) {
  const facts = page.getByTestId('field-facts');
  await facts.click();
  await page.evaluate(() => {
    window.__events = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name === 'input') window.__events.push(e.duration);
    }).observe({ type: 'event', durationThreshold: 16, buffered: false });
  });
  for (const ch of TYPED) {
    await page.keyboard.insertText(ch);
    await page.waitForTimeout(120);
  }
  const lastKey = await page.evaluate(() => performance.now());
  await page.waitForFunction(
    () => document.querySelector('[data-testid="autosave-status"]')?.dataset.state === 'saved',
    undefined,
    { timeout: 30_000, polling: 5 },
  );
  const savedAt = await page.evaluate(() => performance.now());
  const slow = await page.evaluate(() => window.__events);
  const all = [...slow, ...Array(Math.max(0, TYPED.length - slow.length)).fill(16)];
  return { p95: p95(all), max: Math.max(...all), save: savedAt - lastKey, over16: slow.length };
}

async function openList(page, base) {
  await page.goto(`${base}/`);
  await page.waitForFunction(() => window.__seen.ready !== undefined, undefined, { timeout: 60_000 });
  // Let the start-up's own reads finish; the tap is what is timed.
  await page.waitForTimeout(1500);
  const tapAt = await page.evaluate(() => performance.now());
  await page.getByTestId('nav-records').click();
  await page.waitForFunction(() => window.__seen.row !== undefined, undefined, { timeout: 300_000 });
  const rows = await page.getByTestId('record-item').count();
  return { open: (await page.evaluate(() => window.__seen.row)) - tapAt, rows };
}

async function search(page, query, expectNo) {
  const box = page.getByTestId('records-search');
  if ((await box.count()) === 0) return undefined;
  await box.fill('');
  await page.waitForTimeout(300);
  const start = await page.evaluate(() => performance.now());
  await box.fill(query);
  await page.waitForFunction(
    (no) => {
      const items = document.querySelectorAll('[data-testid="record-item"]');
      return items.length === 1 && items[0].textContent.includes(no);
    },
    expectNo,
    { timeout: 60_000, polling: 5 },
  );
  return (await page.evaluate(() => performance.now())) - start;
}

const server = await startServer();
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const out = { startup: {}, typing: {}, lists: {} };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
  await watch(context);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const base = server.baseURL;

  // Install: the worker in control, the device enrolled as a field tablet, every module cached.
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

  for (const rate of RATES) {
    await throttle(cdp, rate);
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await startUp(page, base));
    const med = (k) => median(runs.map((r) => r[k]).filter((v) => v !== undefined));
    // A build without the marks (before issue 16) has none to take the median of.
    out.startup[rate] = {
      focused: med('focused'),
      link: med('link'),
      tapToField: med('tapToField'),
      wasmFetched: med('wasmFetched'),
      initStart: med('initStart'),
      initDone: med('initDone'),
      ready: med('ready'),
      each: runs.map((r) => Math.round(r.focused)),
    };
    out.typing[rate] = await typing(page);
    await throttle(cdp, 1);
  }

  for (const n of SIZES) {
    await server.start();
    await page.goto(`${base}/healthz`);
    await seedV3(page, n);
    await server.stop();
    // The first start after the seeding climbs the upgrade ladder over every record.
    const t0 = Date.now();
    await page.goto(`${base}/records`);
    await page.waitForSelector('[data-testid=record-item]', { timeout: 600_000 });
    const firstStart = Date.now() - t0;
    const far = seededRecord(7); // the 8th oldest: on the last page, never the first
    const results = { firstStart };
    for (const rate of RATES) {
      await throttle(cdp, rate);
      const runs = [];
      for (let i = 0; i < LIST_RUNS; i++) runs.push(await openList(page, base));
      const byPhone = await search(page, far.phone.slice(-8), far.registration_no);
      const byNumber = await search(page, far.registration_no.toLowerCase(), far.registration_no);
      results[rate] = {
        open: median(runs.map((r) => r.open)),
        rows: runs[0].rows,
        byPhone,
        byNumber,
      };
      await throttle(cdp, 1);
    }
    out.lists[n] = results;
  }
  await context.close();
} finally {
  await browser.close();
  await server.dispose();
}

const row = (label, f) => `| ${label} | ${RATES.map((r) => f(r)).join(' | ')} |`;
console.log(`\n| (median of ${RUNS} start-ups, ${LIST_RUNS} list openings; ms) | ${RATES.map((r) => (r === 1 ? 'unthrottled' : `${r}× CPU`)).join(' | ')} |`);
console.log(`|---|${RATES.map(() => '---:').join('|')}|`);
console.log(row('start-up: navigation → first field focused', (r) => ms(out.startup[r].focused)));
console.log(row('  main wasm fetched (from the worker\'s cache)', (r) => ms(out.startup[r].wasmFetched)));
console.log(row('  init() start → done (compile, instantiate, first render)', (r) =>
  Number.isNaN(out.startup[r].initDone) ? 'n/a' : `${ms(out.startup[r].initStart)} → ${ms(out.startup[r].initDone)}`));
console.log(row('  app frame ready', (r) => ms(out.startup[r].ready)));
console.log(row('  home page\'s 新建登记 link usable', (r) => ms(out.startup[r].link)));
console.log(row('  tap → first field', (r) => ms(out.startup[r].tapToField)));
console.log(row('typing 200 characters: p95 / max per keystroke', (r) => `${ms(out.typing[r].p95)} / ${ms(out.typing[r].max)}`));
console.log(row('  keystrokes over 16 ms', (r) => `${out.typing[r].over16}`));
console.log(row('last key → draft saved', (r) => ms(out.typing[r].save)));
for (const n of SIZES) {
  const l = out.lists[n];
  console.log(row(`${n} records: tap → first row (rows drawn)`, (r) => `${ms(l[r].open)} (${l[r].rows})`));
  console.log(row(`  search by phone → the one record`, (r) => ms(l[r].byPhone)));
  console.log(row(`  search by registration number → the one record`, (r) => ms(l[r].byNumber)));
}
for (const n of SIZES) console.log(`first start after seeding ${n} v3 records (upgrade, unthrottled): ${ms(out.lists[n].firstStart)} ms`);
console.log(`start-up each run (ms): ${RATES.map((r) => `${r}×: ${out.startup[r].each.join(', ')}`).join('; ')}`);
