// The service worker's precache list, as scripts/gen-sw.mjs writes it into sw.js and as the
// benchmarks and the end-to-end tests read it back. No imports: Playwright's TypeScript loader
// takes this file as it is (tests/e2e/headers.spec.ts).

/** The line of sw.js that carries the list. */
export const PRECACHE_DECLARATION = "const PRECACHE_URLS = ";

/** The precache list of a service worker that gen-sw.mjs wrote. */
export function precacheListOf(workerSource) {
  const start = workerSource.indexOf(PRECACHE_DECLARATION);
  if (start < 0) throw new Error("no PRECACHE_URLS in the service worker");
  const from = start + PRECACHE_DECLARATION.length;
  return JSON.parse(workerSource.slice(from, workerSource.indexOf("];", from) + 1));
}
