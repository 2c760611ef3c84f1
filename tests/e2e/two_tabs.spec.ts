// Two tabs of the app in one browser (issue 14), against the real release server: two pages of
// one context share the origin's IndexedDB and BroadcastChannel, as two tabs (or the installed
// app's window beside a tab) do.
//
//   a. one draft in both tabs, different fields: A types the name and the request, B the facts, A
//      the address; after a reload both tabs show all four. Once with the tabs telling each other
//      (A shows B's facts at once, its cursor where it was), once with B's notices lost, so that
//      A's save is based on an older revision and the store merges it;
//   b. the same field typed in both tabs: the text saved first stays, the tab that lost says so
//      and offers its text to copy;
//   c. a draft finalized in A while B shows it: B says 此草稿已提交 with a link to the record and
//      saves nothing more, also when A's notice is lost and B types on (the store refuses); the
//      draft never comes back and is stored once;
//   d. 200 queued records, 立即同步 pressed in both tabs at once and again a second later: each
//      stored once, numbered 1..200 without a gap, both tabs show all as sent.

import type { BrowserContext, Page } from '@playwright/test';
import { test, expect, waitForApp, waitForServiceWorker, enroll, LianxinServer, fromConfirmationToSync } from './fixtures/test';
import { cloneQueuedRecord } from './fixtures/petitions';

const DRAFT_URL = /\/petitions\/[0-9a-f-]{36}$/;
const PUSH_PATH = '/api/v1/sync/push';

/** Makes `page` a tab whose notices to the other tabs never arrive (installed before the app runs). */
async function silence(page: Page): Promise<void> {
  await page.addInitScript(() => {
    BroadcastChannel.prototype.postMessage = function () {};
  });
}

/** A new draft in `page`; returns its URL. */
async function newDraft(page: Page): Promise<string> {
  await page.goto('/petitions/new');
  await waitForApp(page);
  await page.waitForURL(DRAFT_URL);
  return page.url();
}

async function open(context: BrowserContext, url: string, opts: { silenced?: boolean } = {}): Promise<Page> {
  const page = await context.newPage();
  if (opts.silenced) await silence(page);
  await page.goto(url);
  await waitForApp(page);
  await expect(page.getByTestId('field-name')).toBeVisible();
  return page;
}

async function saved(page: Page): Promise<void> {
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-state', 'saved');
}

/** Types into a field and waits until the autosave has written it. */
async function typeIn(page: Page, field: string, text: string): Promise<void> {
  await page.getByTestId(`field-${field}`).fill(text);
  await saved(page);
}

async function enrolled(page: Page, server: LianxinServer): Promise<void> {
  await page.goto('/');
  await waitForApp(page);
  await enroll(page, server);
}

const NAME = '张三';
const REQUEST = '请求维修小区道路';
const FACTS = '小区道路破损已半年，雨天积水';
const ADDRESS = '城关镇人民路1号';

for (const notices of ['told', 'lost'] as const) {
  test(`a: one draft in two tabs, different fields (notices ${notices}): the facts and the address are both kept`, async ({
    page,
    context,
    server,
    pageErrors,
  }) => {
    test.setTimeout(90_000);
    await enrolled(page, server);
    const url = await newDraft(page);
    const a = page;
    await typeIn(a, 'name', NAME);
    await typeIn(a, 'request', REQUEST);

    const b = await open(context, url, { silenced: notices === 'lost' });
    await expect(b.getByTestId('field-name')).toHaveValue(NAME);
    await expect(b.getByTestId('field-request')).toHaveValue(REQUEST);

    if (notices === 'told') {
      // A's cursor sits inside the request while B types the facts.
      const request = a.getByTestId('field-request');
      await request.focus();
      await request.evaluate((el: HTMLTextAreaElement | HTMLInputElement) => el.setSelectionRange(2, 2));
      await typeIn(b, 'facts', FACTS);
      await expect(a.getByTestId('field-facts')).toHaveValue(FACTS);
      const caret = await request.evaluate(
        (el: HTMLTextAreaElement | HTMLInputElement) =>
          [document.activeElement === el, el.selectionStart, el.selectionEnd] as const,
      );
      expect(caret).toEqual([true, 2, 2]);
    } else {
      await typeIn(b, 'facts', FACTS);
      // A was not told: it still shows no facts, and its next save is based on an older revision.
      await expect(a.getByTestId('field-facts')).toHaveValue('');
    }
    await typeIn(a, 'address', ADDRESS);
    await expect(a.getByTestId('field-facts')).toHaveValue(FACTS);
    await expect(a.getByTestId('draft-conflicts')).toHaveCount(0);

    for (const tab of [a, b]) {
      await tab.reload();
      await waitForApp(tab);
      await expect(tab.getByTestId('field-name')).toHaveValue(NAME);
      await expect(tab.getByTestId('field-request')).toHaveValue(REQUEST);
      await expect(tab.getByTestId('field-facts')).toHaveValue(FACTS);
      await expect(tab.getByTestId('field-address')).toHaveValue(ADDRESS);
    }
    expect(pageErrors.uncaught).toEqual([]);
  });
}

