// The app boots: the release wasm starts and renders, on every route, without errors.
// A wasm that crashes at start (as a bad wasm-opt produces, with no build error) fails here.

import { test, expect, waitForApp, ROUTES, PAGE_OF } from './fixtures/test';

test('the app boots: the wasm starts and renders the home page without errors', async ({ page, pageErrors }) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await waitForApp(page).catch((error) => {
    throw new Error(`the app did not start; page errors: ${JSON.stringify(pageErrors.all())}\n${error}`);
  });
  await expect(page.getByTestId('page-home')).toBeVisible();
  await expect(page.locator('h1').first()).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-Hans');
  // index.html's boot shell is gone once the app has mounted: one frame, one <main>.
  await expect(page.locator('#boot')).toHaveCount(0);
  await expect(page.locator('main')).toHaveCount(1);
  // Nothing but the app's own frame is in <body>: no Trunk error overlay, no panic text.
  expect(pageErrors.all()).toEqual([]);
});

test('until the wasm has started, the boot shell shows the app name and says it is starting', async ({ page }) => {
  // Hold the wasm back: what the user sees meanwhile is the HTML's own boot shell.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/_bg\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('/');
  await expect(page.locator('#boot')).toBeVisible();
  await expect(page.locator('#boot h1')).toHaveText('连心信访');
  await expect(page.locator('#boot [role=status]')).toHaveText('正在启动…');
  release();
  await waitForApp(page);
  await expect(page.locator('#boot')).toHaveCount(0);
  await expect(page.getByTestId('page-home')).toBeVisible();
});

for (const route of ROUTES) {
  test(`deep link ${route} renders its page`, async ({ page, pageErrors }) => {
    const response = await page.goto(route);
    expect(response?.status()).toBe(200);
    await waitForApp(page);
    await expect(page.getByTestId(PAGE_OF[route])).toBeVisible();
    await expect(page.locator('h1').first()).toBeVisible();
    expect(pageErrors.uncaught).toEqual([]);
  });
}

test('an unknown path gets the app, which says the page does not exist', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(200);
  await waitForApp(page);
  await expect(page.getByTestId('page-not-found')).toBeVisible();
});

test('the main navigation leads to every section', async ({ page, pageErrors }) => {
  await page.goto('/');
  await waitForApp(page);
  for (const [testId, pageId, path] of [
    ['nav-petitions', 'page-petitions', '/petitions'],
    ['nav-quiz', 'page-quiz', '/quiz'],
    ['nav-law', 'page-law', '/law'],
    ['nav-sync', 'page-sync', '/sync'],
    ['nav-settings', 'page-settings', '/settings'],
    ['nav-home', 'page-home', '/'],
  ]) {
    await page.getByTestId(testId).click();
    await expect(page.getByTestId(pageId)).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`${path.replace(/\//g, '\\/')}$`));
    await expect(page.getByTestId(testId)).toHaveAttribute('aria-current', 'page');
  }
  expect(pageErrors.uncaught).toEqual([]);
});

for (const [name, viewport] of [
  ['a phone', { width: 390, height: 844 }],
  ['a 10-inch tablet in portrait', { width: 800, height: 1280 }],
  ['a 10-inch tablet in landscape', { width: 1280, height: 800 }],
] as const) {
  test(`the frame fits ${name} without sideways scrolling`, async ({ page }) => {
    await page.setViewportSize(viewport);
    for (const route of ['/', '/petitions/new', '/settings']) {
      await page.goto(route);
      await waitForApp(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `horizontal overflow on ${route}`).toBeLessThanOrEqual(0);
      await expect(page.getByRole('navigation').first()).toBeVisible();
    }
  });
}
