// Tests of scripts/gen-sw.mjs and of the service worker it writes: `node --test scripts/`.
//
// The worker is run in a vm context with small fakes of the Service Worker globals (caches,
// fetch, clients), so its routing, fallbacks and cache clean-up are checked without a browser.
// The end-to-end tests check the same worker in Chromium against the real server.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import vm from "node:vm";

import {
  cacheVersion,
  fingerprintPkg,
  generate,
  listFiles,
  precacheUrls,
  renderWorker,
} from "./gen-sw.mjs";
import { precompress } from "./gen-precompressed.mjs";
import { precacheListOf } from "./lib/precache.mjs";
import { brotliDecompressSync, gunzipSync } from "node:zlib";

/** Runs `fn` on a fake build of `files`, removed afterwards; returns what `fn` returns. */
function inBuild(files, fn) {
  const dir = fakeBuild(files);
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

function fakeBuild(files) {
  const dir = mkdtempSync(join(tmpdir(), "gen-sw-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const BUILD = {
  "index.html": "<!doctype html><title>连心</title>",
  "lianxin-abc123.js": "export default 1",
  "lianxin-abc123_bg.wasm": "\0asm",
  "main-def456.css": "body{}",
  "icons/icon-192.png": "png",
  "manifest.webmanifest": "{}",
};

test("every file of the build is listed, sorted, with / separators", () => {
  inBuild(BUILD, (dir) => {
    assert.deepEqual(listFiles(dir), [
      "icons/icon-192.png",
      "index.html",
      "lianxin-abc123.js",
      "lianxin-abc123_bg.wasm",
      "main-def456.css",
      "manifest.webmanifest",
    ]);
  });
});

const SPLIT_BUILD = {
  "index.html":
    "<!-- the app is copied to pkg/ (a comment, as in an unminified debug build) -->" +
    '<link href=/pkg/lianxin.js rel=modulepreload><link data-trunk data-trunk-skip href=Cargo.toml rel=rust>' +
    '<script type=module>import a from"/pkg/lianxin.js";a({module_or_path:`/pkg/lianxin_bg.wasm`})</script>',
  "pkg/lianxin.js": "import * as s from './__wasm_split.js'",
  "pkg/__wasm_split.js": "fetch(new URL('./split_law_page.wasm', import.meta.url))",
  "pkg/lianxin_bg.wasm": "\0asm main",
  "pkg/split_law_page.wasm": "\0asm law",
};

test("pkg/ is renamed after its contents and index.html loads the app from the new name", () => {
  inBuild(SPLIT_BUILD, (dir) => {
    const named = fingerprintPkg(dir);
    assert.match(named, /^pkg-[0-9a-f]{16}$/);
    assert.deepEqual(listFiles(dir), [
      "index.html",
      `${named}/__wasm_split.js`,
      `${named}/lianxin.js`,
      `${named}/lianxin_bg.wasm`,
      `${named}/split_law_page.wasm`,
    ]);
    const html = readFileSync(join(dir, "index.html"), "utf8");
    assert.ok(!html.includes("/pkg/"), html);
    assert.equal(html.split(`/${named}/`).length - 1, 3);
    // Trunk's skipped rust link is gone; nothing in the modules themselves changed.
    assert.ok(!html.includes("data-trunk"), html);
    assert.equal(readFileSync(join(dir, named, "lianxin.js"), "utf8"), SPLIT_BUILD["pkg/lianxin.js"]);
  });
});

test("a change to any module gives pkg/ another name; the same modules keep theirs", () => {
  const names = [SPLIT_BUILD, SPLIT_BUILD, { ...SPLIT_BUILD, "pkg/split_law_page.wasm": "\0asm law 2" }].map(
    (build) => inBuild(build, fingerprintPkg),
  );
  assert.equal(names[0], names[1]);
  assert.notEqual(names[0], names[2]);
});

test("an index.html that names pkg/ other than by a /pkg/ URL is refused, and nothing is renamed", () => {
  const build = {
    ...SPLIT_BUILD,
    "index.html": SPLIT_BUILD["index.html"] + "<link href=pkg/lianxin_bg.wasm rel=preload as=fetch>",
  };
  inBuild(build, (dir) => {
    assert.throws(() => fingerprintPkg(dir), /still refers to pkg\//);
    assert.ok(listFiles(dir).includes("pkg/lianxin.js"));
    assert.ok(readFileSync(join(dir, "index.html"), "utf8").includes("/pkg/lianxin.js"));
  });
});

test("the precache list reads back from the worker it was written into", () => {
  const urls = precacheUrls(Object.keys(BUILD).sort());
  assert.deepEqual(precacheListOf(renderWorker({ version: "v1", urls, shellUrl: "/index.html" })), urls);
});

test("a build without pkg/ is left as it is", () => {
  inBuild(BUILD, (dir) => {
    assert.equal(fingerprintPkg(dir), null);
    assert.deepEqual(listFiles(dir), Object.keys(BUILD).sort());
  });
});

test("the worker never precaches itself, even when a previous sw.js is in the build", () => {
  inBuild({ ...BUILD, "sw.js": "old worker" }, (dir) => {
    assert.ok(!listFiles(dir).includes("sw.js"));
  });
});

test("compressed variants sit beside the files but are never precached", () => {
  const big = "export default function init() { return 1; }\n".repeat(200);
  inBuild({ ...BUILD, "lianxin-abc123.js": big }, (dir) => {
    const written = precompress(dir).map((w) => w.file.slice(dir.length + 1)).sort();
    assert.ok(written.includes("lianxin-abc123.js.br") && written.includes("lianxin-abc123.js.gz"));
    // Images are left alone, and a variant that is not smaller than its file is not written.
    assert.ok(!written.some((f) => f.startsWith("icons/")));
    assert.ok(!written.includes("manifest.webmanifest.br"));
    assert.equal(brotliDecompressSync(readFileSync(join(dir, "lianxin-abc123.js.br"))).toString(), big);
    assert.equal(gunzipSync(readFileSync(join(dir, "lianxin-abc123.js.gz"))).toString(), big);
    assert.ok(!listFiles(dir).some((f) => f.endsWith(".br") || f.endsWith(".gz")));
  });
});

test("the cache version is the same for the same files and changes with any content", () => {
  const a = fakeBuild(BUILD);
  const b = fakeBuild(BUILD);
  const c = fakeBuild({ ...BUILD, "main-def456.css": "body{color:red}" });
  try {
    assert.equal(cacheVersion(a, listFiles(a)), cacheVersion(b, listFiles(b)));
    assert.notEqual(cacheVersion(a, listFiles(a)), cacheVersion(c, listFiles(c)));
    assert.match(cacheVersion(a, listFiles(a)), /^[0-9a-f]{16}$/);
  } finally {
    for (const d of [a, b, c]) rmSync(d, { recursive: true });
  }
});

test("precache URLs sit under the public URL and are percent-encoded", () => {
  assert.deepEqual(precacheUrls(["index.html", "icons/a b.png"]), ["/index.html", "/icons/a%20b.png"]);
  assert.deepEqual(precacheUrls(["index.html"], "/app"), ["/app/index.html"]);
});

test("a build without index.html is refused: it could not open offline", () => {
  assert.throws(() => renderWorker({ version: "v", urls: ["/a.js"], shellUrl: "/index.html", workerSource: "" }));
});

test("generate writes sw.js with the list and the version", () => {
  inBuild(BUILD, (dir) => {
    const { version, urls } = generate(dir);
    const sw = readFileSync(join(dir, "sw.js"), "utf8");
    assert.ok(sw.includes(JSON.stringify(version)));
    for (const url of urls) assert.ok(sw.includes(JSON.stringify(url)), url);
    assert.equal(urls.length, Object.keys(BUILD).length);
  });
});

// ---- the worker itself ------------------------------------------------------------------

const ORIGIN = "https://lianxin.test";

/** Loads the generated worker in a sandbox; `network(url)` answers its fetches. */
function loadWorker(network, { cacheNames = [] } = {}) {
  const urls = precacheUrls(Object.keys(BUILD).sort());
  const source = renderWorker({ version: "v2", urls, shellUrl: "/index.html" });
  const listeners = {};
  const stores = new Map(cacheNames.map((name) => [name, new Map()]));
  const calls = { skipWaiting: 0, claim: 0, fetched: [] };
  const cacheOf = (name) => {
    if (!stores.has(name)) stores.set(name, new Map());
    const store = stores.get(name);
    return {
      addAll: async (requests) => {
        for (const r of requests) {
          const path = new URL(r.url, ORIGIN).pathname;
          store.set(path, new Response(`cached ${path}`));
        }
      },
    };
  };
  const sandbox = {
    URL,
    Request: class {
      constructor(url, init = {}) {
        this.url = new URL(url, ORIGIN).href;
        this.method = init.method ?? "GET";
        this.mode = init.mode ?? "cors";
        this.cache = init.cache;
      }
    },
    Response,
    setTimeout,
    clearTimeout,
    Promise,
    Set,
    self: {
      location: new URL(ORIGIN),
      addEventListener: (type, fn) => (listeners[type] = fn),
      skipWaiting: () => calls.skipWaiting++,
      clients: { claim: async () => calls.claim++ },
    },
    caches: {
      open: async (name) => cacheOf(name),
      keys: async () => [...stores.keys()],
      delete: async (name) => stores.delete(name),
      match: async (request, { cacheName } = {}) => {
        const path = new URL(typeof request === "string" ? request : request.url, ORIGIN).pathname;
        // Without a cacheName: every cache, in creation order, as CacheStorage does.
        const searched = cacheName === undefined ? [...stores.values()] : [stores.get(cacheName)];
        return searched.find((store) => store?.has(path))?.get(path).clone();
      },
    },
    fetch: async (request) => {
      calls.fetched.push(request.url);
      return network(request.url);
    },
  };
  vm.runInNewContext(source, sandbox);
  const run = async (type, event) => {
    let waited;
    let responded;
    listeners[type]({
      ...event,
      waitUntil: (p) => (waited = p),
      respondWith: (p) => (responded = p),
    });
    await waited;
    return responded === undefined ? undefined : await responded;
  };
  const request = (path, init) => new sandbox.Request(path, init);
  return { run, request, stores, calls };
}

const offline = async () => {
  throw new TypeError("Failed to fetch");
};

test("install precaches every file under this version's cache and does not skip waiting", async () => {
  const sw = loadWorker(offline);
  await sw.run("install", {});
  assert.deepEqual([...sw.stores.get("lianxin-shell-v2").keys()].sort(), precacheUrls(Object.keys(BUILD)).sort());
  assert.equal(sw.calls.skipWaiting, 0);
});

test("activate deletes older versions of our cache but the previous one, then claims the pages", async () => {
  const sw = loadWorker(offline, {
    cacheNames: ["lianxin-shell-v0", "lianxin-attachments", "lianxin-shell-v1", "lianxin-shell-v2"],
  });
  await sw.run("activate", {});
  // v1 is the release v2 replaces: a tab may still run it.
  assert.deepEqual([...sw.stores.keys()].sort(), ["lianxin-attachments", "lianxin-shell-v1", "lianxin-shell-v2"]);
  assert.equal(sw.calls.claim, 1);
});

test("a tab of the previous release still gets its page modules, from the previous cache", async () => {
  const sw = loadWorker(offline, { cacheNames: ["lianxin-shell-v1"] });
  const oldModule = "/pkg-0123456789abcdef/split_law_page.wasm";
  sw.stores.get("lianxin-shell-v1").set(oldModule, new Response("v1 law page"));
  await sw.run("install", {});
  await sw.run("activate", {});
  const response = await sw.run("fetch", { request: sw.request(oldModule) });
  assert.equal(await response.text(), "v1 law page");
  assert.deepEqual(sw.calls.fetched, []);
  // A module no cache has goes to the network.
  const missing = "/pkg-fedcba9876543210/split_law_page.wasm";
  await assert.rejects(sw.run("fetch", { request: sw.request(missing) }));
  assert.deepEqual(sw.calls.fetched, [ORIGIN + missing]);
});

test("a SKIP_WAITING message, and only that, makes the waiting worker activate", async () => {
  const sw = loadWorker(offline);
  await sw.run("message", { data: { type: "HELLO" } });
  assert.equal(sw.calls.skipWaiting, 0);
  await sw.run("message", { data: { type: "SKIP_WAITING" } });
  assert.equal(sw.calls.skipWaiting, 1);
});

test("an offline deep link is answered with the cached index.html", async () => {
  const sw = loadWorker(offline);
  await sw.run("install", {});
  const response = await sw.run("fetch", { request: sw.request("/petitions/new", { mode: "navigate" }) });
  assert.equal(await response.text(), "cached /index.html");
});

test("a navigation answered with a non-2xx status gets the cached shell instead", async () => {
  const sw = loadWorker(async () => new Response("not found", { status: 404 }));
  await sw.run("install", {});
  const response = await sw.run("fetch", { request: sw.request("/quiz", { mode: "navigate" }) });
  assert.equal(await response.text(), "cached /index.html");
});

test("an online navigation gets the network's answer", async () => {
  const sw = loadWorker(async () => new Response("fresh index", { status: 200 }));
  await sw.run("install", {});
  const response = await sw.run("fetch", { request: sw.request("/sync", { mode: "navigate" }) });
  assert.equal(await response.text(), "fresh index");
});

test("precached assets are served from the cache without touching the network", async () => {
  const sw = loadWorker(offline);
  await sw.run("install", {});
  sw.calls.fetched.length = 0;
  const response = await sw.run("fetch", { request: sw.request("/lianxin-abc123_bg.wasm") });
  assert.equal(await response.text(), "cached /lianxin-abc123_bg.wasm");
  assert.deepEqual(sw.calls.fetched, []);
});

test("the API is never intercepted, not even a navigation to it", async () => {
  const sw = loadWorker(offline);
  for (const request of [
    sw.request("/api/v1/sync/push", { method: "POST" }),
    sw.request("/api/v1/sync/pull?cursor=0"),
    sw.request("/api/v1/health", { mode: "navigate" }),
    sw.request("/api"),
  ]) {
    assert.equal(await sw.run("fetch", { request }), undefined, request.url);
  }
});

test("files that are not part of the build and other origins are left to the browser", async () => {
  const sw = loadWorker(offline);
  assert.equal(await sw.run("fetch", { request: sw.request("/healthz") }), undefined);
  assert.equal(await sw.run("fetch", { request: sw.request("https://elsewhere.test/x.js") }), undefined);
});
