// The service worker of Lianxin. scripts/gen-sw.mjs prepends CACHE_VERSION, SHELL_URL and
// PRECACHE_URLS (every file of the release build) and writes the result to dist/sw.js.
//
// - install: precache every file of the build into a cache named after this build's version.
//   It does NOT call skipWaiting(): a new version waits until the page, after the user clicked
//   "重新加载", posts {type: "SKIP_WAITING"} (see src/update.rs).
// - activate: delete this app's caches of older versions but the previous one, then take control of
//   open pages. The previous release's cache stays because a tab may still run it (another tab
//   took the update): its page modules (pkg-<hash>/, fetched on first use) are no longer on the
//   server, and without the cache that tab could not open a page it had not opened yet.
// - navigations: network first, so an online user always gets the current index.html; if the
//   network fails, is too slow, or answers anything but 2xx, the cached index.html is served, and
//   the app's router renders whatever route the URL names. That is how every deep link opens
//   offline.
// - precached files (hashed js, wasm, css, icons, manifest): cache first.
// - another release's modules (pkg-<hash>/ not in this build): from whichever of our caches has
//   them, else the network.
// - /api/ and everything else: not intercepted at all. The sync engine must see the real network,
//   and nothing that carries petition data is ever put in a cache.
"use strict";

const CACHE_PREFIX = "lianxin-shell-";
const CACHE_NAME = CACHE_PREFIX + CACHE_VERSION;
const PRECACHED = new Set(PRECACHE_URLS);
// A navigation that has not answered by then is served from the cache: on a poor connection the
// shell opens at once instead of after the browser's own timeout.
const NAVIGATION_TIMEOUT_MS = 4000;

/** A release's app modules: `/pkg-<hash>/...` (scripts/gen-sw.mjs, fingerprintPkg). */
const MODULE_PATH = /^\/pkg-[0-9a-f]{16}\//;

/** How a request is handled: "navigate", "precached", "module" (another release's app module),
 *  or "pass" (not intercepted). */
function routeOf(request) {
  if (request.method !== "GET") return "pass";
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return "pass";
  if (url.pathname === "/api" || url.pathname.startsWith("/api/")) return "pass";
  if (request.mode === "navigate") return "navigate";
  if (PRECACHED.has(url.pathname)) return "precached";
  if (MODULE_PATH.test(url.pathname)) return "module";
  return "pass";
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE_NAME).then((cache) =>
      // `cache: "reload"` skips the HTTP cache: the new cache must hold this build's files.
      cache.addAll(PRECACHE_URLS.map((url) => new Request(url, { cache: "reload" }))),
    ),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      // CacheStorage lists its caches in the order they were created: the last older one of ours
      // is the release this one replaces.
      const older = (await caches.keys()).filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME);
      await Promise.all(older.slice(0, -1).map((name) => caches.delete(name)));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") {
    self.skipWaiting();
  }
});

self.addEventListener("fetch", (event) => {
  switch (routeOf(event.request)) {
    case "navigate":
      event.respondWith(navigate(event.request));
      break;
    case "precached":
      event.respondWith(cacheFirst(event.request));
      break;
    case "module":
      event.respondWith(anyCacheFirst(event.request));
      break;
    default:
      // Not calling respondWith leaves the request to the browser, as if there were no worker.
      break;
  }
});

async function navigate(request) {
  let response;
  try {
    response = await withTimeout(fetch(request), NAVIGATION_TIMEOUT_MS);
    // A redirect reaches a navigation as an opaque response; hand it to the browser to follow.
    if (response.ok || response.type === "opaqueredirect") return response;
  } catch (_) {
    // Offline, server down, or too slow: fall through to the cached shell.
  }
  const shell = await caches.match(SHELL_URL, { cacheName: CACHE_NAME });
  return shell ?? response ?? Response.error();
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: CACHE_NAME, ignoreSearch: true });
  return cached ?? fetch(request);
}

async function anyCacheFirst(request) {
  // Without a cacheName, match looks in every cache of this origin: here ours only hold releases.
  const cached = await caches.match(request, { ignoreSearch: true });
  return cached ?? fetch(request);
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
