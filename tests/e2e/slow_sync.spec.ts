// Sync on the slowest rural link (issue 13), against the real release server with Chromium's
// network emulation at GPRS (80/40 kbit/s, 800 ms latency): queued petitions of realistic length,
// each different, all arrive, each once; while they go, the sync page says how many of how many
// are sent and the header shows it moving. (Before issue 13 a tablet on GPRS never delivered a
// single one: one 199 KB push, a fixed 30 s timeout, the same push again.)
//
// The timings of all three profiles for 100 petitions are scripts/bench-slow-sync.mjs.

import type { Page } from '@playwright/test';
import { test, expect, waitForApp, waitForServiceWorker, enroll, type LianxinServer, fromConfirmationToSync } from './fixtures/test';
// @ts-expect-error: a plain ES module shared with the benchmark script
import { registerPetition } from './fixtures/petitions';
import { PROFILES, throttle, petitionTexts, queueCopies } from '../../scripts/lib/slow-sync.mjs';

const PUSH_PATH = '/api/v1/sync/push';
const COUNT = 40;

/** One petition through the form with the server stopped, so that it stays queued. */
async function finalizeOne(page: Page): Promise<void> {
  await registerPetition(page);
  await fromConfirmationToSync(page);
  await expect(page.getByTestId('outbox-item')).toHaveAttribute('data-state', 'queued');
}

function serverIds(server: LianxinServer): string[] {
  return (JSON.parse(server.run(['petition', 'list', '--json'])) as { id: string }[]).map((p) => p.id);
}

test(`${COUNT} different petitions queued on a GPRS link all arrive, each once, with visible progress`, async ({
  page,
  server,
  pageErrors,
}) => {
  test.setTimeout(90_000);
  await page.goto('/');
  await waitForApp(page);
  await waitForServiceWorker(page);
  await enroll(page, server);
  await server.stop();
  await finalizeOne(page);
  await queueCopies(page, petitionTexts(COUNT));
  await page.reload();
  await waitForApp(page);
  await expect(page.getByTestId('outbox-item')).toHaveCount(COUNT, { timeout: 20_000 });
  const ids = await page
    .getByTestId('outbox-item')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-record-id') ?? ''));

  // Everything a person could have seen of the progress, in order.
  await page.evaluate(() => {
    const w = window as unknown as { seen: string[] };
    w.seen = [];
    new MutationObserver(() => {
      const p = document.querySelector('[data-testid=sync-progress]');
      const h = document.querySelector('[data-testid=sync-indicator-progress]');
      const now = `${p?.getAttribute('data-done') ?? '-'}/${p?.getAttribute('data-total') ?? '-'} ${h?.textContent ?? ''}`;
      if (w.seen[w.seen.length - 1] !== now) w.seen.push(now);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  await throttle(page, PROFILES.GPRS);
  await server.start();
  // Pushes from now on (earlier ones met the stopped server).
  const pushes: { failed: boolean }[] = [];
  const ours = new Set<unknown>();
  page.on('request', (r) => r.url().endsWith(PUSH_PATH) && ours.add(r));
  page.on('requestfinished', (r) => ours.has(r) && pushes.push({ failed: false }));
  // A push counts as failed only if no answer came back: under its network emulation Chromium
  // sometimes reports a push as aborted (net::ERR_ABORTED) about 150 ms after its 200 answer,
  // which the app had already applied.
  page.on('requestfailed', async (r) => {
    if (!ours.has(r)) return;
    const answer = await r.response().catch(() => null);
    pushes.push({ failed: answer === null });
  });
  const t0 = Date.now();
  await page.getByTestId('sync-now').click();
  await expect
    .poll(() => serverIds(server).length, { timeout: 75_000, intervals: [500] })
    .toBe(COUNT);
  const seconds = (Date.now() - t0) / 1000;
  test.info().annotations.push({ type: `GPRS, ${COUNT} petitions`, description: `${seconds.toFixed(1)} s, ${pushes.length} pushes` });
  console.log(`GPRS: ${COUNT} petitions on the server after ${seconds.toFixed(1)} s in ${pushes.length} pushes`);

  // Each once: the server holds exactly the outbox's ids, and every row is sent.
  expect(serverIds(server).sort()).toEqual([...ids].sort());
  await expect(page.locator('[data-testid=outbox-item][data-state=sent]')).toHaveCount(COUNT, { timeout: 20_000 });
  expect(pushes.filter((p) => p.failed)).toEqual([]);
  expect(pushes.length).toBeGreaterThan(1);

  // The page said how many of how many were sent, part of the way, and the header showed it.
  const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
  const partway = seen.filter((s) => {
    const m = /^(\d+)\/(\d+) /.exec(s);
    return m !== null && Number(m[1]) > 0 && Number(m[1]) < Number(m[2]);
  });
  expect(partway.length, seen.join(' | ')).toBeGreaterThan(0);
  expect(partway.some((s) => /\d+\/\d+$/.test(s.trim())), seen.join(' | ')).toBe(true);
  expect(pageErrors.uncaught).toEqual([]);
});
