#!/usr/bin/env node
// Time from navigation to the interactive app shell, OFFLINE, from the service worker's cache:
// open the app online, wait until the worker controls the page, STOP the server, then reload N
// times. Each time is performance.now() (relative to the navigation's start) at the moment the
// Rust app's frame (`data-testid="app-ready"`, rendered with its event handlers) enters the DOM.
//
//   make pwa server && node scripts/bench-offline.mjs [N=10]

import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH, median, startServer } from './lib/server.mjs';

const runs = Number(process.argv[2] ?? 10);

const server = await startServer();
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => {
    const mark = () => {
      if (window.__readyAt === undefined && document.querySelector('[data-testid="app-ready"]')) {
        window.__readyAt = performance.now();
      }
    };
    new MutationObserver(mark).observe(document, { childList: true, subtree: true });
  });
  const page = await context.newPage();
  const readyAt = async () => {
    await page.waitForSelector('[data-testid="app-ready"]', { timeout: 20_000 });
    await page.waitForFunction(() => window.__readyAt !== undefined);
    return page.evaluate(() => window.__readyAt);
  };

  await page.goto(server.baseURL + '/');
  const online = await readyAt();
  await page.waitForFunction(
    async () => {
      await navigator.serviceWorker.ready;
      return navigator.serviceWorker.controller !== null;
    },
    undefined,
    { timeout: 20_000 },
  );
  // A warm online reload, for comparison (HTTP cache + service worker).
  await page.reload();
  const onlineWarm = await readyAt();

  await server.stop();
  const times = [];
  for (let i = 0; i < runs; i++) {
    await page.reload();
    times.push(await readyAt());
  }
  const ms = (n) => n.toFixed(0);
  console.log(`first online load (cold):       ${ms(online)} ms`);
  console.log(`online reload (warm):           ${ms(onlineWarm)} ms`);
  console.log(`offline reload, server stopped: median ${ms(median(times))} ms, ` +
    `min ${ms(Math.min(...times))} ms, max ${ms(Math.max(...times))} ms over ${runs} reloads`);
  console.log(`  each: ${times.map(ms).join(', ')}`);
  await context.close();
} finally {
  await browser.close();
  await server.dispose();
}
