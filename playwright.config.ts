// Playwright end-to-end tests: `make e2e` (builds the release PWA and server first), or, once built,
// `npx playwright test [tests/e2e/x.spec.ts] [-g name]`.
//
// Browser: Debian's /usr/bin/chromium (scripts/bootstrap.sh installs it); Playwright's own browser
// downloads are never used. Each test starts its own real server (tests/e2e/fixtures/server.ts), so
// there is no `webServer` here.

import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './tests/e2e/fixtures/chromium';

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'tests/e2e/test-results',
  // Two cores: the server, Chromium and the test runner already share them.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['html', { outputFolder: 'tests/e2e/report', open: 'never' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    serviceWorkers: 'allow',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'tablet-landscape', use: { viewport: { width: 1280, height: 800 } } },
  ],
});
