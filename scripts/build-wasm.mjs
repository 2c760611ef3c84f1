#!/usr/bin/env node
// Builds the app's wasm, split into a main module and lazily loaded chunks, into target/pwa-pkg/.
//
// Trunk runs this as a pre_build hook (Trunk.toml); index.html copies target/pwa-pkg/ to pkg/ and
// loads pkg/lianxin.js, and gen-sw.mjs then renames pkg/ after a hash of its contents. Trunk's
// own Rust pipeline cannot do this: it runs wasm-bindgen straight on cargo's output, and the split
// has to happen between the two (trunk-rs/trunk#1022). The steps are the ones cargo-leptos takes
// for `--split`:
//
//   1. cargo builds the `lianxin` binary with the `split` feature, which turns on its
//      `#[wasm_split]` points (`lazy_page!` in src/pages/mod.rs, the sync run in src/app_state.rs),
//      and `--emit-relocs`, which wasm-split needs to move functions between modules;
//   2. wasm-split-cli cuts it at those points: the main module, one module per point, the chunks
//      they share, and `__wasm_split.js`, which fetches them on first use;
//   3. wasm-bindgen makes the JS glue for the main module, keeping the exports the chunks import;
//   4. wasm-opt -Oz shrinks every module (binaryen 132 from npm: Debian's 108 breaks the wasm),
//      and terser the JS (the glue and the split loader; 2.5 kB less to send, brotli'd).
//
// A debug build (`trunk build` / `trunk serve` without --release, TRUNK_PROFILE=debug) builds one
// unsplit, unoptimized wasm with the dev profile instead: quick to rebuild, and with debug
// assertions on, so the app does not register its service worker (src/update.rs).
//
// Nothing here downloads anything: every tool comes from scripts/bootstrap.sh.
//
//   node scripts/build-wasm.mjs            # or let `trunk build --release --offline` run it
//   TRUNK_PROFILE=debug node scripts/build-wasm.mjs

import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { minify } from "terser";

const ROOT = process.env.TRUNK_SOURCE_DIR ?? join(dirname(fileURLToPath(import.meta.url)), "..");
const TARGET_DIR = process.env.CARGO_TARGET_DIR ?? join(ROOT, "target");
/** What index.html copies into the build (`<link data-trunk rel="copy-dir">`): always under the
 *  repository's target/, wherever CARGO_TARGET_DIR puts cargo's own output. */
export const PKG_DIR = join(ROOT, "target", "pwa-pkg");
// npm's binaryen (wasm-opt 132) lives in node_modules/.bin; the Makefile puts it on PATH, and so
// does this script for its own tools, so that it also runs by hand.
const ENV = { ...process.env, PATH: [join(ROOT, "node_modules", ".bin"), process.env.PATH].join(delimiter) };
const NAME = "lianxin";
/** Trunk tells its hooks the build's profile; run by hand, the script builds the release. */
const RELEASE = (process.env.TRUNK_PROFILE ?? "release") === "release";
/** The binaryen release that is known to produce a working wasm (see toolchain notes). */
const WASM_OPT_VERSION = 132;
// wasm-bindgen 0.2.130 emits these proposals; wasm-opt must be told it may keep them.
const WASM_OPT_FEATURES = [
  "--enable-bulk-memory",
  "--enable-nontrapping-float-to-int",
  "--enable-sign-ext",
  "--enable-mutable-globals",
  "--enable-reference-types",
];

function run(cmd, args, options = {}) {
  console.log(`build-wasm: ${cmd} ${args.join(" ")}`);
  return execFileSync(cmd, args, { stdio: "inherit", cwd: ROOT, env: ENV, ...options });
}

/** Where index.html takes the served locale files from (`<link data-trunk rel="copy-dir">`, to
 *  dist/locales/): the languages the release wasm does not compile in (src/i18n.rs). */
export const LOCALES_DIR = join(ROOT, "target", "pwa-locales");

/**
 * Copies the locale files the app's build.rs wrote (its OUT_DIR/locales/<tag>-<hash>.json) to
 * LOCALES_DIR. `messages` is cargo's `--message-format=json` output, which names that OUT_DIR
 * (also when the build script did not have to run again).
 */
export function copyLocales(messages) {
  const outDirs = messages
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line))
    .filter((m) => m.reason === "build-script-executed" && /#lianxin@|^lianxin /.test(m.package_id))
    .map((m) => join(m.out_dir, "locales"));
  if (outDirs.length !== 1) throw new Error(`cargo named ${outDirs.length} OUT_DIRs of the app's build script, not 1`);
  const files = readdirSync(outDirs[0]).filter((f) => f.endsWith(".json"));
  if (files.length === 0) throw new Error(`no locale files in ${outDirs[0]}`);
  for (const file of files) copyFileSync(join(outDirs[0], file), join(LOCALES_DIR, file));
  console.log(`build-wasm: ${files.join(", ")} in ${LOCALES_DIR}`);
}

