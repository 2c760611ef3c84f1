// Offline: once the service worker controls the page, the app opens and navigates with the server
// STOPPED (not merely `setOffline`, which the worker's own fetches can slip past).

import { test, expect, waitForApp, waitForServiceWorker, ROUTES, PAGE_OF } from './fixtures/test';

test('with the server stopped, the app reloads, deep-links and navigates from the cache', async ({
  page,
  server,
  pageErrors,
}) => {
  await page.goto('/');
  await waitForApp(page);
  await waitForServiceWorker(page);

  await server.stop();
  // Nothing answers any more: a request that bypassed the cache would fail.
  await expect(fetch(`${server.baseURL}/healthz`)).rejects.toThrow();

  await page.reload();
  await waitForApp(page);
  await expect(page.getByTestId('page-home')).toBeVisible();

  // Deep links typed into the address bar.
  await page.goto('/quiz');
  await waitForApp(page);
  await expect(page.getByTestId('page-quiz')).toBeVisible();

  await page.goto('/petitions/new');
  await waitForApp(page);
  await expect(page.getByTestId('page-petition-new')).toBeVisible();

  // And the in-app navigation.
  await page.getByTestId('nav-law').click();
  await expect(page.getByTestId('page-law')).toBeVisible();
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('page-settings')).toBeVisible();
  await page.getByTestId('nav-home').click();
  await expect(page.getByTestId('page-home')).toBeVisible();

  // Every route, typed into the address bar, opens from the cache.
  for (const route of ROUTES) {
    await page.goto(route);
    await waitForApp(page);
    await expect(page.getByTestId(PAGE_OF[route]), route).toBeVisible();
  }

  // Failed /api requests are expected while the server is down; crashes are not.
  expect(pageErrors.uncaught).toEqual([]);

  // When the server comes back the app still works online.
  await server.start();
  await page.goto('/sync');
  await waitForApp(page);
  await expect(page.getByTestId('page-sync')).toBeVisible();
});

test('the browser being offline (setOffline) also shows the cached app and says so', async ({
  page,
  context,
}) => {
  await page.goto('/');
  await waitForApp(page);
  await waitForServiceWorker(page);
  await context.setOffline(true);
  await page.goto('/petitions');
  await waitForApp(page);
  await expect(page.getByTestId('page-petitions')).toBeVisible();
  await expect(page.getByTestId('connectivity')).toHaveAttribute('data-state', 'offline');
  await context.setOffline(false);
  await expect(page.getByTestId('connectivity')).toHaveAttribute('data-state', 'online');
});
