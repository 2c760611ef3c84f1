// The practice quiz offline (issue 10): with the server STOPPED, a new enrolled device takes the
// practice campaign over the bundled bank (fetched from the service worker's cache), reloads in
// the middle and resumes at the same question with its answers, submits, and sees its result;
// the server comes back, the attempt syncs, and `lianxin-server campaign stats` counts it.

import { test, expect, waitForApp, waitForServiceWorker, enroll } from './fixtures/test';

const PRACTICE = 'practice-xinfang-2022';

test('a practice quiz taken offline resumes after a reload, syncs, and is counted in the statistics', async ({
  page,
  server,
  pageErrors,
}) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await waitForApp(page);
  await waitForServiceWorker(page);
  await enroll(page, server);

  await server.stop();
  await page.goto('/quiz');
  await waitForApp(page);
  const practice = page.locator(`[data-testid="quiz-campaign"][data-campaign-id="${PRACTICE}"]`);
  await expect(practice).toBeVisible({ timeout: 15_000 });
  await practice.getByTestId('quiz-start').click();

  // Question 1: answer and check (the practice shows each answer), then on to question 2.
  await expect(page.getByTestId('quiz-progress')).toContainText('1');
  await page.getByTestId('quiz-option-0').click();
  await page.getByTestId('quiz-check').click();
  await expect(page.getByTestId('quiz-explanation')).toBeVisible();
  await expect(page.getByTestId('quiz-article-link')).toHaveAttribute('href', /^\/law\/xinfang\/\d+$/);
  await page.getByTestId('quiz-next').click();
  const second = await page.getByTestId('quiz-question').getAttribute('data-question-id');
  await page.getByTestId('quiz-option-1').click();
  await expect(page.getByTestId('quiz-option-1')).toHaveAttribute('aria-pressed', 'true');

  // A reload mid-quiz resumes at the same question with the same choice.
  await page.reload();
  await waitForApp(page);
  await expect(page.getByTestId('quiz-question')).toHaveAttribute('data-question-id', second!);
  await expect(page.getByTestId('quiz-option-1')).toHaveAttribute('aria-pressed', 'true');

  // Answer the rest and submit, at a person's pace: the server refuses an attempt faster than
  // one second a question (lianxin_core::quiz::MIN_SECONDS_PER_QUESTION, `duration_impossible`).
  for (;;) {
    const next = page.getByTestId('quiz-next');
    if ((await next.count()) === 0) break;
    await page.getByTestId('quiz-option-0').click();
    await page.waitForTimeout(1_100);
    await next.click();
  }
  await page.getByTestId('quiz-option-0').click();
  await page.waitForTimeout(1_100);
  await page.getByTestId('quiz-submit').click();
  await expect(page.getByTestId('quiz-result')).toBeVisible();
  await expect(page.getByTestId('quiz-score')).toBeVisible();

  // The server comes back; the attempt syncs and is counted.
  await server.start();
  await page.getByTestId('nav-sync').click();
  await expect(async () => {
    await page.getByTestId('sync-now').click({ timeout: 2_000 }).catch(() => {});
    const stats = JSON.parse(server.run(['campaign', 'stats', PRACTICE]));
    expect(stats.total.attempts).toBe(1);
  }).toPass({ timeout: 30_000, intervals: [500, 1_000, 2_000] });

  expect(pageErrors.uncaught).toEqual([]);
});
