// What a new user tripped over on the form (issue 9, items 4, 5 and 8): after a refused finalize
// an error summary at the top takes the focus and links each entry to its input; the skip link
// moves the focus to the main content; the repeat check warns of the same person's earlier
// petition on this device (Art. 19 para. 3) and a second press submits; a tap on 新建登记 that
// types nothing leaves no draft; the drafts list searches and deletes a draft after asking.

import type { Page } from '@playwright/test';
import { test, expect, waitForApp, enroll } from './fixtures/test';

const DRAFT_URL = /\/petitions\/[0-9a-f-]{36}$/;

async function newDraft(page: Page): Promise<string> {
  await page.goto('/petitions/new');
  await waitForApp(page);
  await page.waitForURL(DRAFT_URL);
  await expect(page.getByTestId('field-name')).toBeVisible();
  return page.url();
}

/** A valid petition of 王小明 with his phone, saved. */
async function fillValid(page: Page): Promise<void> {
  await page.getByTestId('field-name').fill('王小明');
  await page.getByTestId('field-phone').fill('13812345678');
  await page.getByTestId('field-address').fill('城关镇幸福路8号');
  await page.getByTestId('field-subject').selectOption('housing');
  await page.getByTestId('field-request').fill('请求修缮村口石桥');
  await page.getByTestId('field-facts').fill('石桥栏杆断裂已三月');
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-state', 'saved');
}

test('a refused finalize focuses an error summary whose links focus each input; the skip link focuses main', async ({
  page,
  server,
  pageErrors,
}) => {
  await page.goto('/');
  await waitForApp(page);
  await enroll(page, server);
  await newDraft(page);
  await page.getByTestId('field-name').fill('张三');
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-state', 'saved');
  await page.getByTestId('finalize').click();

  const summary = page.getByTestId('error-summary');
  await expect(summary).toBeFocused();
  await expect(summary).toHaveAttribute('role', 'alert');
  await expect(summary).toContainText('提交前请更正以下问题');
  // The same sentence as under the input, as a link that focuses it.
  const address = summary.locator('a[data-field="address"]');
  await expect(address).toHaveAttribute('href', '#f-address');
  await expect(address).toHaveText(await page.getByTestId('error-petitioner.address').innerText());
  await address.click();
  await expect(page.getByTestId('field-address')).toBeFocused();
  await summary.locator('a[data-field="request"]').click();
  await expect(page.getByTestId('field-request')).toBeFocused();

  // The skip link moves the focus to the main content.
  await page.locator('.skip-link').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#main')).toBeFocused();
  expect(pageErrors.uncaught).toEqual([]);
});

test('the repeat check warns of the same person’s earlier petition, and a second press submits', async ({
  page,
  server,
  pageErrors,
}) => {
  await page.goto('/');
  await waitForApp(page);
  await enroll(page, server);

  await newDraft(page);
  await fillValid(page);
  await page.getByTestId('finalize').click();
  await page.waitForURL(/\/records\/[0-9a-f-]{36}\?submitted=1$/);
  const firstRecord = new URL(page.url()).pathname;

  await newDraft(page);
  await fillValid(page);
  await page.getByTestId('finalize').click();
  const warning = page.getByTestId('repeat-warning');
  await expect(warning).toBeFocused();
  await expect(warning).toContainText('第十九条第三款');
  await expect(warning).toContainText('本地做法');
  await expect(warning.getByTestId('repeat-item')).toHaveCount(1);
  await expect(warning.getByTestId('repeat-item').getByRole('link')).toHaveAttribute('href', firstRecord);
  await expect(warning.getByTestId('repeat-item')).toContainText('姓名和电话相同');
  // Not submitted yet: staff decide.
  await expect(page).toHaveURL(DRAFT_URL);

  await page.getByTestId('repeat-submit').click();
  await page.waitForURL(/\/records\/[0-9a-f-]{36}\?submitted=1$/);
  expect(new URL(page.url()).pathname).not.toBe(firstRecord);
  expect(pageErrors.uncaught).toEqual([]);
});

test('新建登记 with nothing typed leaves no draft; the list searches and deletes a draft after asking', async ({
  page,
  server,
  pageErrors,
}) => {
  await page.goto('/');
  await waitForApp(page);
  await enroll(page, server);

  // Nothing typed: leaving the form deletes the draft.
  await newDraft(page);
  await page.locator('.back-link').click();
  await page.waitForURL(/\/petitions$/);
  await expect(page.getByTestId('draft-item')).toHaveCount(0);

  // Two drafts with something typed stay.
  for (const name of ['王小明', '李大华']) {
    await newDraft(page);
    await page.getByTestId('field-name').fill(name);
    await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-state', 'saved');
    await page.locator('.back-link').click();
    await page.waitForURL(/\/petitions$/);
  }
  await expect(page.getByTestId('draft-item')).toHaveCount(2);
  // The last changed first.
  await expect(page.getByTestId('draft-item').first()).toContainText('李大华');
  await page.getByTestId('drafts-sort').selectOption('created');
  await expect(page.getByTestId('draft-item').first()).toContainText('李大华');

  await page.getByTestId('drafts-search').fill('小明');
  await expect(page.getByTestId('draft-item')).toHaveCount(1);
  await expect(page.getByTestId('draft-item')).toContainText('王小明');
  await page.getByTestId('drafts-filter').selectOption('needs_edit');
  await expect(page.getByTestId('drafts-no-match')).toBeVisible();
  await page.getByTestId('drafts-filter').selectOption('all');
  await page.getByTestId('drafts-search').fill('');

  // Delete asks first; 取消 keeps the draft.
  const wang = page.getByTestId('draft-item').filter({ hasText: '王小明' });
  await wang.getByTestId('draft-delete').click();
  await wang.getByTestId('draft-delete-no').click();
  await expect(page.getByTestId('draft-item')).toHaveCount(2);
  await wang.getByTestId('draft-delete').click();
  await expect(wang.getByTestId('draft-delete-confirm')).toContainText('确定删除这份草稿吗');
  await wang.getByTestId('draft-delete-yes').click();
  await expect(page.getByTestId('draft-deleted')).toBeVisible();
  await expect(page.getByTestId('draft-item')).toHaveCount(1);
  await page.reload();
  await waitForApp(page);
  await expect(page.getByTestId('draft-item')).toHaveCount(1);
  await expect(page.getByTestId('draft-item')).toContainText('李大华');
  expect(pageErrors.uncaught).toEqual([]);
});