test('b: the same field typed in two tabs keeps the text saved first and offers the other to copy', async ({
  page,
  context,
  server,
  pageErrors,
}) => {
  test.setTimeout(90_000);
  await enrolled(page, server);
  const url = await newDraft(page);
  // Both type at the same moment: neither hears of the other's save before its own.
  const a = await open(context, url, { silenced: true });
  const b = await open(context, url, { silenced: true });
  await page.close();
  await typeIn(a, 'request', '请求维修道路');
  await typeIn(b, 'request', '请求安装路灯');
  await typeIn(b, 'facts', FACTS);

  // B lost the request: it shows the stored text, says so, and offers its own to copy.
  await expect(b.getByTestId('field-request')).toHaveValue('请求维修道路');
  const conflict = b.getByTestId('draft-conflict');
  await expect(conflict).toHaveCount(1);
  await expect(conflict).toHaveAttribute('data-path', 'request');
  await expect(conflict).toContainText('另一个标签页同时修改了');
  await expect(b.getByTestId('conflict-mine')).toHaveValue('请求安装路灯');
  await expect(b.getByTestId('field-facts')).toHaveValue(FACTS);

  await a.reload();
  await waitForApp(a);
  await expect(a.getByTestId('field-request')).toHaveValue('请求维修道路');
  await expect(a.getByTestId('field-facts')).toHaveValue(FACTS, { timeout: 5_000 });
  await expect(a.getByTestId('draft-conflicts')).toHaveCount(0);
  expect(pageErrors.uncaught).toEqual([]);
});

/** Fills a minimal valid petition, as sync.spec's finalizePetition does. */
async function fillValid(page: Page): Promise<void> {
  await page.getByTestId('field-name').fill(NAME);
  await page.getByTestId('field-address').fill(ADDRESS);
  await page.getByTestId('field-subject').selectOption('housing');
  await page.getByTestId('field-request').fill(REQUEST);
  await page.getByTestId('field-facts').fill(FACTS);
  await saved(page);
}

function serverCount(server: LianxinServer): number {
  return Number(server.run(['petition', 'count']).trim());
}

