#!/usr/bin/env node
// Lighthouse 13 (npm `lighthouse`, its default mobile configuration: Moto G-class emulation with
// simulated slow 4G and 4x CPU slowdown) against the release build served by the real server.
//
//   make pwa server && node scripts/bench-lighthouse.mjs [route=/]
//
// Prints the performance, accessibility and best-practices scores and every audit that cost points;
// the full report goes to target/lighthouse/.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH, REPO_ROOT, startServer } from './lib/server.mjs';

const route = process.argv[2] ?? '/';
const outDir = join(REPO_ROOT, 'target', 'lighthouse');
mkdirSync(outDir, { recursive: true });
const outBase = join(outDir, route === '/' ? 'report-home' : `report${route.replace(/\W+/g, '-')}`);

const server = await startServer();
try {
  const url = server.baseURL + route;
  const result = spawnSync(
    join(REPO_ROOT, 'node_modules', '.bin', 'lighthouse'),
    [
      url,
      '--only-categories=performance,accessibility,best-practices',
      `--chrome-flags=${CHROMIUM_ARGS.join(' ')}`,
      '--output=json',
      '--output=html',
      `--output-path=${outBase}`,
      '--quiet',
    ],
    { env: { ...process.env, CHROME_PATH: CHROMIUM_PATH }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`lighthouse exited with ${result.status}`);
  const report = JSON.parse(readFileSync(`${outBase}.report.json`, 'utf8'));
  console.log(`Lighthouse ${report.lighthouseVersion}, ${report.configSettings.formFactor}, ${url}`);
  for (const [id, category] of Object.entries(report.categories)) {
    console.log(`  ${id}: ${Math.round(category.score * 100)}`);
    for (const ref of category.auditRefs) {
      const audit = report.audits[ref.id];
      if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
        console.log(`    - ${ref.id} (${audit.score}): ${audit.title} ${audit.displayValue ?? ''}`);
      }
    }
  }
  for (const id of ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index', 'interactive']) {
    const audit = report.audits[id];
    if (audit) console.log(`  ${audit.title}: ${audit.displayValue}`);
  }
  console.log(`  report: ${outBase}.report.html`);
} finally {
  await server.dispose();
}
