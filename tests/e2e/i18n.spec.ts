// The language switch: 简体中文 by default; 繁體中文 and English can be chosen, the choice survives a
// reload, and <html lang> follows it.
// In English the form, the record page and its slip show no Chinese but what the user typed.

import { test, expect, waitForApp, enroll } from './fixtures/test';
import { registerPetition } from './fixtures/petitions';

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

test('in English the petition form, its options and its errors show no Chinese but what was typed', async ({
  page,
  server,
  pageErrors,
}) => {
  await page.goto('/settings');
  await waitForApp(page);
  await page.getByTestId('settings-language-select').selectOption('en');
  await enroll(page, server);
  await page.goto('/petitions/new');
  await waitForApp(page);
  await page.waitForURL(/\/petitions\/[0-9a-f-]{36}$/);
  await page.getByTestId('field-name').fill('张三');
  await page.getByTestId('field-visitors').fill('6');
  await page.getByTestId('rep-add').click();
  await page.getByTestId('field-request').fill('请'.repeat(2003));
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-state', 'saved');
  await page.getByTestId('finalize').click();

  await expect(page.getByTestId('error-petitioner.address')).toHaveText('Address: please fill this in.');
  await expect(page.getByTestId('error-subject')).toHaveText('Subject: please choose one.');
  await expect(page.getByTestId('error-request')).toHaveText('Request: at most 2000 characters (now 2003).');
  await expect(page.getByTestId('error-representatives[0].name')).toBeVisible();
  // Focus moved to the error summary at the top of the form (issue 9); its links lead to the inputs.
  await expect(page.getByTestId('error-summary')).toBeFocused();
  // Text, not input values: the typed name and request are values.
  const text = await page.locator('#main').innerText();
  expect(text).not.toMatch(/[\u3400-\u9fff]/);
  expect(pageErrors.uncaught).toEqual([]);
});

test('in English the record page and its receipt slip show no Chinese but what was typed', async ({
  page,
  server,
  pageErrors,
}) => {
  await page.goto('/settings');
  await waitForApp(page);
  await page.getByTestId('settings-language-select').selectOption('en');
  await enroll(page, server);
  const typed = { name: '张三', address: '城关镇人民路1号', request: '请求维修小区道路', facts: '小区道路破损已半年，雨天积水' };
  await registerPetition(page, typed);
  await expect(page.getByTestId('receipt-slip')).toBeVisible();
  await expect(page.getByTestId('slip-pending')).toBeVisible();
  // Everything on the page but the petitioner's own words and the township (data: the device's
  // own township, as the deployment named it) is English.
  let text = await page.locator('#main').innerText();
  for (const words of [...Object.values(typed), '城关镇']) text = text.split(words).join('');
  expect(text).not.toMatch(/[\u3400-\u9fff]/);
  expect(pageErrors.uncaught).toEqual([]);
});
