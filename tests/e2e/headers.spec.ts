// How the server delivers the PWA: caching, MIME types, compression, and a CSP the app runs under.

import { test, expect, waitForApp } from './fixtures/test';
import { precacheListOf } from '../../scripts/lib/precache.mjs';

const COMPRESSED = { 'accept-encoding': 'br, gzip' };

/**
 * The JS, wasm and CSS files index.html loads (the app's modules under pkg-<hash>/, the stylesheet
 * as Trunk's main-<hash>.css), quoted or, in minified HTML, as bare attribute values.
 */
function assetsOf(html: string): { js: string; wasm: string; css: string } {
  const find = (re: RegExp, what: string) => {
    const match = html.match(re);
    if (!match) throw new Error(`no ${what} in index.html`);
    return match[1];
  };
  return {
    js: find(/["'=](\/[^"'\s>]+\.js)\b/, 'script'),
    wasm: find(/["'=](\/[^"'\s>]+_bg\.wasm)\b/, 'wasm'),
    css: find(/["'=](\/[^"'\s>]+\.css)\b/, 'stylesheet'),
  };
}

test('index.html is revalidated on every load and carries a CSP that allows wasm and little else', async ({ request }) => {
  const response = await request.get('/', { headers: COMPRESSED });
  expect(response.status()).toBe(200);
  const headers = response.headers();
  expect(headers['content-type']).toMatch(/^text\/html/);
  expect(headers['cache-control']).toMatch(/no-cache/);
  const csp = headers['content-security-policy'];
  expect(csp, 'Content-Security-Policy').toBeTruthy();
  expect(csp).toContain("'wasm-unsafe-eval'");
  expect(csp).not.toContain("'unsafe-eval'");
  expect(csp).toMatch(/default-src 'self'|default-src 'none'/);
  expect(csp).toMatch(/object-src 'none'/);
});

test('hashed assets are immutable, compressed and correctly typed', async ({ request }) => {
  const html = await (await request.get('/')).text();
  const { js, wasm, css } = assetsOf(html);
  for (const [path, type] of [
    [wasm, /^application\/wasm/],
    [js, /^(text|application)\/javascript/],
    [css, /^text\/css/],
  ] as const) {
    const response = await request.get(path, { headers: COMPRESSED });
    expect(response.status(), path).toBe(200);
    const headers = response.headers();
    expect(headers['content-type'], path).toMatch(type);
    expect(headers['content-encoding'], `${path} compression`).toMatch(/^(br|gzip)$/);
    expect(headers['cache-control'], path).toMatch(/immutable/);
    expect(headers['cache-control'], path).toMatch(/max-age=\d{6,}/);
  }
});

test('a page module, fetched on first visit, is immutable, compressed and typed as wasm too', async ({ request }) => {
  const worker = await (await request.get('/sw.js')).text();
  const precached: string[] = precacheListOf(worker);
  const module = precached.find((path) => /^\/pkg-[0-9a-f]{16}\/split_quiz_page\.wasm$/.test(path));
  expect(module, 'the quiz page module in the precache list').toBeTruthy();
  const response = await request.get(module!, { headers: COMPRESSED });
  expect(response.status()).toBe(200);
  const headers = response.headers();
  expect(headers['content-type']).toMatch(/^application\/wasm/);
  expect(headers['content-encoding']).toMatch(/^(br|gzip)$/);
  expect(headers['cache-control']).toMatch(/immutable/);
});

test('the service worker and the manifest are revalidated, not cached for long', async ({ request }) => {
  const sw = await request.get('/sw.js');
  expect(sw.status()).toBe(200);
  expect(sw.headers()['content-type']).toMatch(/javascript/);
  expect(sw.headers()['cache-control']).toMatch(/no-cache/);
  const manifest = await request.get('/manifest.webmanifest');
  expect(manifest.status()).toBe(200);
  expect(manifest.headers()['content-type']).toMatch(/^application\/manifest\+json/);
  expect(manifest.headers()['cache-control'] ?? '').not.toMatch(/immutable/);
});

test('GET /healthz answers 200', async ({ request }) => {
  expect((await request.get('/healthz')).status()).toBe(200);
});

test('the app runs under its CSP without a single violation', async ({ page, pageErrors }) => {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.violatedDirective} blocked ${e.blockedURI}`),
    );
  });
  const response = await page.goto('/');
  expect(response?.headers()['content-security-policy']).toBeTruthy();
  await waitForApp(page);
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('page-settings')).toBeVisible();
  const violations = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  expect(violations).toEqual([]);
  expect(pageErrors.console.filter((m) => /Content Security Policy|CSP/i.test(m))).toEqual([]);
  expect(pageErrors.uncaught).toEqual([]);
});
