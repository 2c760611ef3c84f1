// The law reader (issue 10): an article's link opens with the server STOPPED (the text comes from
// the service worker's precache), and offline the reader still searches, keeps its text size and
// copies an article with its citation.

import { test, expect, waitForApp, waitForServiceWorker } from './fixtures/test';
import { precacheListOf } from '../../scripts/lib/precache.mjs';

const LAW_FILE = '/law/xinfang-gongzuo-tiaoli-2022.md';
const ART_34 = '对本条例第三十一条第六项规定的信访事项应当自受理之日起60日内办结';

test('an article link opens offline, and the reader searches, resizes and copies there', async ({
  page,
  context,
  server,
  pageErrors,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseURL });
  await page.goto('/law/xinfang/34');
  await waitForApp(page);
  await expect(page.getByTestId('law-article-34')).toContainText(ART_34);
  await waitForServiceWorker(page);
  const worker = await (await fetch(`${server.baseURL}/sw.js`)).text();
  expect(precacheListOf(worker)).toContain(LAW_FILE);

  await server.stop();
  // Nothing answers any more: a request that bypassed the cache would fail.
  await expect(fetch(`${server.baseURL}/healthz`)).rejects.toThrow();

  await page.reload();
  await waitForApp(page);
  await expect(page.getByTestId('law-article-34')).toContainText(ART_34);
  // The law's text is Chinese whatever the interface language.
  await expect(page.getByTestId('law-article-34').locator('.law-article__text')).toHaveAttribute(
    'lang',
    'zh-Hans',
  );

  // 六十日 in Chinese numerals finds the text's 60日, marked in the snippet.
  await page.getByTestId('law-search').fill('六十日');
  const result = page.getByTestId('law-result-34');
  await expect(result).toBeVisible();
  await expect(result.getByTestId('law-mark').first()).toHaveText('60日');
  await expect(page.getByTestId('law-results-count')).toHaveText(/\d/);
  await result.getByRole('link').click();
  await expect(page).toHaveURL(/\/law\/xinfang\/34$/);
  await expect(page.getByTestId('law-article-34')).toContainText(ART_34);
  await expect(page.getByTestId('law-search')).toHaveValue('');

  // A query nothing holds says so.
  await page.getByTestId('law-search').fill('民事诉讼法');
  await expect(page.getByTestId('law-results-count')).toContainText('民事诉讼法');
  await expect(page.getByTestId('law-results')).toHaveCount(0);
  await page.getByTestId('law-search').fill('');
  await expect(page.getByTestId('law-article-34')).toBeVisible();

  // Text size: two steps larger, bigger on screen, and still so after a reload.
  const body = page.locator('#law-body');
  const fontSize = async () => parseFloat(await body.evaluate((el) => getComputedStyle(el).fontSize));
  const normal = await fontSize();
  await page.getByTestId('law-larger').click();
  await page.getByTestId('law-larger').click();
  await expect(page.getByTestId('law-size-value')).toHaveText('130%');
  expect(await fontSize()).toBeCloseTo(normal * 1.3, 0);
  await page.reload();
  await waitForApp(page);
  await expect(page.getByTestId('law-size-value')).toHaveText('130%');
  await expect(body).toHaveAttribute('data-text-size', '2');
  await page.getByTestId('law-smaller').click();
  await expect(page.getByTestId('law-size-value')).toHaveText('115%');

  // Copy: the article with its citation, and a visible confirmation.
  await page.getByTestId('law-copy-34').click();
  await expect(page.getByTestId('law-copied')).toBeVisible();
  await expect(page.getByTestId('law-copied')).toContainText('第三十四条');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(`《信访工作条例》第三十四条：${ART_34}；情况复杂的，经本机关、单位负责人批准，可以适当延长办理期限，但延长期限不得超过30日，并告知信访人延期理由。`);

  // The pager walks to the next article, offline too.
  await page.getByTestId('law-next').click();
  await expect(page).toHaveURL(/\/law\/xinfang\/35$/);
  await expect(page.getByTestId('law-article-35')).toContainText('复查');

  expect(pageErrors.uncaught).toEqual([]);
});

test('the full text has a table of contents, and each article a link of its own', async ({ page }) => {
  await page.goto('/law');
  await waitForApp(page);
  const toc = page.getByTestId('law-toc');
  await expect(toc.getByRole('link')).toHaveCount(6);
  await expect(toc).toContainText('第四章 信访事项的办理');
  await expect(page.locator('[data-testid^="law-article-"]')).toHaveCount(50);
  await page.getByTestId('law-link-22').click();
  await expect(page).toHaveURL(/\/law\/xinfang\/22$/);
  await expect(page.getByTestId('law-article-22')).toBeVisible();
  await expect(page.locator('[data-testid^="law-article-"]')).toHaveCount(1);

  // A link to an article the regulation does not have says so.
  await page.goto('/law/xinfang/51');
  await waitForApp(page);
  await expect(page.getByTestId('law-no-article')).toBeVisible();
});

test('the English interface shows the Chinese text, marked as Chinese', async ({ page }) => {
  await page.goto('/law/xinfang/34');
  await waitForApp(page);
  await page.getByTestId('header-language').selectOption('en');
  await expect(page.locator('h1')).toContainText('Regulations on Petition Work');
  await expect(page.getByTestId('law-article-34').locator('[lang="zh-Hans"]').first()).toBeVisible();
  await page.getByTestId('law-search').fill('34');
  await expect(page.getByTestId('law-results-count')).toContainText('Articles found');
  await expect(page.getByTestId('law-result-34')).toBeVisible();
});

// BENCHMARKS.md "Law reader": keystroke to results. One `input` event with the whole query (as an
// IME commits a word), timed until the results are in the DOM and the next frame has been drawn.
// Each query runs RUNS times from an empty field; the median and the worst are printed.
test('a search over the whole text answers a keystroke within one frame budget', async ({ page }) => {
  await page.goto('/law');
  await waitForApp(page);
  await expect(page.getByTestId('law-article-50')).toBeVisible();
  const RUNS = 15;
  const timings = await page.evaluate(async (runs) => {
    const input = document.querySelector<HTMLInputElement>('[data-testid="law-search"]')!;
    const frame = () => new Promise((done) => requestAnimationFrame(() => done(null)));
    const type = (value: string) => {
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    };
    const count = () => document.querySelector('[data-testid="law-results-count"]')?.textContent ?? '';
    const out: Record<string, number[]> = {};
    for (const query of ['信访', '六十日', '复查 30日', '第34条', '民事诉讼法']) {
      out[query] = [];
      for (let i = 0; i < runs; i++) {
        type('');
        while (count() !== '') await frame();
        await frame();
        const start = performance.now();
        type(query);
        while (count() === '') await new Promise((done) => setTimeout(done, 0));
        await frame();
        out[query].push(performance.now() - start);
      }
    }
    return out;
  }, RUNS);
  for (const [query, ms] of Object.entries(timings)) {
    const sorted = [...ms].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(`law search ${JSON.stringify(query)}: median ${median.toFixed(1)} ms, worst ${sorted[sorted.length - 1].toFixed(1)} ms (${ms.length} runs)`);
    // A frame budget and a half: anything slower would be felt while typing.
    expect(median, query).toBeLessThan(100);
  }
});
