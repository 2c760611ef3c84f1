// axe-core on every route: no serious or critical violations.

import AxeBuilder from '@axe-core/playwright';
import { test, expect, waitForApp, ROUTES } from './fixtures/test';

for (const route of ROUTES) {
  test(`axe finds no serious or critical violations on ${route}`, async ({ page }) => {
    await page.goto(route);
    await waitForApp(page);
    await expect(page.locator('h1').first()).toBeVisible();
    const results = await new AxeBuilder({ page }).analyze();
    const blocking = results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        rule: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
      }));
    expect(blocking).toEqual([]);
  });
}
