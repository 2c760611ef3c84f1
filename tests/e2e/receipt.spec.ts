// The written receipt and the progress lookup (issue 9), against the real release server, which
// is STOPPED for real while the petition is registered:
//
//   a. enroll; stop the server; register a visit and finalize it: the record page confirms it and
//      shows a provisional slip (a local reference, 「登记号待同步」, the time limits with their
//      articles); reload: still there; start the server and sync: the slip becomes the receipt
//      with its registration number, query code and a QR code of the lookup link; /query with that
//      code shows the number and the status, and nothing personal;
//   b. /query offline says it needs a network and does not try; back online, an unknown code and a
//      malformed one each get their own message.

import type { Page } from '@playwright/test';
import { test, expect, waitForApp, waitForServiceWorker, enroll } from './fixtures/test';
import { registerPetition } from './fixtures/petitions';

const RECEIPT_NO = /^CZXF-\d{4}-\d{6}$/;
const RECORD_URL = /\/records\/([0-9a-f-]{36})\?submitted=1$/;

/** Registers a visit through the form and finalizes it; returns the record page's URL path. */
async function registerVisit(page: Page): Promise<string> {
  return registerPetition(page);
}

/** Clicks 立即同步 on /sync until the one outbox row is `sent` (the engine may be backing off). */
async function syncUntilSent(page: Page): Promise<void> {
  await page.goto('/sync');
  await waitForApp(page);
  await expect(async () => {
    const state = await page.getByTestId('outbox-item').getAttribute('data-state', { timeout: 2_000 });
    if (state !== 'sent') {
      await page.getByTestId('sync-now').click({ timeout: 2_000 }).catch(() => {});
    }
    await expect(page.getByTestId('outbox-item')).toHaveAttribute('data-state', 'sent', { timeout: 2_000 });
  }).toPass({ timeout: 60_000, intervals: [500, 1_000, 2_000] });
}

test('a: a visit registered offline gets a provisional slip, then its receipt with a QR code, then shows on /query', async ({
  page,
  server,
  pageErrors,
}) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await waitForApp(page);
  await waitForServiceWorker(page);
  await enroll(page, server);

  await server.stop();
  const recordPath = await registerVisit(page);

  // The confirmation and the provisional slip, instead of the sync page.
  await expect(page.getByTestId('record-submitted')).toBeVisible();
  const slip = page.getByTestId('receipt-slip');
  await expect(slip).toHaveAttribute('data-provisional', 'true');
  await expect(page.getByTestId('slip-pending')).toHaveText('登记号待同步');
  await expect(page.getByTestId('slip-local-ref')).toHaveText(/^LX-[0-9A-F]{4}-[0-9A-F]{4}$/);
  await expect(slip).not.toContainText('登记编号CZXF');
  await expect(page.getByTestId('slip-qr')).toHaveCount(0);
  // The limits of a fresh visit: routing (Art. 22) and the written notice (Art. 23 para. 2).
  const rows = page.getByTestId('deadline-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-limit', 'route');
  await expect(rows.nth(0)).toContainText('第二十二条第一款');
  await expect(rows.nth(1)).toHaveAttribute('data-limit', 'written_notice');
  await expect(rows.nth(1)).toContainText('第二十三条第二款');
  await expect(rows.nth(0)).toContainText('还剩');
  // The petition itself, readable, on a field tablet.
  await expect(page.getByTestId('record-petition')).toContainText('张三');
  await expect(page.getByTestId('record-petition')).toContainText('走访');

  // A reload, served by the service worker with nothing answering on the port.
  await page.reload();
  await waitForApp(page);
  await expect(page.getByTestId('receipt-slip')).toHaveAttribute('data-provisional', 'true');
  await expect(page.getByTestId('record-state')).toHaveAttribute('data-state', /queued|sending/);

  await server.start();
  await syncUntilSent(page);

  // The list of records leads back to it.
  await page.goto('/records');
  await waitForApp(page);
  await expect(page.getByTestId('record-item')).toHaveCount(1);
  await expect(page.getByTestId('record-item')).toHaveAttribute('data-state', 'sent');
  await page.getByTestId('record-link').click();
  await page.waitForURL((url) => url.pathname === recordPath);

  await expect(page.getByTestId('receipt-slip')).toHaveAttribute('data-provisional', 'false');
  const number = (await page.getByTestId('slip-registration-no').textContent())?.trim() ?? '';
  expect(number).toMatch(RECEIPT_NO);
  const code = (await page.getByTestId('slip-query-code').textContent())?.trim() ?? '';
  expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{12}$/);
  const qr = page.getByTestId('slip-qr').locator('svg');
  await expect(qr).toBeVisible();
  expect(Number(await qr.getAttribute('data-modules'))).toBeGreaterThanOrEqual(21);
  await expect(page.getByTestId('slip-link')).toHaveText(`${server.baseURL}/query?code=${code}`);
  await expect(page.getByTestId('print-slip')).toBeVisible();

  // The printed receipt is the slip alone.
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByTestId('record-petition')).toBeHidden();
  await expect(page.getByTestId('receipt-slip')).toBeVisible();
  await page.emulateMedia({ media: 'screen' });

  // What the QR code opens.
  await page.goto(`/query?code=${code}`);
  await waitForApp(page);
  await expect(page.getByTestId('query-result')).toBeVisible();
  await expect(page.getByTestId('query-registration-no')).toHaveText(number);
  await expect(page.getByTestId('query-status')).toHaveAttribute('data-status', 'registered');
  await expect(page.getByTestId('query-result')).not.toContainText('张三');

  expect(pageErrors.uncaught).toEqual([]);
});

test('b: /query says offline that it needs a network, and names an unknown or malformed code', async ({
  page,
  context,
  pageErrors,
}) => {
  await page.goto('/query');
  await waitForApp(page);
  await expect(page.getByTestId('page-query')).toBeVisible();
  await expect(page.getByTestId('query-offline')).toHaveCount(0);

  await context.setOffline(true);
  await expect(page.getByTestId('query-offline')).toBeVisible();
  await expect(page.getByTestId('query-offline')).toContainText('离线');
  await page.getByTestId('query-code-input').fill('ABCD-EFGH-JKMN');
  await expect(page.getByTestId('query-submit')).toBeDisabled();

  await context.setOffline(false);
  await expect(page.getByTestId('query-offline')).toHaveCount(0);
  await page.getByTestId('query-submit').click();
  await expect(page.getByTestId('query-error')).toHaveAttribute('data-kind', 'not_found');

  await page.getByTestId('query-code-input').fill('ABC');
  await page.getByTestId('query-submit').click();
  await expect(page.getByTestId('query-code-error')).toBeVisible();
  await expect(page.getByTestId('query-code-input')).toHaveAttribute('aria-invalid', 'true');

  expect(pageErrors.uncaught).toEqual([]);
});
