// Tablets with wrong clocks (issue 15), against the real release server: the page's clock is set
// a day ahead, and a year behind (Playwright's page.clock; the server keeps the real time). The
// tablet enrolls (and so learns how far its clock is off), registers a visit through the form and
// syncs. The petition is stored, not refused, with the real reception time and a registration
// number of the real year, the time the tablet read kept beside it; and the worker is told, in the
// header and on the sync page, that the clock is off and by how much.
//
// What the server holds is read with `lianxin-server petition list --json`.

import { test, expect, enroll, fromConfirmationToSync, LianxinServer } from './fixtures/test';
import { registerPetition } from './fixtures/petitions';

const DAY = 24 * 60 * 60 * 1000;

interface StoredPetition {
  id: string;
  registration_no: string;
  received_at: string | null;
  device_received_at: string | null;
  clock_uncertain: boolean | null;
}

function stored(server: LianxinServer): StoredPetition[] {
  return JSON.parse(server.run(['petition', 'list', '--json'])) as StoredPetition[];
}

/** The year in China (the bureau's calendar) at `ms`. */
function chinaYear(ms: number): number {
  return new Date(ms + 8 * 60 * 60 * 1000).getUTCFullYear();
}

for (const { name, shift, ahead } of [
  { name: 'a day ahead', shift: DAY, ahead: true },
  { name: 'a year behind', shift: -365 * DAY, ahead: false },
]) {
  test(`a tablet whose clock is ${name} registers a petition at the real time and is told`, async ({
    page,
    server,
  }) => {
    await page.clock.install({ time: new Date(Date.now() + shift) });
    await enroll(page, server);

    const before = Date.now();
    await registerPetition(page);
    await fromConfirmationToSync(page);
    await expect(async () => {
      await page.getByTestId('sync-now').click({ timeout: 2_000 }).catch(() => undefined);
      await expect(page.getByTestId('outbox-item').first()).toHaveAttribute('data-state', 'sent', { timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    const after = Date.now();

    // Stored once, at the real time, numbered in the real year, with the tablet's reading kept.
    const [petition, ...more] = stored(server);
    expect(more).toEqual([]);
    const received = Date.parse(petition.received_at ?? '');
    expect(received).toBeGreaterThanOrEqual(before - 120_000);
    expect(received).toBeLessThanOrEqual(after + 5_000);
    expect(petition.registration_no).toContain(`-${chinaYear(received)}-`);
    const read = Date.parse(petition.device_received_at ?? '');
    expect(Math.abs(read - received - shift)).toBeLessThan(60_000);
    expect(petition.clock_uncertain).toBe(false);

    // The worker is told: on the sync page and in the header, by how much and which way.
    const notice = page.getByTestId('clock-notice').first();
    await expect(notice).toBeVisible();
    await expect(notice).toHaveAttribute('data-ahead', String(ahead));
    await expect(notice).toContainText(ahead ? '快了1天' : '慢了365天');
    await page.getByTestId('nav-petitions').click();
    await expect(page.locator('header').getByTestId('clock-notice')).toBeVisible();
  });
}
