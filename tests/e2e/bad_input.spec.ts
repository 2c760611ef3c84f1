// Bad input gets a clear answer and loses nothing (issue 9), against the real release server:
//
//   a. a full disk: every IndexedDB write is refused with the browser's own QuotaExceededError
//      (a DOMException of that name, thrown by IDBObjectStore.put/add while the disk is "full";
//      Chromium's `Storage.overrideQuotaForOrigin` does not make small IndexedDB writes fail, so
//      the refusal is injected where the browser would raise it); typing goes on, the form says in the user's language that the device
//      storage is full and what to do, the typed text stays on screen, and once space is back
//      the next keystroke saves it all — a reload shows every character;
//   b. a draft typed under one configuration that no longer validates after the deployment
//      changed its subject list: the device refuses to finalize it with the reason on the
//      subject field, keeps every field, keeps the chosen value visible instead of silently
//      switching it, and finalizes once the worker picks a subject of the new list;
//   c. a receipt's link for a record this device does not know (another tablet's receipt): the
//      record page says so in English and points to the query-code lookup.

import type { Page } from '@playwright/test';
import { test, expect, waitForApp, waitForServiceWorker, enroll, fromConfirmationToSync } from './fixtures/test';
import { DRAFT_URL, fillValidPetition } from './fixtures/petitions';

/**
 * Makes every IndexedDB write of the page's origin fail as on a full disk, until `full(page, false)`.
 * Installed before the app's first script, so the store's own requests are the ones refused.
 */
async function installFullDisk(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __lianxinDiskFull?: boolean };
    for (const method of ['put', 'add'] as const) {
      const original = IDBObjectStore.prototype[method];
      IDBObjectStore.prototype[method] = function (this: IDBObjectStore, ...args: [unknown, IDBValidKey?]) {
        if (w.__lianxinDiskFull) {
          throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        }
        return original.apply(this, args);
      } as (typeof IDBObjectStore.prototype)[typeof method];
    }
  });
}

async function full(page: Page, on: boolean): Promise<void> {
  await page.evaluate((value) => {
    (window as unknown as { __lianxinDiskFull?: boolean }).__lianxinDiskFull = value;
  }, on);
}

/** The facts field's value as the store holds it, read straight from IndexedDB after a reload. */
async function reopenDraft(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await waitForApp(page);
  await expect(page.getByTestId('field-name')).toHaveValue('张三');
}

test('a: with the device storage full, typing is kept on screen, the form says what to do, and nothing is lost once space is back', async ({
  page,
  server,
  pageErrors,
}) => {
  await installFullDisk(page);
  await enroll(page, server);
  await page.goto('/petitions/new');
  await waitForApp(page);
  await page.waitForURL(DRAFT_URL);
  const url = page.url();
  await page.getByTestId('field-name').fill('张三');
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-state', 'saved');

  await full(page, true);
  const facts = '小区道路破损已半年，雨天积水，多次反映未果';
  await page.getByTestId('field-facts').fill(facts);
  const status = page.getByTestId('autosave-status');
  await expect(status).toHaveAttribute('data-state', 'error');
  // The reason and the way out, in the user's language — not the browser's exception text.
  await expect(status).toContainText('设备存储');
  await expect(status).not.toContainText('QuotaExceededError');
  await expect(page.getByTestId('field-facts')).toHaveValue(facts);

  // Space is back (records synced or exported, other data cleared): the next edit saves it all.
  await full(page, false);
  await page.getByTestId('field-facts').press('End');
  await page.getByTestId('field-facts').pressSequentially('。');
  await expect(status).toHaveAttribute('data-state', 'saved');

  await reopenDraft(page, url);
  await expect(page.getByTestId('field-facts')).toHaveValue(`${facts}。`);
  expect(pageErrors.uncaught).toEqual([]);
});

test('b: a draft that no longer validates after the subject list changed is refused on the device, field by field, and kept whole', async ({
  page,
  server,
  pageErrors,
}) => {
  test.setTimeout(90_000);
  await page.goto('/');
  await waitForApp(page);
  await enroll(page, server);
  await expect(page.getByTestId('sync-indicator')).toHaveAttribute('data-state', 'synced', { timeout: 20_000 });
  await waitForServiceWorker(page);

  // Typed while `other` is still on the list.
  await page.goto('/petitions/new');
  await waitForApp(page);
  await page.waitForURL(DRAFT_URL);
  const draftUrl = page.url();
  await fillValidPetition(page, { subject: 'other', facts: '村道被占用，出行困难' });

  // The deployment drops `other`; the device pulls the new list.
  server.configure({ LIANXIN_SUBJECTS: 'land,housing,labor' });
  await server.restart();
  await page.goto('/sync');
  await waitForApp(page);
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-indicator')).toHaveAttribute('data-state', 'synced', { timeout: 20_000 });

  await page.goto(draftUrl);
  await waitForApp(page);
  await page.getByTestId('finalize').click();
  await expect(page.getByTestId('error-summary')).toBeFocused();
  await expect(page.getByTestId('error-subject')).toBeVisible();
  await expect(page.getByTestId('error-subject')).not.toBeEmpty();
  await expect(page).toHaveURL(draftUrl);
  // Nothing typed was lost, and the refused choice is still what the select shows.
  await expect(page.getByTestId('field-subject')).toHaveValue('other');
  await expect(page.getByTestId('field-facts')).toHaveValue('村道被占用，出行困难');
  await expect(page.getByTestId('field-name')).toHaveValue('张三');

  // A subject of the new list, and it goes through.
  await page.getByTestId('field-subject').selectOption('housing');
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-state', 'saved');
  await page.getByTestId('finalize').click();
  await fromConfirmationToSync(page);
  expect(pageErrors.uncaught).toEqual([]);
});

test('c: a receipt link for a record this device does not know says so in English and leads to the query-code lookup', async ({
  page,
  server,
  pageErrors,
}) => {
  await enroll(page, server);
  await page.goto('/settings');
  await waitForApp(page);
  await page.getByTestId('settings-language-select').selectOption('en');
  // The switch happens once English's texts are there (fetched when chosen).
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.goto('/records/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b');
  await waitForApp(page);
  const notice = page.getByTestId('record-not-found');
  await expect(notice).toContainText('There is no such record on this device.');
  await expect(notice).toContainText('query code');
  expect(await notice.innerText()).not.toMatch(/[\u3400-\u9fff]/);
  await notice.getByRole('link').click();
  await expect(page).toHaveURL(/\/query$/);
  expect(pageErrors.uncaught).toEqual([]);
});