for (const notices of ['told', 'lost'] as const) {
  test(`c: a draft finalized in one tab never comes back from the other (notices ${notices})`, async ({
    page,
    context,
    server,
    pageErrors,
  }) => {
    test.setTimeout(90_000);
    await enrolled(page, server);
    const url = await newDraft(page);
    await page.close();
    const a = await open(context, url, { silenced: notices === 'lost' });
    await fillValid(a);
    const b = await open(context, url);
    await expect(b.getByTestId('field-facts')).toHaveValue(FACTS);

    await a.getByTestId('finalize').click();
    await fromConfirmationToSync(a);

    const gone = b.getByTestId('draft-gone');
    if (notices === 'lost') {
      // B was not told and types on: its autosave is refused by the store.
      await expect(gone).toHaveCount(0);
      await b.getByTestId('field-facts').fill(`${FACTS}，B 继续输入`);
    }
    await expect(gone).toBeVisible();
    await expect(gone).toHaveAttribute('data-state', 'finalized');
    await expect(gone).toContainText('此草稿已提交');
    await expect(b.getByTestId('draft-gone-record')).toHaveAttribute('data-record-id', /^[0-9a-f-]{36}$/);
    await expect(b.getByTestId('field-facts')).toBeDisabled();
    await expect(b.getByTestId('finalize')).toBeDisabled();

    // The draft is not among the drafts, in either tab, and the record is stored once.
    for (const tab of [a, b]) {
      await tab.goto('/petitions');
      await waitForApp(tab);
      await expect(tab.getByTestId('page-petitions')).toBeVisible();
      await expect(tab.getByTestId('draft-item')).toHaveCount(0);
    }
    await b.goto(url);
    await waitForApp(b);
    await expect(b.getByTestId('field-facts')).toHaveCount(0);
    await a.goto('/sync');
    await waitForApp(a);
    await expect(async () => {
      const states = await a.getByTestId('outbox-item').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
      if (states[0] !== 'sent') await a.getByTestId('sync-now').click({ timeout: 2_000 }).catch(() => {});
      expect(states).toEqual(['sent']);
    }).toPass({ timeout: 30_000, intervals: [500, 1_000, 2_000] });
    expect(serverCount(server)).toBe(1);
    expect(pageErrors.uncaught).toEqual([]);
  });
}

async function outboxStates(page: Page): Promise<string[]> {
  return page.getByTestId('outbox-item').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state') ?? ''));
}

test('d: 200 queued records, sync pressed in both tabs at once and again a second later: each stored once, numbers 1..200 without a gap', async ({
  page,
  context,
  server,
  pageErrors,
}) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await waitForApp(page);
  await waitForServiceWorker(page);
  await enroll(page, server);
  await server.stop();
  await newDraft(page);
  await fillValid(page);
  await page.getByTestId('finalize').click();
  await fromConfirmationToSync(page);
  await expect(page.getByTestId('outbox-item')).toHaveCount(1);
  await cloneQueuedRecord(page, 200);
  await page.reload();
  await waitForApp(page);
  await expect(page.getByTestId('outbox-item')).toHaveCount(200, { timeout: 20_000 });
  const b = await context.newPage();
  await b.goto('/sync');
  await waitForApp(b);
  await expect(b.getByTestId('outbox-item')).toHaveCount(200, { timeout: 20_000 });

  let pushes = 0;
  context.on('request', (r) => {
    if (r.url().endsWith(PUSH_PATH) && r.method() === 'POST') pushes++;
  });
  // A tab whose own run is on shows the button disabled; pressing it then is what a user can do.
  const press = (tab: Page) => tab.getByTestId('sync-now').click({ timeout: 2_000 }).catch(() => {});
  await server.start();
  await Promise.all([press(page), press(b)]);
  await new Promise((r) => setTimeout(r, 1_000));
  await Promise.all([press(page), press(b)]);

  for (const tab of [page, b]) {
    await expect(async () => {
      const states = await outboxStates(tab);
      if (states.some((s) => s !== 'sent')) await tab.getByTestId('sync-now').click({ timeout: 2_000 }).catch(() => {});
      expect(states).toHaveLength(200);
      expect(states.filter((s) => s !== 'sent')).toEqual([]);
    }).toPass({ timeout: 90_000, intervals: [500, 1_000, 2_000] });
  }
  test.info().annotations.push({ type: 'pushes from both tabs', description: String(pushes) });

  const stored = JSON.parse(server.run(['petition', 'list', '--json'])) as { id: string; registration_no: string }[];
  expect(serverCount(server)).toBe(200);
  expect(new Set(stored.map((p) => p.id)).size).toBe(200);
  const numbers = stored.map((p) => Number(p.registration_no.slice(-6))).sort((x, y) => x - y);
  expect(numbers).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  for (const tab of [page, b]) {
    const receipts = (await tab.getByTestId('receipt-no').allTextContents()).map((r) => r.trim());
    expect(new Set(receipts).size).toBe(200);
  }
  expect(pageErrors.uncaught).toEqual([]);
});
