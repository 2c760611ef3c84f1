// Code splitting: the first visit downloads the frame and the home page only; each other page's
// wasm module is fetched when that page is first opened (src/pages/mod.rs), and the sync engine's
// for the first sync run of an enrolled device (src/app_state.rs). The service worker is blocked here, so that every module the page needs
// shows up as the page's own request instead of the worker's precaching of all of them.

import { test, expect, waitForApp, enroll } from './fixtures/test';

test.use({ serviceWorkers: 'block' });

/** The page chunks and shared chunks wasm-split writes next to the main module. */
const CHUNK = /\/pkg-[0-9a-f]+\/(split_[^/]+|chunk_\d+)\.wasm$/;

test('the home page starts without any page chunk, and a page fetches its own when first opened', async ({
  page,
  pageErrors,
}) => {
  const chunks: string[] = [];
  page.on('request', (request) => {
    if (CHUNK.test(request.url())) chunks.push(new URL(request.url()).pathname.split('/').pop()!);
  });

  await page.goto('/');
  await waitForApp(page);
  await expect(page.getByTestId('page-home')).toBeVisible();
  const pageModules = () => chunks.filter((c) => /^split_\w+_page\.wasm$/.test(c));
  expect(pageModules(), 'page modules fetched for the home page').toEqual([]);
  // Nor the sync engine's: this device is not enrolled, so its runs stop before needing it.
  await expect(page.getByTestId('sync-indicator')).toHaveAttribute('data-state', 'not-enrolled');
  await page.waitForTimeout(500);
  expect(chunks).not.toContain('split_sync_engine.wasm');

  await page.getByTestId('nav-sync').click();
  await expect(page.getByTestId('page-sync')).toBeVisible();
  expect(pageModules(), 'page modules fetched for /sync').toEqual(['split_sync_page.wasm']);

  // Back home and to the sync page again: nothing more to fetch.
  const fetched = chunks.length;
  await page.getByTestId('nav-home').click();
  await expect(page.getByTestId('page-home')).toBeVisible();
  await page.getByTestId('nav-sync').click();
  await expect(page.getByTestId('page-sync')).toBeVisible();
  expect(chunks.length).toBe(fetched);

  expect(pageErrors.all()).toEqual([]);
});

test('a page chunk that cannot be fetched does not take the app down', async ({ page, pageErrors }) => {
  await page.route(/\/split_law_page\.wasm$/, (route) => route.abort('internetdisconnected'));
  await page.goto('/');
  await waitForApp(page);
  await page.getByTestId('nav-law').click();
  // The page says what happened and what to do, instead of the wasm aborting on a panic.
  await expect(page.getByTestId('page-load-failed')).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('请联网后重新加载');
  // The rest of the app still answers: another page opens.
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('page-settings')).toBeVisible();
  // Once the module can be fetched again, opening the page again works: the failure was not kept.
  await page.unroute(/\/split_law_page\.wasm$/);
  await page.getByTestId('nav-law').click();
  await expect(page.getByTestId('page-law')).toBeVisible();
  expect(pageErrors.uncaught).toEqual([]);
});

test('a sync run whose engine module cannot be fetched counts as one that reached no server; the next one syncs', async ({
  page,
  server,
  pageErrors,
}) => {
  const ENGINE = /\/split_sync_engine\.wasm$/;
  await page.route(ENGINE, (route) => route.abort('internetdisconnected'));
  await enroll(page, server);
  await page.getByTestId('nav-sync').click();
  await expect(page.getByTestId('page-sync')).toBeVisible();
  // Enrolled and online, but the run could not start: the header says the server is out of reach.
  await expect(page.getByTestId('sync-indicator')).toHaveAttribute('data-state', 'unreachable', { timeout: 20_000 });

  await page.unroute(ENGINE);
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-indicator')).toHaveAttribute('data-state', 'synced', { timeout: 20_000 });
  expect(pageErrors.uncaught).toEqual([]);
});

test('while a page module is on its way, a progress bar says the page is opening', async ({ page, pageErrors }) => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/split_quiz_page\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('/');
  await waitForApp(page);
  await expect(page.getByTestId('routing')).toHaveCount(0);
  await page.getByTestId('nav-quiz').click();
  await expect(page.getByRole('progressbar', { name: '正在打开页面' })).toBeVisible();
  await expect(page.locator('main')).toHaveAttribute('aria-busy', 'true');
  release();
  await expect(page.getByTestId('page-quiz')).toBeVisible();
  await expect(page.getByTestId('routing')).toHaveCount(0);
  await expect(page.locator('main')).not.toHaveAttribute('aria-busy', /.*/);
  expect(pageErrors.all()).toEqual([]);
});
