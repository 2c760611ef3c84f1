// The language switch: 简体中文 by default; 繁體中文 and English can be chosen, the choice survives a
// reload, and <html lang> follows it.

import { test, expect, waitForApp } from './fixtures/test';

test('a fresh device speaks Simplified Chinese, whatever the browser language', async ({ browser, server }) => {
  const context = await browser.newContext({ locale: 'en-US', baseURL: server.baseURL });
  const page = await context.newPage();
  await page.goto('/');
  await waitForApp(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-Hans');
  await context.close();
});

for (const [tag, sample] of [
  ['zh-Hant', /設定/],
  ['en', /^\s*Settings\s*$/],
] as const) {
  test(`choosing ${tag} in the settings persists across a reload and sets <html lang>`, async ({ page, pageErrors }) => {
    await page.goto('/settings');
    await waitForApp(page);
    const select = page.getByTestId('settings-language-select');
    await select.selectOption(tag);
    await expect(page.locator('html')).toHaveAttribute('lang', tag);
    await expect(page.getByTestId('nav-settings')).toHaveText(sample);

    await page.reload();
    await waitForApp(page);
    await expect(page.locator('html')).toHaveAttribute('lang', tag);
    await expect(page.getByTestId('settings-language-select')).toHaveValue(tag);
    await expect(page.getByTestId('header-language')).toHaveValue(tag);
    await expect(page.getByTestId('nav-settings')).toHaveText(sample);

    // Back to the default through the header's switcher.
    await page.getByTestId('header-language').selectOption('zh-Hans');
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-Hans');
    await page.reload();
    await waitForApp(page);
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-Hans');
    expect(pageErrors.uncaught).toEqual([]);
  });
}
