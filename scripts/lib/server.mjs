// For the benchmark scripts: start the real release server on a free loopback port with a fresh
// SQLite database in a temporary directory, serving dist/. (The Playwright tests have their own,
// richer fixture in tests/e2e/fixtures/server.ts.)

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVER_BIN =
  process.env.LIANXIN_SERVER_BIN ?? join(REPO_ROOT, 'target', 'release', 'lianxin-server');
export const STATIC_DIR = process.env.LIANXIN_STATIC_DIR ?? join(REPO_ROOT, 'dist');
export { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';

async function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.on('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

/** Starts the server; resolves to { baseURL, stop(), start() } once GET /healthz answers 200. */
export async function startServer() {
  for (const path of [SERVER_BIN, join(STATIC_DIR, 'index.html')]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`make pwa server\` first`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'lianxin-bench-'));
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    LIANXIN_ADDR: `127.0.0.1:${port}`,
    LIANXIN_DATABASE_URL: `sqlite://${join(dataDir, 'lianxin.db')}`,
    LIANXIN_STATIC_DIR: STATIC_DIR,
    RUST_LOG: 'warn',
  };
  let proc;
  let log = '';

  async function start() {
    proc = spawn(SERVER_BIN, ['serve'], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout.on('data', (c) => (log += c));
    proc.stderr.on('data', (c) => (log += c));
    const exited = new Promise((done) => proc.on('exit', done));
    proc.exited = exited;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      try {
        const r = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (r.status === 200) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    proc.kill('SIGKILL');
    throw new Error(`lianxin-server did not start:\n${log}`);
  }

  async function stop() {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    await proc.exited;
  }

  await start();
  return {
    baseURL,
    start,
    stop,
    /** Runs a `lianxin-server` subcommand on this server's database; returns its stdout. */
    run(args) {
      const r = spawnSync(SERVER_BIN, args, { cwd: dataDir, env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`lianxin-server ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
    async dispose() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
