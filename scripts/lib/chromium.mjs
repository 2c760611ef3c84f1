// How every script and test launches Chromium: Debian's binary (never a Playwright download) with
// the flags this machine needs. The benchmark scripts (scripts/lib/server.mjs) and the Playwright
// tests (tests/e2e/fixtures/chromium.ts, playwright.config.ts) all take them from here.

export const CHROMIUM_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  // Without these Chromium keeps trying to reach Google's hosts, which this network refuses.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
