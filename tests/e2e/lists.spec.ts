// Lists that cost what is on screen (issue 16): with 1,200 sent petitions on the device (seeded as
// the v3 app kept them; the app's v4 upgrade indexes them), the records list draws its first page
// only, scrolling to the end reads the next, a search by phone, by name or by registration number
// finds a record that is nowhere near the first page, and coming back from a record restores the
// rows and the scroll position.

import { test, expect, waitForApp, waitForServiceWorker, enroll } from './fixtures/test';
import { seedV3, seededRecord } from '../../scripts/lib/seed-records.mjs';

const N = 1200;

test('the records list pages, searches and keeps its place with 1,200 records', async ({ page, server, pageErrors }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await waitForApp(page);
  await waitForServiceWorker(page);
  await enroll(page, server);
  // Seed from a page of the origin in which the app is not running.
  await page.goto('/healthz');
  await seedV3(page, N);

  await page.goto('/records');
  await waitForApp(page);
  const rows = page.getByTestId('record-item');
  await expect(rows.first()).toBeVisible({ timeout: 60_000 });
  const first = await rows.count();
  expect(first).toBeGreaterThan(0);
  expect(first).toBeLessThan(100);
  // Newest first: the last seeded record heads the list.
  await expect(rows.first()).toContainText(seededRecord(N - 1).registration_no);

  // Scrolling to the end reads the next page.
  await page.mouse.wheel(0, 100_000);
  await expect.poll(() => rows.count()).toBeGreaterThan(first);

  // A search finds records far from the first page, by phone, by name and by registration number.
  const far = seededRecord(5);
  const search = page.getByTestId('records-search');
  // The whole phone (its last digits alone are shared by the phones of records 50–59, 500–599).
  await search.fill(far.phone);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(far.registration_no);
  await search.fill(far.registration_no.toLowerCase().replaceAll('-', ''));
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(far.name);
  // Names repeat every 8,000 records: within 1,200 this one is unique.
  await search.fill(far.name);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(far.registration_no);
  await search.fill('没有这个人');
  await expect(page.getByTestId('records-no-match')).toBeVisible();
  await search.fill('');
  await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(first);

  // Scroll well down, open a record, come back: the same rows at the same place.
  for (let i = 0; i < 3; i++) {
    await page.mouse.wheel(0, 3000);
    await page.waitForTimeout(200);
  }
  await expect.poll(() => rows.count()).toBeGreaterThan(first);
  const y = await page.evaluate(() => window.scrollY);
  expect(y).toBeGreaterThan(2000);
  const loaded = await rows.count();
  const link = page.getByTestId('record-link').nth(Math.min(loaded - 1, first + 5));
  await link.scrollIntoViewIfNeeded();
  const yAtTap = await page.evaluate(() => window.scrollY);
  await link.click();
  await expect(page).toHaveURL(/\/records\/[0-9a-f-]{36}$/);
  await page.goBack();
  await expect(page).toHaveURL(/\/records$/);
  await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(loaded);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(yAtTap - 50);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeLessThan(yAtTap + 50);

  // The browser asks /favicon.ico for the plain-text /healthz page the seeding ran in; the app
  // itself asks for nothing missing.
  expect(pageErrors.all().filter((e) => !e.includes('/favicon.ico'))).toEqual([]);
});
