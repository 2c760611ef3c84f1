#!/usr/bin/env node
// App shell transfer size: index.html + the JS + the wasm + the CSS, exactly as the real server
// sends them (compressed) to a browser that accepts br and gzip. The JS is what index.html loads
// and every module those import in turn (the split loader, wasm-bindgen's snippets); the wasm is
// the main module only: the page modules are fetched when their page is first opened, and the
// texts of a language other than the default when it is chosen (both listed after the shell).
//
//   make pwa server && node scripts/bench-shell.mjs
//
// Raw bytes on the wire are counted with node:http, which (unlike fetch) does not decompress.

import http from 'node:http';
import { precacheListOf } from './lib/precache.mjs';
import { startServer } from './lib/server.mjs';

function get(url, acceptEncoding) {
  return new Promise((done, fail) => {
    const headers = acceptEncoding ? { 'accept-encoding': acceptEncoding } : {};
    http
      .get(url, { headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', fail);
  });
}

const server = await startServer();
try {
  const index = await get(`${server.baseURL}/`, null);
  const html = index.body.toString('utf8');
  const find = (re) => [...new Set([...html.matchAll(re)].map((m) => m[1]))];
  const files = [
    ['/', 'index.html'],
    // Quoted, or bare attribute values in minified HTML.
    ...find(/["'=](\/[^"'\s>]+\.js)\b/g).map((p) => [p, 'js']),
    ...find(/["'=](\/[^"'\s>]+_bg\.wasm)\b/g).map((p) => [p, 'wasm']),
    ...find(/["'=](\/[^"'\s>]+\.css)\b/g).map((p) => [p, 'css']),
  ];
  const rows = [];
  const totals = { raw: 0, gzip: 0, br: 0 };
  // Modules a JS file imports are appended to `files` as it is read; the loop reaches them too.
  for (const [path, kind] of files) {
    const raw = await get(server.baseURL + path, 'identity');
    const gz = await get(server.baseURL + path, 'gzip');
    const br = await get(server.baseURL + path, 'br, gzip');
    if (raw.status !== 200) throw new Error(`${path}: ${raw.status}`);
    if (kind === 'js') {
      // Static imports (`import ... from './x.js'`) load with the module, before the app starts.
      const text = raw.body.toString('utf8');
      for (const [, spec] of text.matchAll(/\bimport\b[^'"]*?from\s*["'](\.{1,2}\/[^"']+)["']/g)) {
        const imported = new URL(spec, server.baseURL + path).pathname;
        if (!files.some(([p]) => p === imported)) files.push([imported, 'js']);
      }
    }
    const row = {
      path,
      kind,
      raw: raw.body.length,
      gzip: gz.body.length,
      gzipEnc: gz.headers['content-encoding'] ?? 'none',
      br: br.body.length,
      brEnc: br.headers['content-encoding'] ?? 'none',
    };
    rows.push(row);
    totals.raw += row.raw;
    totals.gzip += row.gzip;
    totals.br += row.br;
  }
  const kb = (n) => (n / 1000).toFixed(1);
  console.log('| file | kind | uncompressed (kB) | gzip (kB) | br, gzip (kB) |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| \`${r.path}\` | ${r.kind} | ${kb(r.raw)} | ${kb(r.gzip)} (${r.gzipEnc}) | ${kb(r.br)} (${r.brEnc}) |`,
    );
  }
  console.log(`| **app shell** | | **${kb(totals.raw)}** | **${kb(totals.gzip)}** | **${kb(totals.br)}** |`);
  console.log(`\nbudget for the finished app: 250 kB; app shell as sent with br: ${kb(totals.br)} kB`);

  // The wasm modules fetched later, on first use (a page, the first sync run), and precached by
  // the service worker in the background: its precache list is the build's list of files.
  const worker = (await get(`${server.baseURL}/sw.js`, 'identity')).body.toString('utf8');
  const precached = precacheListOf(worker);
  const later = precached.filter((p) => p.endsWith('.wasm') && !files.some(([f]) => f === p));
  const modules = [];
  for (const path of later) {
    const br = await get(server.baseURL + path, 'br, gzip');
    modules.push({ name: path.split('/').pop(), br: br.body.length });
  }
  const pages = modules.filter((m) => m.name.startsWith('split_')).sort((a, b) => b.br - a.br);
  const shared = modules.filter((m) => !m.name.startsWith('split_'));
  const sum = (ms) => ms.reduce((n, m) => n + m.br, 0);
  console.log('\n| loaded on first use | br (kB) |');
  console.log('|---|---:|');
  for (const m of pages) console.log(`| \`${m.name}\` | ${kb(m.br)} |`);
  console.log(`| ${shared.length} shared chunks (\`chunk_*.wasm\`), together | ${kb(sum(shared))} |`);
  console.log(`| **all of it** | **${kb(sum(modules))}** |`);

  // The texts of the languages the main module does not carry (src/i18n.rs): a device fetches
  // the one it chose, before the app mounts; the worker precaches them all.
  const locales = precached.filter((p) => p.startsWith('/locales/'));
  console.log('\n| language file, fetched when chosen | uncompressed (kB) | br (kB) |');
  console.log('|---|---:|---:|');
  for (const path of locales) {
    const raw = await get(server.baseURL + path, 'identity');
    const br = await get(server.baseURL + path, 'br, gzip');
    console.log(`| \`${path}\` | ${kb(raw.body.length)} | ${kb(br.body.length)} (${br.headers['content-encoding'] ?? 'none'}) |`);
  }
} finally {
  await server.dispose();
}
