// A new release: when the server starts serving a different service worker, the open app says
// "新版本可用 — 重新加载", and the button activates the new worker and reloads into it.

import { appendFileSync, cpSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, waitForApp, waitForServiceWorker, LianxinServer } from './fixtures/test';
import { STATIC_DIR } from './fixtures/server';

test('a waiting new release is announced and applied by 重新加载', async ({ page, pageErrors }) => {
  // A copy of the build that this test can "release" again by changing sw.js.
  const dist = mkdtempSync(join(tmpdir(), 'lianxin-dist-'));
  cpSync(STATIC_DIR, dist, { recursive: true });
  const server = await LianxinServer.start({ env: { LIANXIN_STATIC_DIR: dist } });
  try {
    await page.goto(`${server.baseURL}/`);
    await waitForApp(page);
    await waitForServiceWorker(page);
    await expect(page.getByTestId('update-banner')).toHaveCount(0);

    // The next release: a byte-different service worker.
    const sw = join(dist, 'sw.js');
    appendFileSync(sw, '\n// next release\n');
    // The browser revalidates sw.js with If-Modified-Since, and Last-Modified has whole-second
    // precision: edited within the second the copy was made, the file would still look unmodified
    // and be answered 304 (this test failed that way about half the time). A real release is
    // built minutes later; date this one a few seconds ahead to say the same.
    const later = new Date(Date.now() + 5_000);
    utimesSync(sw, later, later);
    // A real release writes fresh .br/.gz variants with the build; this stand-in release only
    // edits sw.js, so drop the stale variants or the server would keep sending the old worker.
    rmSync(join(dist, 'sw.js.br'), { force: true });
    rmSync(join(dist, 'sw.js.gz'), { force: true });
    await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      await registration?.update();
    });

    const banner = page.getByTestId('update-banner');
    await expect(banner).toBeVisible({ timeout: 20_000 });
    await expect(banner).toContainText('新版本可用');

    await Promise.all([page.waitForEvent('load'), page.getByTestId('update-reload').click()]);
    await waitForApp(page);
    await expect(page.getByTestId('update-banner')).toHaveCount(0);
    const state = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      return {
        controlled: navigator.serviceWorker.controller !== null,
        waiting: registration?.waiting !== null && registration?.waiting !== undefined,
      };
    });
    expect(state).toEqual({ controlled: true, waiting: false });
    expect(pageErrors.uncaught).toEqual([]);
  } finally {
    await server.dispose();
    rmSync(dist, { recursive: true, force: true });
  }
});
