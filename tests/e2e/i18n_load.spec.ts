// The languages' texts: the release wasm carries 简体中文 only; 繁體中文 and English are files of
// their own (dist/locales/<tag>-<hash>.json, src/i18n.rs), fetched when chosen and precached by the
// service worker with the rest of the build. So a device that chose one of them starts in it
// (its texts are fetched before the app mounts, behind the boot shell), offline too.

import { test, expect, waitForApp, waitForServiceWorker } from './fixtures/test';

const SAMPLES = [
  ['zh-Hant', /設定/, '設定'],
  ['en', /^\s*Settings\s*$/, 'Settings'],
] as const;

/** Records the text the settings link had when it first appeared in the DOM. */
async function watchFirstNavText(page: import('@playwright/test').Page): Promise<void> {
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      const link = document.querySelector('[data-testid=nav-settings]');
      if (link) {
        (window as unknown as { firstNavText: string }).firstNavText = link.textContent ?? '';
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
}

test('the default language fetches no locale file; another is fetched once chosen', async ({ page, pageErrors }) => {
  const fetched: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/locales/')) fetched.push(new URL(request.url()).pathname);
  });
  await page.goto('/settings');
  await waitForApp(page);
  await expect(page.getByTestId('nav-settings')).toHaveText(/设置/);
  expect(fetched).toEqual([]);

  await page.getByTestId('settings-language-select').selectOption('en');
  await expect(page.getByTestId('nav-settings')).toHaveText(/^\s*Settings\s*$/);
  expect(fetched).toHaveLength(1);
  expect(fetched[0]).toMatch(/^\/locales\/en-[0-9a-f]{12,16}\.json$/);
  expect(pageErrors.uncaught).toEqual([]);
});

test('a device that chose a language starts in it, with no text of another shown first', async ({ page, pageErrors }) => {
  await watchFirstNavText(page);
  for (const [tag, sample, first] of SAMPLES) {
    await page.goto('/settings');
    await waitForApp(page);
    await page.getByTestId('settings-language-select').selectOption(tag);
    await expect(page.getByTestId('nav-settings')).toHaveText(sample);

    await page.reload();
    await waitForApp(page);
    await expect(page.locator('html')).toHaveAttribute('lang', tag);
    expect(await page.evaluate(() => (window as unknown as { firstNavText: string }).firstNavText.trim())).toBe(first);
  }
  expect(pageErrors.uncaught).toEqual([]);
});

test('with the server stopped, every language can be chosen and the app starts in it', async ({
  page,
  server,
  pageErrors,
}) => {
  await page.goto('/settings');
  await waitForApp(page);
  await waitForServiceWorker(page);

  await server.stop();
  // Nothing answers any more: a locale file that bypassed the cache would fail.
  await expect(fetch(`${server.baseURL}/healthz`)).rejects.toThrow();

  for (const [tag, sample] of SAMPLES) {
    await page.getByTestId('settings-language-select').selectOption(tag);
    await expect(page.locator('html')).toHaveAttribute('lang', tag);
    await expect(page.getByTestId('nav-settings')).toHaveText(sample);

    await page.reload();
    await waitForApp(page);
    await expect(page.getByTestId('nav-settings')).toHaveText(sample);
    await expect(page.getByTestId('settings-language-select')).toHaveValue(tag);
  }
  await page.getByTestId('settings-language-select').selectOption('zh-Hans');
  await expect(page.getByTestId('nav-settings')).toHaveText(/设置/);
  expect(pageErrors.uncaught).toEqual([]);
  await server.start();
});
