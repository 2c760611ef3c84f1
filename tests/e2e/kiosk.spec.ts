// A kiosk is shared by strangers (issue 8, part 8): it shows no personal data of any record it
// holds, on any page. Two citizens register on one kiosk: the first finalizes (and the record is
// sent), the second leaves a draft unfinished. A third visit — every page, and the second
// citizen's draft by its URL — shows neither name, address nor request anywhere, in the text or
// in an input; the lists show neutral entries only. The first citizen sees their own record page
// and slip in their visit; the next visitor gets neither, by the list or by the record's URL.

import type { Page } from '@playwright/test';
import { test, expect, waitForApp, enroll, fromConfirmationToSync } from './fixtures/test';

const CITIZENS = [
  { name: '王小明', address: '城关镇幸福路8号', request: '请求修缮村口石桥', facts: '石桥栏杆断裂已三月' },
  { name: '李大华', address: '城关镇东风街12号', request: '请求核实低保资格', facts: '低保申请半年未答复' },
];

/** Opens a new petition (a full page load: a new visitor's session) and fills it in. */
async function fillPetition(page: Page, c: (typeof CITIZENS)[number]): Promise<string> {
  await page.goto('/petitions/new');
  await waitForApp(page);
  await page.waitForURL(/\/petitions\/[0-9a-f-]{36}$/);
  await page.getByTestId('field-name').fill(c.name);
  await page.getByTestId('field-address').fill(c.address);
  await page.getByTestId('field-subject').selectOption('housing');
  await page.getByTestId('field-request').fill(c.request);
  await page.getByTestId('field-facts').fill(c.facts);
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-state', 'saved');
  return page.url();
}

/** Everything the page shows or holds in a form control. */
async function shown(page: Page): Promise<string> {
  return page.evaluate(() => {
    const values = [...document.querySelectorAll('input, textarea, select')].map(
      (e) => (e as HTMLInputElement).value,
    );
    return [document.body.innerText, document.title, ...values].join('\n');
  });
}

async function expectNoPersonalData(page: Page, where: string): Promise<void> {
  const text = await shown(page);
  for (const c of CITIZENS) {
    for (const value of [c.name, c.address, c.request, c.facts]) {
      expect(text, `${where} shows “${value}”`).not.toContain(value);
    }
  }
}

test('a kiosk shows no earlier citizen’s personal data on any page', async ({ page, server, pageErrors }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await waitForApp(page);
  await enroll(page, server, '', 'kiosk');
  await expect(page.getByTestId('enroll-role')).toHaveText('自助终端');

  // The first citizen finalizes; their own receipt is theirs to see, in this visit.
  await fillPetition(page, CITIZENS[0]);
  await page.getByTestId('finalize').click();
  await page.waitForURL(/\/records\/[0-9a-f-]{36}\?submitted=1$/);
  const recordPath = new URL(page.url()).pathname;
  // Their own record page, with the slip to take away; on a kiosk even that page leaves the
  // petition's text out (the next person may be looking over the shoulder).
  await expect(page.getByTestId('record-submitted')).toBeVisible();
  await expect(page.getByTestId('receipt-slip')).toBeVisible();
  await expect(page.getByTestId('record-petition')).toHaveCount(0);
  await fromConfirmationToSync(page);
  await expect(async () => {
    const state = await page.getByTestId('outbox-item').getAttribute('data-state');
    if (state !== 'sent') await page.getByTestId('sync-now').click({ timeout: 2_000 }).catch(() => {});
    expect(state).toBe('sent');
  }).toPass({ timeout: 30_000, intervals: [500, 1_000, 2_000] });
  await expect(page.getByTestId('receipt-no')).toHaveCount(1);
  await expect(page.getByTestId('outbox-item')).not.toContainText(CITIZENS[0].name);

  // The second citizen leaves a draft unfinished.
  const draftUrl = await fillPetition(page, CITIZENS[1]);

  // The next visitor.
  const pages: [string, string][] = [
    ['/', 'page-home'],
    ['/petitions', 'page-petitions'],
    ['/sync', 'page-sync'],
    ['/settings', 'page-settings'],
    ['/records', 'page-records'],
    [recordPath, 'page-record'],
    [new URL(draftUrl).pathname, 'page-petition-detail'],
  ];
  for (const [path, testId] of pages) {
    await page.goto(path);
    await waitForApp(page);
    await expect(page.getByTestId(testId)).toBeVisible();
    if (path === '/petitions') {
      await expect(page.getByTestId('draft-item')).toHaveCount(1);
      await expect(page.getByTestId('kiosk-note')).toBeVisible();
      await expect(page.getByTestId('draft-item').getByRole('link')).toHaveCount(0);
    }
    if (path === '/sync') {
      await expect(page.getByTestId('outbox-item')).toHaveCount(1);
      await expect(page.getByTestId('outbox-item')).toHaveAttribute('data-state', 'sent');
      await expect(page.getByTestId('receipt-no')).toHaveCount(0);
      await expect(page.getByTestId('export-unsent')).toHaveCount(0);
    }
    if (path === recordPath) {
      await expect(page.getByTestId('kiosk-hidden')).toBeVisible();
      await expect(page.getByTestId('receipt-slip')).toHaveCount(0);
    }
    if (path.startsWith('/petitions/')) {
      await expect(page.getByTestId('kiosk-hidden')).toBeVisible();
      await expect(page.getByTestId('field-name')).toHaveCount(0);
    }
    await expectNoPersonalData(page, path);
  }

  expect(pageErrors.uncaught).toEqual([]);
});