function checkWasmOpt() {
  let version = "";
  try {
    version = execFileSync("wasm-opt", ["--version"], { encoding: "utf8", env: ENV });
  } catch {
    throw new Error("wasm-opt is not on PATH: run `make bootstrap` (npm ci installs binaryen)");
  }
  if (!version.includes(`version ${WASM_OPT_VERSION}`)) {
    throw new Error(
      `wasm-opt must be binaryen ${WASM_OPT_VERSION} from npm (node_modules/.bin), found: ${version.trim()}; ` +
        "older releases emit a wasm that crashes at start",
    );
  }
}

/** Runs `wasm-opt -Oz` on every file, as many at a time as there are cores. */
async function optimizeAll(files) {
  const queue = [...files];
  const optimize = (file) =>
    new Promise((resolve, reject) => {
      const child = spawn("wasm-opt", ["-Oz", ...WASM_OPT_FEATURES, file, "-o", file], {
        stdio: ["ignore", "inherit", "pipe"],
        env: ENV,
      });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      // A process that could not start at all (no wasm-opt, no more processes) must fail the build.
      child.on("error", reject);
      // "close", not "exit": only then has all of stderr been read.
      child.on("close", (code) => {
        // wasm-split writes a name subsection binaryen does not know; that warning is noise.
        const rest = stderr
          .split("\n")
          .filter((line) => line && !line.includes("unknown name subsection"))
          .join("\n");
        if (rest) console.error(rest);
        code === 0 ? resolve() : reject(new Error(`wasm-opt failed on ${file} (exit ${code})`));
      });
    });
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) await optimize(file);
  };
  await Promise.all(Array.from({ length: Math.max(1, cpus().length) }, worker));
}

/** Minifies the ES modules in `dir` (not its subdirectories: wasm-bindgen's tiny snippets). */
async function minifyModules(dir) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".js"))) {
    const path = join(dir, file);
    const { code } = await minify(readFileSync(path, "utf8"), { module: true, compress: true, mangle: true });
    writeFileSync(path, code);
  }
}

export async function build() {
  rmSync(PKG_DIR, { recursive: true, force: true });
  mkdirSync(PKG_DIR, { recursive: true });
  // Empty in a debug build, which compiles every language in.
  rmSync(LOCALES_DIR, { recursive: true, force: true });
  mkdirSync(LOCALES_DIR, { recursive: true });
  if (!RELEASE) {
    run("cargo", ["build", "--package", NAME, "--bin", NAME, "--target", "wasm32-unknown-unknown"]);
    run("wasm-bindgen", [
      "--target", "web",
      "--no-typescript",
      "--out-dir", PKG_DIR,
      "--out-name", NAME,
      join(TARGET_DIR, "wasm32-unknown-unknown", "debug", `${NAME}.wasm`),
    ]);
    // index.html preloads the split loader; in a debug build there is nothing to load.
    writeFileSync(join(PKG_DIR, "__wasm_split.js"), "// Debug build: the wasm is not split.\nexport {};\n");
    console.log(`build-wasm: debug build, one unsplit wasm in ${PKG_DIR}`);
    return;
  }

  checkWasmOpt();
  const messages = run(
    "cargo",
    [
      "rustc",
      "--package", NAME,
      "--bin", NAME,
      "--profile", "wasm-release",
      "--target", "wasm32-unknown-unknown",
      "--features", "split",
      // JSON on stdout (it names build.rs's OUT_DIR), compiler messages as usual on stderr.
      "--message-format", "json-render-diagnostics",
      "--",
      "-C", "link-arg=--emit-relocs",
    ],
    { stdio: ["inherit", "pipe", "inherit"], encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  copyLocales(messages);
  const linked = join(TARGET_DIR, "wasm32-unknown-unknown", "wasm-release", `${NAME}.wasm`);

  const splitDir = join(TARGET_DIR, "wasm-split");
  rmSync(splitDir, { recursive: true, force: true });
  run("wasm-split-cli", [linked, splitDir, "--out-name", NAME]);

  run("wasm-bindgen", [
    "--target", "web",
    "--no-typescript",
    "--keep-lld-exports",
    "--no-demangle",
    "--out-dir", PKG_DIR,
    "--out-name", NAME,
    join(splitDir, `${NAME}.wasm`),
  ]);
  for (const file of readdirSync(splitDir)) {
    if (file !== `${NAME}.wasm`) copyFileSync(join(splitDir, file), join(PKG_DIR, file));
  }

  const modules = readdirSync(PKG_DIR).filter((f) => f.endsWith(".wasm")).map((f) => join(PKG_DIR, f));
  await optimizeAll(modules);
  await minifyModules(PKG_DIR);
  console.log(`build-wasm: ${modules.length} wasm modules in ${PKG_DIR}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  build().catch((e) => {
    console.error(`build-wasm: ${e.message}`);
    process.exit(1);
  });
}
