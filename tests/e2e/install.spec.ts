// Installability, checked the way Chromium itself decides: the DevTools protocol
// (Lighthouse 12+ has no PWA category any more). Chromium never offers to install from an
// incognito profile, and Playwright's ordinary contexts are incognito ("in-incognito"), so this
// test launches a persistent profile of its own in a temporary directory.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { test, expect, waitForApp, waitForServiceWorker } from './fixtures/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './fixtures/chromium';

test('Chromium finds the app installable and its manifest free of errors', async ({ server, request }) => {
  const profile = mkdtempSync(join(tmpdir(), 'lianxin-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    baseURL: server.baseURL,
    viewport: { width: 1280, height: 800 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto('/');
    await waitForApp(page);
    await waitForServiceWorker(page);

    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);

    const manifest = await cdp.send('Page.getAppManifest', {});
    expect(manifest.errors).toEqual([]);
    expect(manifest.url).toMatch(/\/manifest\.webmanifest$/);
    const data = JSON.parse(manifest.data ?? '{}');
    expect(data.name).toBe('连心信访');
    expect(data.short_name).toBeTruthy();
    expect(data.lang).toBe('zh-CN');
    expect(data.display).toBe('standalone');
    expect(data.theme_color).toBeTruthy();
    expect(data.background_color).toBeTruthy();

    type Icon = { src: string; sizes?: string; purpose?: string };
    const icons: Icon[] = data.icons ?? [];
    const sizes = icons.flatMap((icon) => (icon.sizes ?? '').split(/\s+/));
    expect(sizes).toContain('192x192');
    expect(sizes).toContain('512x512');
    expect(icons.some((icon) => (icon.purpose ?? '').split(/\s+/).includes('maskable'))).toBe(true);
    // Every icon the manifest names is served, as an image.
    for (const icon of icons) {
      const response = await request.get(new URL(icon.src, manifest.url).toString());
      expect(response.status(), icon.src).toBe(200);
      expect(response.headers()['content-type'], icon.src).toMatch(/^image\//);
    }
    await cdp.detach();
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
